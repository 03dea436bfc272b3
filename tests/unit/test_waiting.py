"""The shared wait loop and the wait for a scheduled instance to appear; each end is an outcome's event."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks import status
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.waits import loop as waiting
from airflow_provider_dataworks.waits.kinds import WORKFLOW
from airflow_provider_dataworks.waits.lookup import WorkflowInstanceLookup
from airflow_provider_dataworks.waits.loop import (
    aligned_delay,
    find_instance_when_created,
    wait_for_instances,
    wait_for_workflow_instances,
)
from airflow_provider_dataworks.waits.outcome import WaitOutcome
from airflow_provider_dataworks.waits.reachability import Reachability

if TYPE_CHECKING:
    from collections.abc import Iterable

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
CONSOLE = "https://dataworks.data.aliyun.com/cn-shanghai/ops?defaultProjectId=4242&env=prod"
START = 1_800_000_000.0


def instance(instance_id: int, status: str, **fields: Any) -> dict[str, Any]:
    return {"Id": instance_id, "Name": f"wf_{instance_id}", "Status": status, "BizDate": BIZ_DATE, **fields}


class Clock:
    """A fake wall clock advanced only by the (patched) asyncio.sleep."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(waiting, "time", fake)
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)
    return fake


class FakeHook:
    """Answers `aget_workflow_instance` from a script per id: a status string, or an exception to raise.

    Once a script runs out its last answer repeats, like an instance that stays in its last state.
    """

    def __init__(self, scripts: dict[int, Iterable[str | Exception]]) -> None:
        self.scripts = {i: list(answers) for i, answers in scripts.items()}
        self.calls: list[int] = []

    def endpoint_url(self) -> str:
        return "http://127.0.0.1:9"

    async def aget_workflow_instance(self, instance_id: int, *, deadline: float | None = None) -> dict[str, Any]:
        self.calls.append(instance_id)
        script = self.scripts[instance_id]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(answer, Exception):
            raise answer
        return instance(instance_id, answer)


async def wait(hook: FakeHook, ids: list[int], *, poll_interval: float = 60.0, timeout: float = 3600.0) -> dict:
    outcome = await wait_for_workflow_instances(hook, ids, poll_interval=poll_interval, deadline=START + timeout)
    return outcome.to_event()


async def find(hook: Any, *, deadline: float) -> dict[str, Any]:
    """The found instance, or the event of how the wait for it ended."""
    found = await find_instance_when_created(hook, LOOKUP, poll_interval=30.0, deadline=deadline)
    return found.to_event() if isinstance(found, WaitOutcome) else found


# -- wait_for_workflow_instances --------------------------------------------------------------------------


async def test_success_after_running(clock: Clock) -> None:
    hook = FakeHook({7: ["NotRun", "Running", "Running", "Success"]})
    event = await wait(hook, [7])
    assert event == {"status": "success", "instances": [instance(7, "Success")], "failed_ids": []}
    assert hook.calls == [7, 7, 7, 7]
    assert clock.sleeps == [60.0, 60.0, 60.0]


async def test_already_finished_returns_without_sleeping(clock: Clock) -> None:
    event = await wait(FakeHook({7: ["Success"]}), [7])
    assert event["status"] == "success"
    assert clock.sleeps == []


async def test_waits_for_all_instances_and_stops_polling_finished_ones(clock: Clock) -> None:
    hook = FakeHook({1: ["Running", "Success"], 2: ["Running", "Running", "Running", "Success"], 3: ["Success"]})
    event = await wait(hook, [1, 2, 3])
    assert event["status"] == "success"
    assert [i["Id"] for i in event["instances"]] == [1, 2, 3]  # in the order asked
    assert hook.calls == [1, 2, 3, 1, 2, 2, 2]
    assert len(clock.sleeps) == 3


async def test_failure_names_the_failed_ids_and_waits_for_the_rest(clock: Clock) -> None:
    hook = FakeHook({1: ["Failure"], 2: ["Running", "Success"], 3: ["Running", "Failure"]})
    event = await wait(hook, [1, 2, 3])
    assert event["status"] == "failure"
    assert event["failed_ids"] == [1, 3]
    assert [i["Status"] for i in event["instances"]] == ["Failure", "Success", "Failure"]
    assert hook.calls == [1, 2, 3, 2, 3]


