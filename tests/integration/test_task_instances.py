"""Node instances through the real SDK client over HTTP: the hook's task-instance calls and the node trigger."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_dataworks.exceptions import DataWorksInstanceNotFoundError
from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger
from airflow_provider_dataworks.waits.lookup import TaskInstanceLookup, find_task_instance

if TYPE_CHECKING:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(60)

HOUR = 3_600_000


def node_of(emulator: DataWorksEmulator, workflow_instance_id: int, name: str) -> dict[str, Any]:
    """The task instance of one node of a workflow instance, as the emulator holds it (no read)."""
    return next(t for t in emulator.task_instances(workflow_instance_id) if t["TaskName"] == name)


def daily(emulator: DataWorksEmulator, statuses: list[str], **task: Any) -> dict[str, Any]:
    """A running workflow instance of 2026-11-27 whose node `ods` (TaskId 11) follows its own timeline."""
    instance_id = emulator.add_workflow_instance(
        workflow_id=501,
        biz_date="2026-11-27",
        statuses=("Running",),
        tasks=[{"name": "ods", "task_id": 11, "statuses": statuses, **task}, {"name": "dws", "task_id": 12}],
    )
    return node_of(emulator, instance_id, "ods")


def hourly(emulator: DataWorksEmulator, statuses: list[str], generated_at: str = "23:30") -> list[int]:
    """An hourly workflow of data date 2025-01-15 whose node 9001 runs at minute 5 of every hour of 2025-01-16
    (generated the evening before, or each hour at its scheduling time)."""
    return emulator.add_scheduled_workflow(
        601,
        "orders_hourly",
        schedule="hourly",
        at="00:05",
        biz_dates=["2025-01-15"],
        tasks=[{"name": "ods_orders", "task_id": 9001, "statuses": statuses}],
        generated_at=generated_at,
    )


# -- the hook ---------------------------------------------------------------------------------------------


def test_get_task_instance_reads_advance_the_nodes_timeline(
    dataworks_emulator: DataWorksEmulator, hook: DataWorksHook
) -> None:
    node = daily(dataworks_emulator, ["WaitTrigger", "Running", "Success"])
    seen = [hook.get_task_instance(node["Id"]) for _ in range(3)]
    assert [s["Status"] for s in seen] == ["WaitTrigger", "Running", "Success"]
    done = seen[-1]
    assert (done["Id"], done["TaskId"], done["TaskName"]) == (node["Id"], 11, "ods")
    assert done["Bizdate"] == hook.biz_date_ms("2026-11-27")
    assert done["FinishedTime"] >= done["StartedTime"]
    json.dumps(done)  # goes to XCom as it is
    assert hook.get_task_instance(str(node["Id"]))["Status"] == "Success"  # a templated id


async def test_aget_task_instance_reads_the_same_timeline(
    dataworks_emulator: DataWorksEmulator, hook: DataWorksHook
) -> None:
    node = daily(dataworks_emulator, ["WaitTrigger", "Failure"])
    first = await hook.aget_task_instance(node["Id"], deadline=time.time() + 10)
    second = await hook.aget_task_instance(node["Id"])
    assert (first["Status"], second["Status"]) == ("WaitTrigger", "Failure")
    assert [c.params.get("Id") for c in dataworks_emulator.calls("GetTaskInstance")] == [str(node["Id"])] * 2


def test_an_unknown_task_instance_is_not_found(dataworks_emulator: DataWorksEmulator, hook: DataWorksHook) -> None:
    with pytest.raises(DataWorksInstanceNotFoundError) as raised:
        hook.get_task_instance(987654)
    assert raised.value.action == "GetTaskInstance"
    assert len(dataworks_emulator.calls("GetTaskInstance")) == 1  # permanent: not retried


def test_list_task_instances_by_node_and_by_ids(dataworks_emulator: DataWorksEmulator, hook: DataWorksHook) -> None:
    ods = daily(dataworks_emulator, ["Running", "Success"])
    other_day = dataworks_emulator.add_workflow_instance(
        workflow_id=501, biz_date="2026-11-26", tasks=[{"name": "ods", "task_id": 11}]
    )
    by_node = hook.list_task_instances(biz_date="2026-11-27", task_id=11)
    assert [(t["Id"], t["TaskId"]) for t in by_node] == [(ods["Id"], 11)]
    everything = hook.list_task_instances(biz_date="2026-11-27")
    assert {t["TaskName"] for t in everything} == {"ods", "dws"}
    dws = next(t for t in everything if t["TaskName"] == "dws")
    chosen = hook.list_task_instances(biz_date="2026-11-27", ids=[dws["Id"]])
    assert [t["Id"] for t in chosen] == [dws["Id"]]
    assert node_of(dataworks_emulator, other_day, "ods")["Id"] not in {t["Id"] for t in everything}
    assert hook.list_task_instances(biz_date="2026-11-27", task_id=11, instance_type="SupplementData") == []
    # a list read does not advance the node's own timeline; only GetTaskInstance does
    assert by_node[0]["Status"] == "Running"
    assert hook.list_task_instances(biz_date="2026-11-27", task_id=11)[0]["Status"] == "Running"


def test_hourly_node_instances_appear_with_the_clock_and_carry_their_trigger_time(
    dataworks_emulator: DataWorksEmulator, hook: DataWorksHook
) -> None:
    hourly(dataworks_emulator, ["Running", "Success"], generated_at="scheduling_time")
    dataworks_emulator.set_clock("2025-01-16T01:30:00+08:00")
    listed = hook.list_task_instances(biz_date="2025-01-15", task_id=9001)
    times = sorted(t["TriggerTime"] for t in listed)
    first_hour = hook.biz_date_ms("2025-01-16") + 5 * 60_000
    assert times == [first_hour, first_hour + HOUR]  # the 02:05 hour is not due yet
    dataworks_emulator.set_clock("2025-01-16T03:06:00+08:00")
    assert len(hook.list_task_instances(biz_date="2025-01-15", task_id=9001)) == 4


def test_find_task_instance_chooses_the_hour_over_http(
    dataworks_emulator: DataWorksEmulator, hook: DataWorksHook
) -> None:
    hourly(dataworks_emulator, ["Running", "Success"])
    dataworks_emulator.set_clock("2025-01-16T02:30:00+08:00")
    first_hour = hook.biz_date_ms("2025-01-16") + 5 * 60_000
    lookup = TaskInstanceLookup(
        task_id=9001,
        biz_date=hook.biz_date_ms("2025-01-15"),
        project_id=hook.project_id_or_default(None),
        env_type="Prod",
        due_time=first_hour + HOUR,
    )
    dataworks_emulator.reset_calls()
    found = find_task_instance(hook, lookup)
    assert found is not None and found["TriggerTime"] == first_hour + HOUR
    assert [c.action for c in dataworks_emulator.calls()] == ["ListTaskInstances"]
    later = TaskInstanceLookup.from_dict({**lookup.as_dict(), "due_time": first_hour + 5 * HOUR})
    waiting = find_task_instance(hook, later)  # generated the evening before, not due yet
    assert waiting is not None and (waiting["TriggerTime"], waiting["Status"]) == (first_hour + 5 * HOUR, "NotRun")


# -- the trigger ------------------------------------------------------------------------------------------


@pytest.fixture
def connection(dataworks_emulator: DataWorksEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def make_trigger(ids: list[int], **kwargs: Any) -> DataWorksTaskInstanceTrigger:
    kwargs.setdefault("end_time", time.time() + 30)
    return DataWorksTaskInstanceTrigger(task_instance_ids=ids, poll_interval=0.1, retry_delay=0.01, **kwargs)


async def first_event(trigger: DataWorksTaskInstanceTrigger) -> dict[str, Any]:
    return (await anext(trigger.run())).payload


async def test_trigger_waits_through_wait_trigger_and_running_to_success(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    node = daily(dataworks_emulator, ["WaitTrigger", "Running", "Success"])
    event = await first_event(make_trigger([node["Id"]]))
    assert event["status"] == "success"
    assert [i["Status"] for i in event["instances"]] == ["Success"]
    assert event["task_instance_ids"] == [node["Id"]]
    assert len(dataworks_emulator.calls("GetTaskInstance")) == 1  # the first read names the wait's shared-poll group
    shared = [json.loads(c.params["Ids"]) for c in dataworks_emulator.calls("ListTaskInstances")]
    assert shared == [[node["Id"]]] * 2  # then each read is a shared ListTaskInstances naming it in Ids
    json.dumps(event)


async def test_trigger_reports_a_failed_node(dataworks_emulator: DataWorksEmulator, connection: None) -> None:
    node = daily(dataworks_emulator, ["WaitTrigger", "Failure"])
    event = await first_event(make_trigger([node["Id"]]))
    assert (event["status"], event["failed_ids"]) == ("failure", [node["Id"]])
    assert dataworks_emulator.calls("StopWorkflowInstances") == []


async def test_trigger_times_out_on_a_node_that_never_ends(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    node = daily(dataworks_emulator, ["WaitTrigger"])
    event = await first_event(make_trigger([node["Id"]], end_time=time.time() + 0.5))
    assert (event["status"], event["pending_ids"]) == ("timeout", [node["Id"]])
    assert dataworks_emulator.calls("StopWorkflowInstances") == []


async def test_trigger_finds_the_hourly_instance_by_lookup(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    hourly(dataworks_emulator, ["WaitTrigger", "Running", "Success"])
    dataworks_emulator.set_clock("2025-01-16T01:30:00+08:00")
    wanted = dataworks_emulator.state.biz_date_ms("2025-01-16") + HOUR + 5 * 60_000
    lookup = {
        "task_id": 9001,
        "biz_date": dataworks_emulator.state.biz_date_ms("2025-01-15"),
        "project_id": dataworks_emulator.project_id,
        "env_type": "Prod",
        "due_time": wanted,
    }
    event = await first_event(make_trigger([], lookup=lookup))
    assert event["status"] == "success"
    assert [(i["TaskId"], i["TriggerTime"]) for i in event["instances"]] == [(9001, wanted)]
