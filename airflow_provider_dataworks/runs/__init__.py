"""Starting DataWorks runs: one run per Airflow task instance, its identity, and what a retry does."""
