"""Node-level timelines: a task instance with its own statuses (WaitTrigger too), advanced by GetTaskInstance."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

JAN_15 = to_biz_date_ms("2025-01-15")


def _get(client: Any, models: Any, task_instance_id: int) -> dict[str, Any]:
    """GetTaskInstance's TaskInstance."""
    body = client.get_task_instance(models.GetTaskInstanceRequest(id=task_instance_id)).body.to_map()
    return dict(body["TaskInstance"])


def _node(emulator: DataWorksEmulator, instance_id: int, name: str) -> dict[str, Any]:
    """The task instance of one node of a workflow instance."""
    return next(t for t in emulator.task_instances(instance_id) if t["TaskName"] == name)


def test_node_timeline_by_reads(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        biz_date="2025-01-15",
        statuses=("Running",),
        tasks=[
            {"name": "ods", "task_id": 11, "statuses": ["WaitTrigger", "Running", "Success"]},
            {"name": "dws", "task_id": 12},
        ],
    )
    node = _node(dataworks_emulator, instance_id, "ods")
    assert (node["TaskId"], node["Status"], node["StartedTime"]) == (11, "WaitTrigger", None)
    assert [_get(client, models, node["Id"])["Status"] for _ in range(4)] == [
        "WaitTrigger",
        "Running",
        "Success",
        "Success",
    ]
    done = _node(dataworks_emulator, instance_id, "ods")
    assert done["Status"] == "Success" and done["FinishedTime"] >= done["StartedTime"]
    assert _node(dataworks_emulator, instance_id, "dws")["Status"] == "Running"  # follows its workflow instance
    listed = client.list_task_instances(
        models.ListTaskInstancesRequest(project_id=100, bizdate=JAN_15, status="WaitTrigger")
    ).body.paging_info
    assert listed.total_count == 0


def test_node_timeline_by_seconds_and_its_log(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        statuses=("Running",),
        tasks=[{"name": "load", "statuses": ["Running", "Failure"], "advance": 0.3, "log": "boom"}],
    )
    node = _node(dataworks_emulator, instance_id, "load")
    assert _get(client, models, node["Id"])["Status"] == "Running"
    time.sleep(0.35)
    failed = _get(client, models, node["Id"])
    assert failed["Status"] == "Failure" and failed["FinishedTime"] - failed["StartedTime"] == 300
    log = client.get_task_instance_log(models.GetTaskInstanceLogRequest(id=node["Id"])).body.task_instance_log
    assert log == "boom"


def test_hourly_node_instances_each_have_their_timeline_and_trigger_time(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    ids = dataworks_emulator.add_scheduled_workflow(
        601,
        "orders_hourly",
        schedule="hourly",
        at="00:05",
        biz_dates=["2025-01-15"],
        statuses=("Running", "Success"),
        tasks=[{"name": "ods_orders", "task_id": 9001, "statuses": ["WaitTrigger", "Running", "Success"]}],
    )
    dataworks_emulator.set_clock("2025-01-16T01:30:00+08:00")
    first, second = (_node(dataworks_emulator, instance_id, "ods_orders") for instance_id in ids[:2])
    assert second["TriggerTime"] - first["TriggerTime"] == 3_600_000
    assert [_get(client, models, first["Id"])["Status"] for _ in range(3)] == ["WaitTrigger", "Running", "Success"]
    assert _get(client, models, second["Id"])["Status"] == "WaitTrigger"  # its own timeline
    later = _node(dataworks_emulator, ids[3], "ods_orders")
    assert [_get(client, models, later["Id"])["Status"] for _ in range(2)] == ["NotRun", "NotRun"]  # 03:05 not due


def test_node_rerun_restarts_its_timeline_from_the_workflow(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        statuses=("Failure",), tasks=[{"name": "n", "statuses": ["Running", "Failure"]}]
    )
    node = _node(dataworks_emulator, instance_id, "n")
    assert [_get(client, models, node["Id"])["Status"] for _ in range(2)] == ["Running", "Failure"]
    dataworks_emulator.rerun_workflow_instance(instance_id)
    rerun = _get(client, models, node["Id"])
    assert (rerun["Status"], rerun["RunNumber"]) == ("Running", 2)
    client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id))
    client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id))
    assert _get(client, models, node["Id"])["Status"] == "Success"


def test_bad_node_specs_are_rejected(dataworks_emulator: DataWorksEmulator) -> None:
    with pytest.raises(ValueError, match="Unknown status 'Done'"):
        dataworks_emulator.add_workflow_instance(tasks=[{"name": "n", "statuses": ["Done"]}])
    with pytest.raises(ValueError, match="task_id"):
        dataworks_emulator.add_workflow_instance(tasks=[{"name": "n", "task_id": "x"}])
