"""Airflow ingests, then releases the DataWorks workflow: fire its HTTP trigger node once the data is in.

Copy this file into your DAGs folder and set the param's default to your HTTP trigger node's id (the DataWorks
task id shown in the Operation Center). Each daily run loads the data, then fires the trigger node's instance of
its data date as soon as DataWorks waits for it (WaitTrigger), once only, and waits for the DataWorks workflow
instance to finish: a failed DataWorks run fails the Airflow task. As written it runs against the emulator's bundled
world (`dataworks-emulator --scenario examples`), where workflow 700 waits on its HTTP trigger node 21.
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

from airflow_provider_dataworks.dates import format_biz_date, format_epoch_ms

# [START howto_import_operator_dataworks_trigger_node]
from airflow_provider_dataworks.operators.trigger_node import DataWorksTriggerNodeOperator

# [END howto_import_operator_dataworks_trigger_node]

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))

with DAG(
    dag_id="example_dataworks_trigger_node",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"dataworks_task_id": Param(21, type="integer", description="The workflow's HTTP trigger node")},
    tags=["dataworks", "example"],
) as dag:

    @task
    def ingest() -> str:
        """Stands for the Airflow side of the pipeline: land the day's files where DataWorks reads them."""
        print("Ingested the day's orders into the landing table.")
        return "orders landed"

    # [START howto_operator_dataworks_trigger_node]
    release = DataWorksTriggerNodeOperator(
        task_id="release_dataworks",
        dataworks_task_id="{{ params.dataworks_task_id }}",
        wait_for_downstream=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=6).total_seconds(),
    )
    # [END howto_operator_dataworks_trigger_node]

    @task
    def report(node: dict[str, Any]) -> str:
        """Downstream work reads the trigger node instance the operator pushed to XCom."""
        print(
            f"Pulled from XCom: DataWorks trigger node {node['TaskName']} ({node['TaskId']}) instance {node['Id']} "
            f"is {node['Status']}, data date {format_biz_date(node['Bizdate'])}, "
            f"scheduled {format_epoch_ms(node['TriggerTime'])}"
        )
        return f"{node['Id']}:{node['Status']}"

    ingest() >> release
    report(release.output)


# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
