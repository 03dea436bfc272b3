"""Tasks that fail before they know their DataWorks console URL (no such connection), for the console link's test:
the link finds no URL and says nothing, rather than logging "XCom not found" after the real error."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

with DAG(dag_id="dataworks_console_link_early_failure", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):
    DataWorksWorkflowInstanceSensor(
        task_id="gate", workflow_instance_id=1, dataworks_conn_id="dataworks_no_such_connection", timeout=30
    )
    DataWorksRunWorkflowOperator(task_id="run", workflow_id=1, dataworks_conn_id="dataworks_no_such_connection")
