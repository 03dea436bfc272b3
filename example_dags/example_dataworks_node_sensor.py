"""Gate an hourly Airflow DAG on one DataWorks node: the instance of an hourly node scheduled at the run's hour.

Copy this file into your DAGs folder and set the param's default to your node's id (the DataWorks task id shown
in the Operation Center). Each run waits for that node's instance of its data date whose scheduling time
(TriggerTime) is the top of the hour its data interval ends in; `WaitTrigger` and other unfinished statuses keep it
waiting. As written it runs against the emulator's bundled world (`dataworks-emulator --scenario examples`), where
node 9001 runs every hour at HH:00.
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

# [START howto_import_sensor_dataworks_task_instance]
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor

# [END howto_import_sensor_dataworks_task_instance]

POKE_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))

with DAG(
    dag_id="example_dataworks_node_sensor",
    schedule="@hourly",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"dataworks_task_id": Param(9001, type="integer", description="The hourly DataWorks node to gate on")},
    tags=["dataworks", "example"],
) as dag:
    # [START howto_sensor_dataworks_task_instance]
    node_gate = DataWorksTaskInstanceSensor(
        task_id="node_gate",
        dataworks_task_id="{{ params.dataworks_task_id }}",
        # The node's instance scheduled at HH:00 of the run's hour. A scheduled hourly run ends its data interval
        # on the hour anyway; a manual run (`airflow dags test`, the Trigger button) ends it when it is triggered,
        # which no hourly instance is scheduled at. Set the minute to your node's (HH:05: minute=5).
        scheduled_time="{{ (data_interval_end or dag_run.run_after).replace(minute=0, second=0, microsecond=0) }}",
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=2).total_seconds(),
    )
    # [END howto_sensor_dataworks_task_instance]

    @task
    def use_node(node: dict[str, Any]) -> str:
        """Downstream work reads the node instance the sensor pushed to XCom."""
        print(
            f"Pulled from XCom: DataWorks node {node['TaskName']} ({node['TaskId']}) instance {node['Id']} is "
            f"{node['Status']}, data date {format_biz_date(node['Bizdate'])}, "
            f"scheduled {format_epoch_ms(node['TriggerTime'])}"
        )
        return f"{node['Id']}:{node['Status']}"

    use_node(node_gate.output)


# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
