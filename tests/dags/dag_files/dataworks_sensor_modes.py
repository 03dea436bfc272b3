"""One DAG per sensor mode (poke, reschedule, deferrable), each holding every scenario as independent branches.

The test puts instances in the emulator and passes their ids through `dag_run.conf`; every branch that should
succeed has a downstream task that pulls the sensor's XCom, as a user's DAG would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import airflow

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG

from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

AIRFLOW_3 = int(airflow.__version__.split(".")[0]) >= 3
FAST = {"poke_interval": 0.5, "api_retry_delay": 0.05}


@task
def pull(instance: dict[str, Any]) -> dict[str, Any]:
    """What a downstream task sees of the instance."""
    print(f"pulled instance {instance['Id']} status {instance['Status']}")
    return {"Id": instance["Id"], "Status": instance["Status"], "BizDate": instance["BizDate"]}


for mode in ("poke", "reschedule", "deferrable"):
    with DAG(
        dag_id=f"dataworks_sensor_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={
            "mode": "reschedule" if mode == "reschedule" else "poke",
            "deferrable": mode == "deferrable",
            "timeout": 60,
        },
    ) as dag:
        success = DataWorksWorkflowInstanceSensor(
            task_id="success", workflow_instance_id="{{ dag_run.conf['success_id'] }}", **FAST
        )
        pull.override(task_id="pull_success")(success.output)

        DataWorksWorkflowInstanceSensor(
            task_id="failure", workflow_instance_id="{{ dag_run.conf['failure_id'] }}", **FAST
        )
        DataWorksWorkflowInstanceSensor(
            task_id="failure_soft_fail",
            workflow_instance_id="{{ dag_run.conf['soft_failure_id'] }}",
            soft_fail=True,
            **FAST,
        )
        DataWorksWorkflowInstanceSensor(
            task_id="times_out", workflow_instance_id="{{ dag_run.conf['running_id'] }}", timeout=3, **FAST
        )
        # In reschedule mode every poke is its own short execution: use `timeout`. Airflow 2's dag.test() lets a
        # blocking task's AirflowTaskTimeout (a BaseException there) end the whole run, so poke mode checks
        # execution_timeout on Airflow 3 only; a real Airflow 2 worker fails just the task.
        if mode == "deferrable" or (mode == "poke" and AIRFLOW_3):
            DataWorksWorkflowInstanceSensor(
                task_id="execution_times_out",
                workflow_instance_id="{{ dag_run.conf['running_id'] }}",
                execution_timeout=timedelta(seconds=3),
                **FAST,
            )
        transient = DataWorksWorkflowInstanceSensor(
            task_id="transient_faults", workflow_instance_id="{{ dag_run.conf['transient_id'] }}", **FAST
        )
        pull.override(task_id="pull_transient")(transient.output)

        by_lookup = DataWorksWorkflowInstanceSensor(
            task_id="by_lookup", workflow_id="{{ dag_run.conf['workflow_id'] }}", biz_date="{{ ds }}", **FAST
        )
        pull.override(task_id="pull_lookup")(by_lookup.output)
    globals()[dag.dag_id] = dag
