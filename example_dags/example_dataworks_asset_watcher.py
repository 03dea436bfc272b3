"""Start an Airflow DAG run when a DataWorks workflow instance finishes (Airflow 3 event-driven scheduling).

The asset's watcher polls DataWorks in the triggerer; each instance of the workflow that reaches Success becomes
one asset event, and the event's `extra["payload"]["instance"]` is the WorkflowInstance dict. Watchers on one
connection, workspace and environment share one poll. Polling every 5 minutes costs 864 ListWorkflowInstances calls
a day per workspace (3 data dates x 288 polls, more if a date has over 100 instances), however many workflows are
watched; `./dev demo` sets DATAWORKS_EXAMPLE_POKE_INTERVAL to 1 second because it talks to the local emulator.
Airflow may put several asset events into one DAG run, so the task reads every event it was given. Needs Airflow 3
(on Airflow 2, gate a task with DataWorksWorkflowInstanceSensor instead).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, task

# [START howto_import_trigger_dataworks_event]
from airflow_provider_dataworks.triggers.event import DataWorksWorkflowInstanceEventTrigger

# [END howto_import_trigger_dataworks_event]

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "300"))
REGION, PROJECT_ID, WORKFLOW_ID = "cn-hangzhou", 100, 500

# [START howto_trigger_dataworks_event_asset]
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
# [END howto_trigger_dataworks_event_asset]

with DAG(
    dag_id="example_dataworks_asset_watcher",
    schedule=[orders_loaded],
    tags=["dataworks", "example"],
) as dag:
    # [START howto_trigger_dataworks_event_report]
    @task
    def report(triggering_asset_events: Any = None) -> list[int]:
        """Read the DataWorks instances that started this run from the triggering asset events."""
        ids = []
        # Airflow may put several asset events (several finished instances) into one DAG run: read them all.
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
    # [END howto_trigger_dataworks_event_report]


# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
