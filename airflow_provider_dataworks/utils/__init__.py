"""What the hook, sensors, operators and triggers share: Airflow compatibility, the task mixin, quota, metrics."""
