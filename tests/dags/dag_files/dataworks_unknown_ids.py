"""Ids that DataWorks does not know, in real Airflow runs: each task has retries, and none is retried, since the id
is the user's mistake; a wrong secret, by contrast, is retried (a rotated key may be fixed in between).

One DAG per mode; in deferrable mode the test makes each sensor's first check meet an outage, so the sensor defers
and learns from its trigger that the id does not exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.operators.dataworks import DataWorksGetWorkflowInstanceOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor, DataWorksWorkflowInstanceSensor

FAST = {"poke_interval": 0.3, "api_retry_delay": 0.05, "api_retry_limit": 0, "timeout": 60}
UNKNOWN_ID = "{{ dag_run.conf['unknown_id'] }}"

for mode in ("poke", "deferrable"):
    with DAG(
        dag_id=f"dataworks_unknown_ids_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": 2, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        deferrable = mode == "deferrable"
        DataWorksWorkflowInstanceSensor(
            task_id="workflow_instance", workflow_instance_id=UNKNOWN_ID, deferrable=deferrable, **FAST
        )
        DataWorksWorkflowInstanceSensor(
            task_id="workflow_instance_soft_fail",
            workflow_instance_id=UNKNOWN_ID,
            soft_fail=True,
            deferrable=deferrable,
            **FAST,
        )
        DataWorksTaskInstanceSensor(task_id="task_instance", task_instance_id=UNKNOWN_ID, deferrable=deferrable, **FAST)
        if not deferrable:
            DataWorksGetWorkflowInstanceOperator(task_id="get", workflow_instance_id=UNKNOWN_ID)
        DataWorksWorkflowInstanceSensor(
            task_id="wrong_secret",
            workflow_instance_id="{{ dag_run.conf['known_id'] }}",
            dataworks_conn_id="dataworks_wrong_secret",
            deferrable=deferrable,
            retries=1,
            **FAST,
        )
    globals()[dag.dag_id] = dag