async def test_unknown_status_is_logged_and_waited_on(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    hook = FakeHook({7: ["Frozen", "Success"]})
    with caplog.at_level(logging.WARNING, logger=status.__name__):
        event = await wait(hook, [7])
    assert event["status"] == "success"
    assert hook.calls == [7, 7]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Workflow instance 7 has unknown status 'Frozen'; still waiting."]


async def test_transient_error_keeps_polling(clock: Clock) -> None:
    blip = exc.DataWorksTransportError("connection reset", action="GetWorkflowInstance", code="TransportError")
    throttled = exc.DataWorksThrottlingError("slow down", action="GetWorkflowInstance", code="Throttling.User")
    hook = FakeHook({7: ["Running", blip, throttled, "Success"]})
    event = await wait(hook, [7])
    assert event["status"] == "success"
    assert hook.calls == [7, 7, 7, 7]
    assert clock.sleeps == [60.0, 60.0, 60.0]


REFUSED = exc.DataWorksTransportError(
    "no response from DataWorks (connection failed, dropped or timed out): Connection refused",
    action="GetWorkflowInstance",
    code="TransportError",
)


async def test_an_outage_is_ridden_out_and_logged_once_a_minute(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    hook = FakeHook({7: ["Running", *[REFUSED] * 30, "Success"]})  # 5 minutes without an answer, then one
    with caplog.at_level(logging.INFO, logger=waiting.__name__):
        event = await wait(hook, [7], poll_interval=10.0)
    assert event["status"] == "success"
    logged = [r.getMessage() for r in caplog.records if r.name == waiting.__name__ and "DataWorks" in r.getMessage()]
    outage = [m for m in logged if "unreachable" in m]
    assert len(outage) == 5  # at once, then at 60, 120, 180 and 240 s: not at each of the 30 polls
    assert outage[1] == f"DataWorks unreachable for 60 s (last error: {REFUSED}); still waiting until the timeout."
    assert "DataWorks answers again after 5 min." in logged


async def test_a_wait_dataworks_never_answered_ends_with_the_unreachable_error(clock: Clock) -> None:
    hook = FakeHook({7: [REFUSED], 8: [REFUSED]})
    outcome = await wait_for_instances(
        hook,
        WORKFLOW,
        [7, 8],
        poll_interval=60.0,
        deadline=START + 3600,
        reachability=Reachability(hook, clock=waiting.time.time),  # type: ignore[arg-type]
    )
    event = outcome.to_event()
    assert (event["status"], event["error_class"], event["pending_ids"]) == (
        "error",
        "DataWorksUnreachableError",
        [7, 8],
    )
    assert event["message"].startswith("DataWorks at http://127.0.0.1:9 did not answer any call of this wait for 3 min")
    assert clock.now == START + 180.0  # the first failed poll past the limit, not the wait's deadline
    assert isinstance(outcome.error, exc.DataWorksUnreachableError)


async def test_permanent_error_ends_the_wait_with_an_error_event(clock: Clock) -> None:
    denied = exc.DataWorksAuthError(
        "User not authorized.", action="GetWorkflowInstance", code="Forbidden.RAM", status_code=403, request_id="RID-A"
    )
    hook = FakeHook({1: ["Running", denied], 2: ["Running"]})
    event = await wait(hook, [1, 2])
    assert event == {
        "status": "error",
        "error_class": "DataWorksAuthError",
        "message": "User not authorized.",
        "action": "GetWorkflowInstance",
        "code": "Forbidden.RAM",
        "status_code": 403,
        "request_id": "RID-A",
        "hint": None,
        "pending_ids": [1, 2],
    }
    assert hook.calls == [1, 2, 1]


async def test_deadline_gives_a_timeout_event_with_pending_ids(clock: Clock) -> None:
    hook = FakeHook({1: ["Running"], 2: ["Running", "Success"], 3: ["WaitResource"]})
    event = await wait(hook, [1, 2, 3], poll_interval=60.0, timeout=150.0)
    assert event["status"] == "timeout"
    assert event["pending_ids"] == [1, 3]
    assert {i["Id"]: i["Status"] for i in event["instances"]} == {1: "Running", 2: "Success", 3: "WaitResource"}
    # polls at 0, 60, 120 s; the last sleep is cut to the deadline, then one last poll
    assert clock.sleeps == [60.0, 60.0, 30.0]
    assert clock.now == START + 150.0


async def test_timeout_lists_only_instances_it_could_read(clock: Clock) -> None:
    blip = exc.DataWorksTransientError("503", action="GetWorkflowInstance", status_code=503)
    hook = FakeHook({1: [blip], 2: ["Running"]})
    event = await wait(hook, [1, 2], timeout=100.0)
    assert event["status"] == "timeout"
    assert event["pending_ids"] == [1, 2]
    assert [i["Id"] for i in event["instances"]] == [2]


async def test_poll_interval_is_respected(clock: Clock) -> None:
    await wait(FakeHook({7: ["Running", "Running", "Running", "Success"]}), [7], poll_interval=17.5)
    assert clock.sleeps == [17.5, 17.5, 17.5]


async def test_events_are_json_serialisable(clock: Clock) -> None:
    import json

    event = await wait(FakeHook({7: ["Failure"]}), [7])
    assert json.loads(json.dumps(event)) == event


# -- find_instance_when_created ---------------------------------------------------------------------------

LOOKUP = WorkflowInstanceLookup(workflow_id=55, biz_date=BIZ_DATE, project_id=4242, env_type="Prod")


class ListingHook:
    """Answers `alist_workflow_instances` (awaitable, as the real hook's) from a list of answers."""

    def __init__(self, *answers: list[dict[str, Any]] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def endpoint_url(self) -> str:
        return "http://127.0.0.1:9"

    async def alist_workflow_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def alist_task_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        return []


async def test_find_waits_until_the_instance_exists(clock: Clock) -> None:
    blip = exc.DataWorksTransientError("503", action="ListWorkflowInstances", status_code=503)
    hook = ListingHook([], blip, [instance(9, "NotRun", Type="Normal", WorkflowId=55)])
    found = await find(hook, deadline=START + 3600)
    assert found["Id"] == 9
    assert clock.sleeps == [30.0, 30.0]
    assert hook.calls[0] == {
        "biz_date": BIZ_DATE,
        "project_id": 4242,
        "workflow_id": 55,
        "env_type": "Prod",
        "instance_type": "Normal",
    }


async def test_find_fails_when_dataworks_never_answered_and_an_answer_counts(clock: Clock) -> None:
    hook = ListingHook(REFUSED)
    ended = await find_instance_when_created(
        hook,  # type: ignore[arg-type]
        LOOKUP,
        poll_interval=30.0,
        deadline=START + 3600,
        reachability=Reachability(hook, clock=waiting.time.time),  # type: ignore[arg-type]
    )
    assert isinstance(ended, WaitOutcome) and isinstance(ended.error, exc.DataWorksUnreachableError)
    assert clock.now == START + 180.0
    answered = ListingHook([], REFUSED)  # one empty answer: DataWorks is reached, its outage is ridden out
    found = await find_instance_when_created(
        answered,  # type: ignore[arg-type]
        LOOKUP,
        poll_interval=30.0,
        deadline=START + 600,
        reachability=Reachability(answered, clock=waiting.time.time),  # type: ignore[arg-type]
    )
    assert isinstance(found, WaitOutcome) and found.status == "timeout"


async def test_find_times_out(clock: Clock) -> None:
    found = await find(ListingHook([]), deadline=START + 45)
    assert found == {"status": "timeout", "instances": [], "pending_ids": []}
    assert clock.sleeps == [30.0, 15.0]


async def test_find_reports_permanent_and_ambiguity_errors(clock: Clock) -> None:
    denied = exc.DataWorksAuthError("no", action="ListWorkflowInstances", code="Forbidden.RAM", request_id="R1")
    event = await find(ListingHook(denied), deadline=START + 3600)
    assert (event["status"], event["error_class"], event["code"], event["request_id"]) == (
        "error",
        "DataWorksAuthError",
        "Forbidden.RAM",
        "R1",
    )
    two = [instance(1, "Running", Type="Normal", WorkflowId=55), instance(2, "Running", Type="Normal", WorkflowId=55)]
    event = await find(ListingHook(two), deadline=START + 3600)
    assert (event["status"], event["error_class"]) == ("error", "DataWorksConfigError")
    assert "1 (scheduled" in event["message"] and "2 (scheduled" in event["message"]
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("now", "delay"), [(1000.0, 20.0), (1019.0, 31.0), (1005.0, 15.0), (1020.0, 30.0), (1004.99, 15.01)]
)
def test_aligned_delay_meets_the_grid_at_least_half_an_interval_away(now: float, delay: float) -> None:
    assert aligned_delay(30.0, now) == pytest.approx(delay)
    assert (now + aligned_delay(30.0, now)) % 30.0 == pytest.approx(0.0, abs=1e-6)
