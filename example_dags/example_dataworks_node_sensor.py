"""Gate an hourly Airflow DAG on one DataWorks node: the instance of an hourly node scheduled at the run's hour.

Copy this file into your DAGs folder and set the param's default to your node's id (the DataWorks task id shown
in the Operation Center). Each run waits for that node's instance of its data date whose scheduling time
(TriggerTime) is the run's data interval end; `WaitTrigger` and other unfinished statuses keep it waiting.
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

from airflow_provider_dataworks.dates import format_biz_date, format_epoch_ms
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor

POKE_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))

with DAG(
    dag_id="example_dataworks_node_sensor",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"dataworks_task_id": Param(9001, type="integer", description="The hourly DataWorks node to gate on")},
    tags=["dataworks", "example"],
) as dag:
    node_gate = DataWorksTaskInstanceSensor(
        task_id="node_gate",
        dataworks_task_id="{{ params.dataworks_task_id }}",
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=2).total_seconds(),
    )

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
