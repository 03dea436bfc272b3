"""Waits that end every way (success, failure, timeout) in each sensor mode, plus a run waited for while deferred,
for the wait-duration metric's test."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

FAST = {"poke_interval": 0.5, "api_retry_delay": 0.05}

for mode in ("poke", "reschedule", "deferrable"):
    with DAG(
        dag_id=f"dataworks_metrics_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"mode": "reschedule" if mode == "reschedule" else "poke", "deferrable": mode == "deferrable"},
    ):
        DataWorksWorkflowInstanceSensor(
            task_id="succeeds", workflow_instance_id="{{ dag_run.conf['success_id'] }}", timeout=60, **FAST
        )
        DataWorksWorkflowInstanceSensor(
            task_id="fails", workflow_instance_id="{{ dag_run.conf['failure_id'] }}", timeout=60, **FAST
        )
        DataWorksWorkflowInstanceSensor(
            task_id="times_out",
            workflow_instance_id="{{ dag_run.conf['running_id'] }}",
            timeout=2,
            **FAST,  # TIMEOUT_SECONDS in the test
        )
        if mode == "deferrable":
            DataWorksRunWorkflowOperator(
                task_id="runs",
                workflow_id=501,
                biz_date="2026-01-01",
                deferrable=True,
                poll_interval=0.5,
                api_retry_delay=0.05,
            )
