"""DataWorksTaskInstanceTrigger: plain serialized kwargs, exactly one event per run, and it never stops a node."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from airflow_harness import AIRFLOW_3

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger

from .conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

if TYPE_CHECKING:
    from airflow.triggers.base import TriggerEvent

pytestmark = pytest.mark.timeout(20)

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
PATH = "airflow_provider_dataworks.triggers.dataworks.DataWorksTaskInstanceTrigger"
LOOKUP = {
    "task_id": 9001,
    "biz_date": BIZ_DATE,
    "project_id": 4242,
    "env_type": "Prod",
    "instance_types": ["Normal"],
    "scheduled_time": None,
    "due_time": BIZ_DATE + 32 * 3_600_000,
}


def node(instance_id: int, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "Id": instance_id,
        "TaskId": 9001,
        "TaskName": "ods_orders",
        "Status": status,
        "Bizdate": BIZ_DATE,
        "TriggerTime": BIZ_DATE + 32 * 3_600_000,
        "WorkflowInstanceType": "Normal",
        **fields,
    }


def trigger(**kwargs: Any) -> DataWorksTaskInstanceTrigger:
    kwargs.setdefault("task_instance_ids", [77])
    kwargs.setdefault("end_time", time.time() + 3600)
    kwargs.setdefault("poll_interval", 30)
    return DataWorksTaskInstanceTrigger(**kwargs)


async def events_of(t: DataWorksTaskInstanceTrigger) -> list[TriggerEvent]:
    return [event async for event in t.run()]


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> mock.AsyncMock:
    fake = mock.AsyncMock()
    monkeypatch.setattr(asyncio, "sleep", fake)
    return fake


@pytest.fixture
def aget_conn() -> Any:
    """The SDK client is never built: `aget_conn` is patched (it would look the connection up)."""
    with mock.patch.object(DataWorksHook, "aget_conn", autospec=True) as patched:
        yield patched


def patch_aget(*answers: dict[str, Any] | Exception) -> Any:
    return mock.patch.object(DataWorksHook, "aget_task_instance", autospec=True, side_effect=list(answers))


def patch_list(*answers: list[dict[str, Any]] | Exception) -> Any:
    return mock.patch.object(DataWorksHook, "alist_task_instances", autospec=True, side_effect=list(answers))


# -- serialization ----------------------------------------------------------------------------------------


def test_serialize_round_trip_with_plain_kwargs_and_no_secrets(dataworks_conn: dict[str, Any]) -> None:
    t = DataWorksTaskInstanceTrigger(
        task_instance_ids=["77", 78],
        end_time=1_800_000_000,
        lookup=LOOKUP,
        dataworks_conn_id="dataworks_default",
        poll_interval=60,
        retry_limit=3,
        retry_delay=1,
        wait_started=1_799_999_000,
    )
    path, kwargs = t.serialize()
    assert path == PATH
    assert kwargs == {
        "task_instance_ids": [77, 78],
        "end_time": 1_800_000_000.0,
        "lookup": LOOKUP,
        "dataworks_conn_id": "dataworks_default",
        "poll_interval": 60.0,
        "retry_limit": 3,
        "retry_delay": 1.0,
        "wait_started": 1_799_999_000.0,
        "reached": True,
    }
    text = json.dumps(kwargs)
    assert json.loads(text) == kwargs
    assert ACCESS_KEY_SECRET not in text and ACCESS_KEY_ID not in text
    assert DataWorksTaskInstanceTrigger(**json.loads(text)).serialize() == (path, kwargs)


def test_airflow_serde_accepts_the_kwargs() -> None:
    from airflow_compat import deserialize, serialize

    _, kwargs = trigger(task_instance_ids=[], lookup=LOOKUP).serialize()
    assert deserialize(serialize(kwargs)) == kwargs


def test_no_stop_options_exist_for_nodes() -> None:
    _, kwargs = trigger().serialize()
    assert not {"stop_on_kill", "stop_on_deadline"} & set(kwargs)
    with pytest.raises(TypeError):
        DataWorksTaskInstanceTrigger(task_instance_ids=[77], end_time=1.0, stop_on_kill=True)  # type: ignore[call-arg]


# -- run(): exactly one event of each kind ----------------------------------------------------------------


async def test_success_event_after_wait_trigger(
    no_sleep: mock.AsyncMock, aget_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_dataworks.waits import loop as waiting

    monkeypatch.setattr(waiting, "time", mock.Mock(time=lambda: 1_000_000_000.0))  # 20 s before a 30 s mark
    with patch_aget(node(77, "WaitTrigger"), node(77, "Running"), node(77, "Success")) as aget:
        events = await events_of(trigger(poll_interval=30))
    assert [e.payload for e in events] == [
        {"status": "success", "instances": [node(77, "Success")], "failed_ids": [], "task_instance_ids": [77]}
    ]
    assert [c.args[1:] for c in aget.call_args_list] == [(77,), (77,), (77,)]
    assert no_sleep.await_args_list == [mock.call(20.0), mock.call(20.0)]  # to the grid where shared polls meet


async def test_failure_event(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_aget(node(77, "Running"), node(77, "Failure")):
        events = await events_of(trigger())
    assert [e.payload for e in events] == [
        {"status": "failure", "instances": [node(77, "Failure")], "failed_ids": [77], "task_instance_ids": [77]}
    ]


async def test_timeout_event_at_the_deadline_stops_nothing(monkeypatch: pytest.MonkeyPatch, aget_conn: Any) -> None:
    from airflow_provider_dataworks.triggers import dataworks as trigger_module
    from airflow_provider_dataworks.waits import loop as waiting

    class Clock:
        now = 1000.0

        def time(self) -> float:
            return self.now

        async def sleep(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    for module in (waiting, trigger_module):
        monkeypatch.setattr(module, "time", clock)
    monkeypatch.setattr(asyncio, "sleep", clock.sleep)
    with (
        patch_aget(*[node(77, "WaitTrigger")] * 3) as aget,
        mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True) as stop,
    ):
        events = await events_of(trigger(end_time=1150.0, poll_interval=100))
    assert [e.payload for e in events] == [
        {"status": "timeout", "instances": [node(77, "WaitTrigger")], "pending_ids": [77], "task_instance_ids": [77]}
    ]
    assert aget.call_count == 3  # at 1000, 1100 and at the deadline 1150
    stop.assert_not_called()


async def test_error_event_carries_code_and_request_id(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    gone = exc.DataWorksInstanceNotFoundError(
        "The task instance does not exist: 77.",
        action="GetTaskInstance",
        code="InvalidParameter.NotExist.TaskInstance",
        status_code=400,
        request_id="R-9",
    )
    with patch_aget(gone):
        events = await events_of(trigger())
    assert len(events) == 1
    payload = events[0].payload
    assert (payload["status"], payload["error_class"], payload["action"]) == (
        "error",
        "DataWorksInstanceNotFoundError",
        "GetTaskInstance",
    )
    assert (payload["code"], payload["request_id"], payload["task_instance_ids"]) == (
        "InvalidParameter.NotExist.TaskInstance",
        "R-9",
        [77],
    )


async def test_transient_errors_do_not_end_the_wait(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    blip = exc.DataWorksTransportError("reset", action="GetTaskInstance")
    with patch_aget(blip, node(77, "Success")):
        events = await events_of(trigger())
    assert [e.payload["status"] for e in events] == ["success"]


async def test_past_deadline_times_out_at_once_without_api_calls(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_aget() as aget:
        events = await events_of(trigger(end_time=time.time() - 1))
    assert [e.payload for e in events] == [
        {"status": "timeout", "instances": [], "pending_ids": [77], "task_instance_ids": [77]}
    ]
    aget.assert_not_called()


# -- run(): finding the node's instance first -------------------------------------------------------------


async def test_lookup_waits_for_the_instance_then_polls_it(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_list([], [node(91, "WaitTrigger")]) as listing, patch_aget(node(91, "Success")) as aget:
        events = await events_of(trigger(task_instance_ids=[], lookup=LOOKUP))
    assert [e.payload for e in events] == [{"status": "success", "instances": [node(91, "Success")], "failed_ids": []}]
    assert listing.call_count == 2
    assert listing.call_args.kwargs["task_id"] == 9001
    assert listing.call_args.kwargs["biz_date"] == BIZ_DATE
    assert [c.args[1:] for c in aget.call_args_list] == [(91,)]


async def test_lookup_that_finds_a_finished_instance_needs_no_get(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_list([node(91, "Failure")]), patch_aget() as aget:
        events = await events_of(trigger(task_instance_ids=[], lookup=LOOKUP))
    assert [(e.payload["status"], e.payload["failed_ids"]) for e in events] == [("failure", [91])]
    aget.assert_not_called()


async def test_lookup_ambiguity_is_an_error_event(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    due = LOOKUP["due_time"]
    two = [node(1, "Running", TriggerTime=due - 60_000), node(2, "Running", TriggerTime=due + 60_000)]
    with patch_list(two):
        events = await events_of(trigger(task_instance_ids=[], lookup=LOOKUP))
    assert len(events) == 1
    assert (events[0].payload["status"], events[0].payload["error_class"]) == ("error", "DataWorksConfigError")
    assert "task_instance_id" in events[0].payload["message"]


# -- kill -------------------------------------------------------------------------------------------------


async def test_a_kill_mid_wait_never_stops_the_node_or_calls_the_api(aget_conn: Any) -> None:
    """Killed while it waits, as each line's triggerer kills a trigger: Airflow 3 calls `on_kill` and cancels the
    run; Airflow 2 has no `on_kill` and only cancels. Either way the wait ends with no API call after its poll: the
    node belongs to its DataWorks schedule, so nothing is stopped."""
    from airflow.triggers.base import BaseTrigger

    with (
        patch_aget(node(77, "Running")) as aget,  # one answer: a second poll would fail the wait
        mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True) as stop,
        mock.patch.object(DataWorksHook, "acall", autospec=True) as acall,
        mock.patch.object(DataWorksHook, "call", autospec=True) as call,
    ):
        t = trigger(poll_interval=30)
        waiting = asyncio.create_task(events_of(t))
        for _ in range(500):  # its first poll: the node is Running, and the wait sleeps until the next one
            if aget.called:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert not waiting.done()
        if AIRFLOW_3:
            assert "on_kill" in vars(BaseTrigger)  # what Airflow 3's triggerer calls on a user kill
            await t.on_kill()
        else:
            assert not hasattr(BaseTrigger, "on_kill")  # Airflow 2's triggerer only cancels the run
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await t.cleanup()
    assert [c.args[1:] for c in aget.call_args_list] == [(77,)]
    stop.assert_not_called()
    acall.assert_not_called()
    call.assert_not_called()
