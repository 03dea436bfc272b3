"""Shared polling against the emulator: waits of one workspace and date share one list call per round, and every
wait's outcome is exactly what it would have been alone (success, failure, timeout, permanent error, restart)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger, DataWorksWorkflowInstanceTrigger

pytestmark = pytest.mark.timeout(60)

INTERVAL = 0.5
DAY = "2026-11-27"


@pytest.fixture
def connection(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def make_trigger(
    ids: list[int], seconds: float = 20, interval: float = INTERVAL, **kwargs: Any
) -> DataWorksWorkflowInstanceTrigger:
    return DataWorksWorkflowInstanceTrigger(
        workflow_instance_ids=ids, end_time=time.time() + seconds, poll_interval=interval, retry_delay=0.01, **kwargs
    )


async def event_of(trigger: DataWorksWorkflowInstanceTrigger) -> dict[str, Any]:
    return (await anext(trigger.run())).payload


def add(emulator, statuses=("Running", "Running", "Success"), biz_date=DAY, **kwargs: Any) -> int:
    return emulator.add_workflow_instance(
        workflow_id=1, name="w", biz_date=biz_date, statuses=list(statuses), advance="reads", **kwargs
    )


def outcome(event: dict[str, Any]) -> tuple[Any, ...]:
    """What a wait ended with, without the ids and times that differ between two runs of the same scenario."""
    return (
        event["status"],
        [i["Status"] for i in event.get("instances") or []],
        len(event.get("failed_ids") or []),
        len(event.get("pending_ids") or []),
        event.get("code"),
    )


def calls(emulator, action: str) -> int:
    return len(emulator.calls(action))


def listed(emulator) -> list[list[int]]:
    """The `Ids` of each ListWorkflowInstances call, in order."""
    return [json.loads(c.params["Ids"]) for c in emulator.calls("ListWorkflowInstances")]


async def test_twenty_waits_on_one_date_share_one_list_call_per_round(dataworks_emulator, connection):
    ids = [add(dataworks_emulator) for _ in range(20)]
    triggers = [make_trigger([i]) for i in ids]
    events = await asyncio.gather(*(event_of(t) for t in triggers))
    assert [outcome(e) for e in events] == [("success", ["Success"], 0, 0, None)] * 20
    assert [e["instances"][0]["Id"] for e in events] == ids  # each wait got exactly its own event
    assert calls(dataworks_emulator, "GetWorkflowInstance") == 20  # each wait's first read, which names its group
    # two shared rounds (Running, then Success); waits whose first reads straddle a grid point meet a round later
    rounds = listed(dataworks_emulator)
    assert 2 <= len(rounds) <= 3
    assert sorted(i for r in rounds for i in r) == sorted(ids * 2)
    assert sum(t.api_calls() for t in triggers) == pytest.approx(20 + len(rounds))


async def test_groups_are_per_workspace_and_date(dataworks_emulator, connection):
    days = ("2026-11-26", "2026-11-27", "2026-11-27")
    ids = [add(dataworks_emulator, biz_date=day) for day in days]
    events = await asyncio.gather(*(event_of(make_trigger([i])) for i in ids))
    assert [e["status"] for e in events] == ["success"] * 3
    for call in dataworks_emulator.calls("ListWorkflowInstances"):
        listed_days = {days[ids.index(i)] for i in json.loads(call.params["Ids"])}
        assert len(listed_days) == 1


async def test_more_than_a_page_of_waits_is_read_in_pages_of_100(dataworks_emulator, connection):
    ids = [add(dataworks_emulator) for _ in range(130)]
    # a grid long enough that all 130 first reads (HTTP calls, slow on a loaded machine) meet the same round
    events = await asyncio.gather(*(event_of(make_trigger([i], seconds=40, interval=5)) for i in ids))
    assert {e["status"] for e in events} == {"success"}
    rounds = listed(dataworks_emulator)
    assert max(len(r) for r in rounds) == 100
    assert sorted(i for r in rounds for i in r) == sorted(ids * 2)


async def scenario(emulator, build, neighbours: int) -> dict[str, Any]:
    """Run one wait built by `build()` alone (neighbours=0) or among `neighbours` waits of the same date."""
    others = [make_trigger([add(emulator)]) for _ in range(neighbours)]
    watched = build()
    events = await asyncio.gather(event_of(watched), *(event_of(t) for t in others))
    assert all(e["status"] == "success" for e in events[1:])  # the watched wait never disturbs its neighbours
    return events[0]


SCENARIOS = {
    "success": lambda emu: make_trigger([add(emu)]),
    "failure": lambda emu: make_trigger([add(emu, statuses=("Running", "Running", "Failure"))]),
    "timeout": lambda emu: make_trigger([add(emu, statuses=("Running",))], seconds=2.0),
    "permanent-error": lambda emu: make_trigger([987654]),  # DataWorks does not know the id
    "two-instances": lambda emu: make_trigger([add(emu), add(emu, statuses=("Running", "Failure"))]),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_a_wait_among_neighbours_ends_as_it_would_alone(dataworks_emulator, connection, name):
    alone = await scenario(dataworks_emulator, lambda: SCENARIOS[name](dataworks_emulator), neighbours=0)
    dataworks_emulator.reset_calls()
    shared = await scenario(dataworks_emulator, lambda: SCENARIOS[name](dataworks_emulator), neighbours=5)
    assert outcome(shared) == outcome(alone)
    assert calls(dataworks_emulator, "ListWorkflowInstances") >= 1  # the neighbours did share


async def test_a_failing_batch_sends_each_wait_to_its_own_get(dataworks_emulator, connection):
    ids = [add(dataworks_emulator) for _ in range(4)]
    # Every batch fails, however the four waits fall into rounds (a loaded machine may split them).
    dataworks_emulator.inject_fault("ListWorkflowInstances", "error", status=403, code="Forbidden.RAM", times=100)
    events = await asyncio.gather(*(event_of(make_trigger([i])) for i in ids))
    assert [outcome(e) for e in events] == [("success", ["Success"], 0, 0, None)] * 4
    assert calls(dataworks_emulator, "ListWorkflowInstances") >= 1  # the waits did try to share
    assert calls(dataworks_emulator, "GetWorkflowInstance") == 4 * 3  # each of the 3 reads by the wait's own Get


async def test_a_restarted_wait_rejoins_and_ends_as_a_lone_one_would(dataworks_emulator, connection):
    ids = [add(dataworks_emulator, statuses=("Running",) * 4 + ("Success",)) for _ in range(3)]
    first = [make_trigger([i]) for i in ids]
    running = [asyncio.ensure_future(event_of(t)) for t in first]
    await asyncio.sleep(INTERVAL * 1.5)
    running[0].cancel()  # the triggerer restarts: this wait is rebuilt from its serialized kwargs
    _, kwargs = first[0].serialize()
    rebuilt = DataWorksWorkflowInstanceTrigger(**kwargs)
    events = await asyncio.gather(event_of(rebuilt), *running[1:])
    assert [outcome(e) for e in events] == [("success", ["Success"], 0, 0, None)] * 3
    assert events[0]["workflow_instance_ids"] == [ids[0]]


async def test_a_lookup_wait_joins_its_group_from_the_list_answer(dataworks_emulator, connection):
    from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone, parse_data_date

    found = add(dataworks_emulator, type="Normal")
    lookup = {
        "workflow_id": 1,
        "biz_date": biz_date_ms(parse_data_date(DAY, dataworks_zone()), dataworks_zone()),
        "project_id": dataworks_emulator.project_id,
        "env_type": "Prod",
    }
    event = await event_of(make_trigger([], lookup=lookup))
    assert outcome(event) == ("success", ["Success"], 0, 0, None)
    assert event["instances"][0]["Id"] == found
    assert calls(dataworks_emulator, "GetWorkflowInstance") == 0  # the lookup's answer named the group


# -- node (task instance) waits share ListTaskInstances the same way ---------------------------------------------


def add_node(emulator, statuses=("WaitTrigger", "Running", "Success"), biz_date=DAY) -> int:
    """A node instance (TaskId 11) whose status moves one step per read, in its own workflow instance."""
    instance_id = emulator.add_workflow_instance(
        workflow_id=1,
        name="w",
        biz_date=biz_date,
        statuses=["Running"],
        tasks=[{"name": "ods", "task_id": 11, "statuses": list(statuses)}],
    )
    return int(emulator.task_instances(instance_id)[0]["Id"])


def node_trigger(ids: list[int], seconds: float = 20) -> DataWorksTaskInstanceTrigger:
    return DataWorksTaskInstanceTrigger(
        task_instance_ids=ids, end_time=time.time() + seconds, poll_interval=INTERVAL, retry_delay=0.01
    )


async def test_node_waits_on_one_date_share_one_list_call_per_round(dataworks_emulator, connection):
    ids = [add_node(dataworks_emulator) for _ in range(10)]
    triggers = [node_trigger([i]) for i in ids]
    events = await asyncio.gather(*(event_of(t) for t in triggers))
    assert [outcome(e) for e in events] == [("success", ["Success"], 0, 0, None)] * 10
    assert [e["instances"][0]["Id"] for e in events] == ids  # each wait got exactly its own event
    assert calls(dataworks_emulator, "GetTaskInstance") == 10  # each wait's first read, which names its group
    rounds = [json.loads(c.params["Ids"]) for c in dataworks_emulator.calls("ListTaskInstances")]
    assert 2 <= len(rounds) <= 3  # Running, then Success (a round later for waits straddling a grid point)
    assert sorted(i for r in rounds for i in r) == sorted(ids * 2)
    assert sum(t.api_calls() for t in triggers) == pytest.approx(10 + len(rounds))


@pytest.mark.parametrize(
    "statuses", [("WaitTrigger", "Running", "Success"), ("Running", "Failure")], ids=["success", "failure"]
)
async def test_a_node_wait_among_neighbours_ends_as_it_would_alone(dataworks_emulator, connection, statuses):
    alone = await event_of(node_trigger([add_node(dataworks_emulator, statuses)]))
    ids = [add_node(dataworks_emulator, statuses) for _ in range(5)]
    shared = await asyncio.gather(*(event_of(node_trigger([i])) for i in ids))
    assert [outcome(e) for e in shared] == [outcome(alone)] * 5
    assert outcome(alone)[0] == statuses[-1].lower()


async def test_a_failing_node_batch_sends_each_wait_to_its_own_get(dataworks_emulator, connection):
    ids = [add_node(dataworks_emulator) for _ in range(3)]
    dataworks_emulator.inject_fault("ListTaskInstances", "server_error", times=100)
    events = await asyncio.gather(*(event_of(node_trigger([i])) for i in ids))
    assert [outcome(e) for e in events] == [("success", ["Success"], 0, 0, None)] * 3
    assert calls(dataworks_emulator, "GetTaskInstance") == 9  # every read fell back to the wait's own Get
