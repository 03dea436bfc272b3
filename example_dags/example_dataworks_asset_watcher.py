"""Start an Airflow DAG run when a DataWorks workflow instance finishes (Airflow 3 event-driven scheduling).

The asset's watcher polls DataWorks in the triggerer; each instance of the workflow that reaches Success becomes
one asset event, and the event's `extra["payload"]["instance"]` is the WorkflowInstance dict. Watchers on one
connection, workspace and environment share one poll. Polling every 5 minutes costs 864 ListWorkflowInstances calls
a day per workspace (3 data dates x 288 polls, more if a date has over 100 instances), however many workflows are
watched; the bundled demo sets DATAWORKS_EXAMPLE_POKE_INTERVAL to 1 second because it talks to the local emulator.
Needs Airflow 3 (on Airflow 2, gate a task with DataWorksWorkflowInstanceSensor instead).
"""

from __future__ import annotations

import os
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, task

from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceEventTrigger

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))
REGION, PROJECT_ID, WORKFLOW_ID = "cn-hangzhou", 100, 500

orders_loaded = Asset(
    f"dataworks://{REGION}/{PROJECT_ID}/workflow/{WORKFLOW_ID}",
    watchers=[
        AssetWatcher(
            name="dataworks_ods_orders_daily",
            trigger=DataWorksWorkflowInstanceEventTrigger(
                [WORKFLOW_ID], project_id=PROJECT_ID, poll_interval=POLL_INTERVAL
            ),
        )
    ],
)

with DAG(
    dag_id="example_dataworks_asset_watcher",
    schedule=[orders_loaded],
    tags=["dataworks", "example"],
) as dag:

    @task
    def report(triggering_asset_events: Any = None) -> list[int]:
        """Read the DataWorks instances that started this run from the triggering asset events."""
        ids = []
        for event in triggering_asset_events[orders_loaded]:
            instance = event.extra["payload"]["instance"]
            print(
                f"Started by DataWorks: workflow instance {instance['Id']} of workflow {instance['WorkflowId']} "
                f"is {instance['Status']}, data date {event.extra['payload']['biz_date']} "
                f"(BizDate {instance['BizDate']})"
            )
            ids.append(int(instance["Id"]))
        return ids

    report()
