"""Start a DataWorks workflow run from Airflow, wait for it in the triggerer, and use its details downstream.

`DataWorksRunWorkflowOperator` pushes the created instance ids (XCom `workflow_instance_ids`) as soon as DataWorks
reports them, and the finished instances as `return_value`. If the task is cleared or marked failed while it waits,
the instances it started are stopped.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG, Param

from airflow_provider_dataworks.operators.dataworks import (
    DataWorksGetWorkflowInstanceOperator,
    DataWorksRunWorkflowOperator,
)

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "60"))

with DAG(
    dag_id="example_dataworks_run_workflow",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"workflow_id": Param(501, type="integer", description="DataWorks workflow to run")},
    tags=["dataworks", "example"],
) as dag:
    run_workflow = DataWorksRunWorkflowOperator(
        task_id="run_workflow",
        workflow_id="{{ params.workflow_id }}",
        workflow_parameters={"run_by": "airflow", "airflow_run_id": "{{ run_id }}"},
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=2),
    )

    fetch_first = DataWorksGetWorkflowInstanceOperator(
        task_id="fetch_instance",
        workflow_instance_id="{{ ti.xcom_pull(task_ids='run_workflow', key='workflow_instance_ids')[0] }}",
    )

    @task
    def report(instances: list[dict[str, Any]], fetched: dict[str, Any]) -> list[int]:
        """Downstream work reads the finished run from XCom."""
        for instance in instances:
            print(
                f"Pulled from XCom: run instance {instance['Id']} ({instance['Name']}) "
                f"ended {instance['Status']}, parameters {instance['WorkflowParameters']}"
            )
        print(f"Fetched again: instance {fetched['Id']} is {fetched['Status']}")
        return [instance["Id"] for instance in instances]

    run_workflow >> fetch_first
    report(run_workflow.output, fetch_first.output)
