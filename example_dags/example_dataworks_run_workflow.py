"""Start a DataWorks workflow run from Airflow, wait for it in the triggerer, and use its details downstream.

`DataWorksRunWorkflowOperator` pushes the created instance ids (XCom `workflow_instance_ids`) as soon as DataWorks
reports them, and the finished instances as `return_value`. If the task is cleared or marked failed while it waits,
the instances it started are stopped. As written it runs against the emulator's bundled world
(`dataworks-emulator --scenario examples`), where workflow 501 can be started.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime, timedelta
from typing import Any

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG, Param

# [START howto_import_operators_dataworks]
from airflow_provider_dataworks.operators.dataworks import (
    DataWorksGetWorkflowInstanceOperator,
    DataWorksRunWorkflowOperator,
)

# [END howto_import_operators_dataworks]

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "60"))

with DAG(
    dag_id="example_dataworks_run_workflow",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"workflow_id": Param(501, type="integer", description="DataWorks workflow to run")},
    tags=["dataworks", "example"],
) as dag:
    # [START howto_operator_dataworks_run_workflow]
    run_workflow = DataWorksRunWorkflowOperator(
        task_id="run_workflow",
        workflow_id="{{ params.workflow_id }}",  # biz_date: the run's data date
        workflow_parameters={"run_by": "airflow", "airflow_run_id": "{{ run_id }}"},
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=2),
    )
    # [END howto_operator_dataworks_run_workflow]

    # [START howto_operator_dataworks_get_workflow_instance]
    fetch_first = DataWorksGetWorkflowInstanceOperator(
        task_id="fetch_instance",
        workflow_instance_id="{{ ti.xcom_pull(task_ids='run_workflow', key='workflow_instance_ids')[0] }}",
    )
    # [END howto_operator_dataworks_get_workflow_instance]

    # [START howto_operator_dataworks_run_workflow_xcom]
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
    # [END howto_operator_dataworks_run_workflow_xcom]


# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
