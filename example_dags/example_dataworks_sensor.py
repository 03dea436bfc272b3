"""Gate Airflow tasks on DataWorks: wait for a given workflow instance, and for a workflow's scheduled run.

The lookup by workflow needs no date: each Airflow run waits for the DataWorks instance due when it is, whose data
date (BizDate) is the day before the run's data interval ends, counted in DataWorks' time zone. That is the same
instance on Airflow 3's default CronTriggerTimetable and on Airflow 2-style data-interval timetables.

Copy this file into your DAGs folder and set the params' defaults (or pass them when triggering). Each poll is one
DataWorks API call: polling every 5 minutes costs 288 calls a day while a wait lasts all day, more than DataWorks
Basic Edition's 100 calls a day (on Basic Edition poll every 900 s or more; waits deferred to one triggerer on the
same workspace and date share their polls). As written it runs against the emulator's bundled world
(`dataworks-emulator --scenario examples`), where instance 1001 and workflow 501 exist; `./dev demo` sets
DATAWORKS_EXAMPLE_POKE_INTERVAL to 1 second, and [dataworks] min_poll_interval to 1, because it talks to the local
emulator.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime, timedelta
from typing import Any

# [START howto_import_airflow]
try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG, Param
# [END howto_import_airflow]

from airflow_provider_dataworks.dates import format_biz_date

# [START howto_import_sensor_dataworks_workflow_instance]
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

# [END howto_import_sensor_dataworks_workflow_instance]

POKE_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))

with DAG(
    dag_id="example_dataworks_sensor",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "workflow_instance_id": Param(1001, type="integer", description="DataWorks workflow instance to wait for"),
        "workflow_id": Param(501, type="integer", description="Workflow whose scheduled run gates this DAG run"),
    },
    tags=["dataworks", "example"],
) as dag:
    # [START howto_sensor_dataworks_workflow_instance]
    wait_for_instance = DataWorksWorkflowInstanceSensor(
        task_id="wait_for_instance",
        workflow_instance_id="{{ params.workflow_instance_id }}",
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=6).total_seconds(),
    )
    # [END howto_sensor_dataworks_workflow_instance]

    # [START howto_sensor_dataworks_workflow_instance_lookup]
    wait_for_todays_run = DataWorksWorkflowInstanceSensor(
        task_id="wait_for_todays_run",
        workflow_id="{{ params.workflow_id }}",  # its scheduled instance of this run's data date
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=6).total_seconds(),
    )
    # [END howto_sensor_dataworks_workflow_instance_lookup]

    # [START howto_sensor_dataworks_xcom]
    @task
    def report(instance: dict[str, Any], todays_run: dict[str, Any]) -> str:
        """Downstream work reads the instance details the sensors pushed to XCom."""
        for item in (instance, todays_run):
            print(
                f"Pulled from XCom: DataWorks workflow instance {item['Id']} ({item['Name']}) "
                f"of workflow {item['WorkflowId']} is {item['Status']}, owner {item['Owner']}, "
                f"data date {format_biz_date(item['BizDate'])}"
            )
        return f"{instance['Id']}:{instance['Status']},{todays_run['Id']}:{todays_run['Status']}"

    report(wait_for_instance.output, wait_for_todays_run.output)
    # [END howto_sensor_dataworks_xcom]


# [START howto_system_test]
# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
# [END howto_system_test]
