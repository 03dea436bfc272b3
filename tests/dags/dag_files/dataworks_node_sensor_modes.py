"""One DAG per mode (poke, reschedule, deferrable) gating on DataWorks nodes, each scenario an independent branch.

The test puts node instances in the emulator and passes their ids through `dag_run.conf`; every branch that
should succeed has a downstream task pulling the sensor's XCom, as a user's DAG would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG

from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor

FAST = {"poke_interval": 0.5, "api_retry_delay": 0.05}


@task
def pull(node: dict[str, Any]) -> dict[str, Any]:
    """What a downstream task sees of the node instance."""
    keys = ("Id", "TaskName", "Status", "TriggerTime", "RunNumber")
    return {key: node[key] for key in keys}


for mode in ("poke", "reschedule", "deferrable"):
    with DAG(
        dag_id=f"dataworks_node_sensor_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={
            "mode": "reschedule" if mode == "reschedule" else "poke",
            "deferrable": mode == "deferrable",
            "timeout": 60,
        },
    ) as dag:
        success = DataWorksTaskInstanceSensor(
            task_id="success", task_instance_id="{{ dag_run.conf['success_id'] }}", **FAST
        )
        pull.override(task_id="pull_success")(success.output)
        DataWorksTaskInstanceSensor(task_id="failure", task_instance_id="{{ dag_run.conf['failure_id'] }}", **FAST)
        DataWorksTaskInstanceSensor(
            task_id="failure_soft_fail",
            task_instance_id="{{ dag_run.conf['soft_failure_id'] }}",
            soft_fail=True,
            **FAST,
        )
        DataWorksTaskInstanceSensor(
            task_id="retried",
            task_instance_id="{{ dag_run.conf['rerun_id'] }}",
            retries=1,
            retry_delay=timedelta(seconds=1),
            **FAST,
        )
        by_lookup = DataWorksTaskInstanceSensor(
            task_id="by_lookup", dataworks_task_id="{{ dag_run.conf['late_task_id'] }}", **FAST
        )
        pull.override(task_id="pull_lookup")(by_lookup.output)
        hourly = DataWorksTaskInstanceSensor(
            task_id="hourly", dataworks_task_id="{{ dag_run.conf['hourly_task_id'] }}", **FAST
        )
        pull.override(task_id="pull_hourly")(hourly.output)
    globals()[dag.dag_id] = dag
