"""One blocking DataWorks run with one automatic retry, for the test that kills its worker as the run finishes.

Run by real Airflow components (tests/dags/test_worker_kill_run.py): blocking mode keeps the wait in the worker, so
killing the worker leaves the run to the retry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator

#: The DataWorks workflow the test adds to the emulator.
WORKFLOW_ID = 601

with DAG(dag_id="dataworks_worker_kill", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    DataWorksRunWorkflowOperator(
        task_id="run_workflow",
        workflow_id=WORKFLOW_ID,
        deferrable=False,
        poll_interval=1.0,
        timeout=timedelta(minutes=10),
        retries=1,
        retry_delay=timedelta(seconds=2),
    )
