"""The DAG of the docs' sample "test your own DAG against the emulator" (docs/emulator.md)."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

# [START howto_emulator_your_dag]
with DAG("gate_on_sales", schedule=None, start_date=datetime(2025, 1, 1), catchup=False) as dag:
    DataWorksWorkflowInstanceSensor(task_id="wait_for_sales", workflow_id=501, deferrable=True)
# [END howto_emulator_your_dag]
