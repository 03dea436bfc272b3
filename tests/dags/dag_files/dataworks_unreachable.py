"""One gate per sensor mode, for the unreachable-DataWorks tests: a wrong endpoint fails the try within minutes; an
outage after DataWorks answered is ridden out."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

for mode in ("poke", "reschedule", "deferrable"):
    with DAG(
        dag_id=f"dataworks_unreachable_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"mode": "reschedule" if mode == "reschedule" else "poke", "deferrable": mode == "deferrable"},
    ):
        DataWorksWorkflowInstanceSensor(
            task_id="gate",
            workflow_instance_id="{{ dag_run.conf['instance_id'] }}",
            poke_interval=0.5,
            timeout=90,
            api_retry_limit=1,
            api_retry_delay=0.01,
        )
