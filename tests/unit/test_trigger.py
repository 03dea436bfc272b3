"""DataWorksWorkflowInstanceTrigger: serialization, the one event it yields, the deadline, and on_kill."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.hooks.dataworks import DEFAULT_STOP_COMMENT, DataWorksHook
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger

if TYPE_CHECKING:
    from airflow.triggers.base import TriggerEvent

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
PATH = "airflow_provider_dataworks.triggers.dataworks.DataWorksWorkflowInstanceTrigger"


def instance(instance_id: int, status: str) -> dict[str, Any]:
    return {"Id": instance_id, "Name": "nightly_etl", "Status": status, "BizDate": BIZ_DATE}


def trigger(**kwargs: Any) -> DataWorksWorkflowInstanceTrigger:
    kwargs.setdefault("workflow_instance_ids", [7])
    kwargs.setdefault("end_time", time.time() + 3600)
    kwargs.setdefault("poll_interval", 30)
    return DataWorksWorkflowInstanceTrigger(**kwargs)


async def events_of(t: DataWorksWorkflowInstanceTrigger) -> list[TriggerEvent]:
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
    return mock.patch.object(DataWorksHook, "aget_workflow_instance", autospec=True, side_effect=list(answers))


# -- serialization ----------------------------------------------------------------------------------------


def test_serialize_round_trip_with_json_primitive_kwargs() -> None:
    lookup = {"workflow_id": 55, "biz_date": BIZ_DATE, "project_id": 4242, "env_type": "Prod"}
    t = DataWorksWorkflowInstanceTrigger(
        workflow_instance_ids=["7", 8],
        end_time=1_800_000_000,
        lookup=lookup,
        dataworks_conn_id="dw_prod",
        poll_interval=60,
        retry_limit=3,
        retry_delay=1,
        stop_on_kill=True,
        wait_started=1_799_999_000,
    )
    path, kwargs = t.serialize()
    assert path == PATH
    assert kwargs == {
        "workflow_instance_ids": [7, 8],
        "end_time": 1_800_000_000.0,
        "lookup": lookup,
        "dataworks_conn_id": "dw_prod",
        "poll_interval": 60.0,
        "retry_limit": 3,
        "retry_delay": 1.0,
        "stop_on_kill": True,
        "stop_on_deadline": False,
        "wait_started": 1_799_999_000.0,
        "reached": True,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert type(t)(**kwargs).serialize() == (path, kwargs)


def test_defaults_round_trip() -> None:
    t = DataWorksWorkflowInstanceTrigger(workflow_instance_ids=[1], end_time=5.0)
    path, kwargs = t.serialize()
    assert kwargs["dataworks_conn_id"] == "dataworks_default"
    assert kwargs["stop_on_kill"] is False
    assert kwargs["lookup"] is None
    assert type(t)(**kwargs).serialize() == (path, kwargs)


def test_airflow_serde_accepts_the_kwargs() -> None:
    from airflow_compat import deserialize, serialize

    _, kwargs = trigger(
        lookup={"workflow_id": 55, "biz_date": BIZ_DATE, "project_id": 1, "env_type": "Dev"}
    ).serialize()
    assert deserialize(serialize(kwargs)) == kwargs


# -- run(): exactly one event of each kind ----------------------------------------------------------------


async def test_success_event(no_sleep: mock.AsyncMock, aget_conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_dataworks.waits import loop as waiting

    monkeypatch.setattr(waiting, "time", mock.Mock(time=lambda: 1_000_000_000.0))  # 20 s before a 30 s mark
    with patch_aget(instance(7, "Running"), instance(7, "Success")) as aget:
        events = await events_of(trigger(poll_interval=30))
    assert [e.payload for e in events] == [
        {"status": "success", "instances": [instance(7, "Success")], "failed_ids": [], "workflow_instance_ids": [7]}
    ]
    assert [c.args[1:] for c in aget.call_args_list] == [(7,), (7,)]
    no_sleep.assert_awaited_once_with(20.0)  # to the interval's wall-clock grid, where shared polls meet
    aget_conn.assert_awaited_once()


async def test_failure_event(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_aget(instance(7, "Failure"), instance(8, "Success")):
        events = await events_of(trigger(workflow_instance_ids=[7, 8]))
    assert len(events) == 1
    assert events[0].payload["status"] == "failure"
    assert events[0].payload["failed_ids"] == [7]


async def test_timeout_event_at_the_deadline(monkeypatch: pytest.MonkeyPatch, aget_conn: Any) -> None:
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
    with patch_aget(instance(7, "Running"), instance(7, "Running"), instance(7, "Running")) as aget:
        events = await events_of(trigger(end_time=1150.0, poll_interval=100))
    assert [e.payload for e in events] == [
        {"status": "timeout", "instances": [instance(7, "Running")], "pending_ids": [7], "workflow_instance_ids": [7]}
    ]
    assert aget.call_count == 3  # at 1000, 1100 and at the deadline 1150
    assert clock.now == 1150.0


async def test_error_event_carries_code_and_request_id(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    denied = exc.DataWorksAuthError(
        "User not authorized.", action="GetWorkflowInstance", code="Forbidden.RAM", status_code=403, request_id="R-1"
    )
    with patch_aget(denied):
        events = await events_of(trigger())
    assert [e.payload for e in events] == [
        {
            "status": "error",
            "error_class": "DataWorksAuthError",
            "message": "User not authorized.",
            "action": "GetWorkflowInstance",
            "code": "Forbidden.RAM",
            "status_code": 403,
            "request_id": "R-1",
            "hint": None,
            "pending_ids": [7],
            "workflow_instance_ids": [7],
        }
    ]


async def test_connection_errors_become_an_error_event(no_sleep: mock.AsyncMock) -> None:
    broken = exc.DataWorksConfigError("DataWorks connection 'dataworks_default': set extra 'region_id'.")
    with mock.patch.object(DataWorksHook, "aget_conn", autospec=True, side_effect=broken), patch_aget() as aget:
        events = await events_of(trigger())
    assert [e.payload for e in events] == [
        {
            "status": "error",
            "error_class": "DataWorksConfigError",
            "message": str(broken),
            "workflow_instance_ids": [7],
        }
    ]
    aget.assert_not_called()


async def test_transient_errors_do_not_end_the_wait(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    blip = exc.DataWorksTransportError("reset", action="GetWorkflowInstance")
    with patch_aget(blip, blip, instance(7, "Success")):
        events = await events_of(trigger())
    assert [e.payload["status"] for e in events] == ["success"]


async def test_past_deadline_times_out_at_once_without_api_calls(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    with patch_aget() as aget:
        events = await events_of(trigger(workflow_instance_ids=[7, 8], end_time=time.time() - 1))
    assert [e.payload for e in events] == [
        {"status": "timeout", "instances": [], "pending_ids": [7, 8], "workflow_instance_ids": [7, 8]}
    ]
    aget.assert_not_called()
    aget_conn.assert_not_called()
    no_sleep.assert_not_awaited()


async def test_a_rebuilt_trigger_keeps_the_deadline(
    monkeypatch: pytest.MonkeyPatch, no_sleep: mock.AsyncMock, aget_conn: Any
) -> None:
    from airflow_provider_dataworks.triggers import dataworks as trigger_module

    original = trigger(end_time=time.time() + 600)
    _, kwargs = original.serialize()
    # the triggerer restarts 601 s later and rebuilds the trigger from its kwargs
    later = time.time() + 601
    monkeypatch.setattr(trigger_module, "time", mock.Mock(time=lambda: later))
    rebuilt = DataWorksWorkflowInstanceTrigger(**kwargs)
    assert rebuilt.end_time == original.end_time
    with patch_aget() as aget:
        events = await events_of(rebuilt)
    assert [e.payload["status"] for e in events] == ["timeout"]
    aget.assert_not_called()


async def test_lookup_then_wait(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    lookup = {"workflow_id": 55, "biz_date": BIZ_DATE, "project_id": 4242, "env_type": "Prod"}
    found = [{**instance(91, "Running"), "Type": "Normal", "WorkflowId": 55}]
    with (
        mock.patch.object(DataWorksHook, "alist_workflow_instances", autospec=True, side_effect=[[], found]) as listing,
        patch_aget(instance(91, "Success")) as aget,
    ):
        events = await events_of(trigger(workflow_instance_ids=[], lookup=lookup))
    assert [e.payload["status"] for e in events] == ["success"]
    assert listing.call_count == 2
    assert listing.call_args.kwargs["workflow_id"] == 55
    assert [c.args[1:] for c in aget.call_args_list] == [(91,)]


async def test_lookup_ambiguity_is_an_error_event(no_sleep: mock.AsyncMock, aget_conn: Any) -> None:
    lookup = {"workflow_id": 55, "biz_date": BIZ_DATE, "project_id": 4242, "env_type": "Prod"}
    two = [{**instance(i, "Running"), "Type": "Normal", "WorkflowId": 55} for i in (1, 2)]
    with (
        mock.patch.object(DataWorksHook, "alist_workflow_instances", autospec=True, return_value=two),
        mock.patch.object(DataWorksHook, "alist_task_instances", autospec=True, return_value=[]),
    ):
        events = await events_of(trigger(workflow_instance_ids=[], lookup=lookup))
    assert [(e.payload["status"], e.payload["error_class"]) for e in events] == [("error", "DataWorksConfigError")]


async def test_the_hook_gets_the_triggers_connection_and_retry_settings(
    no_sleep: mock.AsyncMock, aget_conn: Any
) -> None:
    with patch_aget(instance(7, "Success")) as aget:
        await events_of(trigger(dataworks_conn_id="dw_other", retry_limit=1, retry_delay=0.5))
    hook = aget.call_args.args[0]
    assert hook.dataworks_conn_id == "dw_other"
    assert (hook.retry_policy.retry_limit, hook.retry_policy.retry_delay) == (1, 0.5)


# -- on_kill ----------------------------------------------------------------------------------------------


async def test_on_kill_with_stop_on_kill_stops_the_instances() -> None:
    with mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True, return_value={}) as stop:
        await trigger(workflow_instance_ids=[7, 8], stop_on_kill=True, dataworks_conn_id="dw_x").on_kill()
    stop.assert_awaited_once()
    hook, ids = stop.await_args.args
    assert ids == [7, 8]
    assert hook.dataworks_conn_id == "dw_x"


async def test_on_kill_without_stop_on_kill_calls_nothing() -> None:
    with mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True) as stop:
        await trigger(workflow_instance_ids=[7, 8]).on_kill()
    stop.assert_not_called()


async def test_on_kill_with_nothing_started_calls_nothing() -> None:
    with mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True) as stop:
        await trigger(workflow_instance_ids=[], stop_on_kill=True).on_kill()
    stop.assert_not_called()


class _TaskInstance:
    dag_id, task_id, run_id, map_index = "d", "run", "scheduled__2026-11-27", 2


@pytest.mark.parametrize(("state", "stops"), [("deferred", False), ("failed", True), ("up_for_retry", True)])
async def test_on_kill_stops_only_a_task_instance_that_is_no_longer_deferred(state: str, stops: bool) -> None:
    """Airflow 3 may call on_kill when a trigger moves to another triggerer: the task still waits, so no stop."""
    pytest.importorskip("airflow.sdk.execution_time.task_runner")
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    killed = trigger(workflow_instance_ids=[7], stop_on_kill=True)
    killed.task_instance = _TaskInstance()  # type: ignore[assignment]
    states = {"scheduled__2026-11-27": {"run_2": state}}
    with (
        mock.patch.object(RuntimeTaskInstance, "get_task_states", return_value=states) as asked,
        mock.patch.object(DataWorksHook, "astop_workflow_instances", autospec=True, return_value={}) as stop,
    ):
        await killed.on_kill()
    assert asked.call_args.kwargs == {
        "dag_id": "d",
        "task_ids": ["run"],
        "run_ids": ["scheduled__2026-11-27"],
        "map_index": 2,
    }
    assert stop.await_count == (1 if stops else 0)


def test_default_stop_comment_names_airflow() -> None:
    assert "Airflow" in DEFAULT_STOP_COMMENT
