"""What a sensor does when DataWorks does not answer, in each mode, on a fake clock (hook methods patched).

Poke mode keeps its record across pokes; a rescheduling sensor's first poke of a try pokes in place until DataWorks
answers (later pokes then know it did); a deferrable sensor hands the trigger whether its check had an answer.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from airflow_compat import TaskDeferred

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.sensors import dataworks as sensors
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

from .conftest import REGION

pytestmark = pytest.mark.usefixtures("dataworks_conn")

ENDPOINT = f"https://dataworks.{REGION}.aliyuncs.com"
REFUSED = exc.DataWorksTransportError(
    "no response from DataWorks (connection failed, dropped or timed out): [Errno 111] Connection refused",
    action="GetWorkflowInstance",
    code="TransportError",
)
RUNNING = {"Id": 7, "Name": "nightly_etl", "Status": "Running"}


class Clock:
    """The sensor module's `time`: a clock that only `sleep` moves on."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(sensors, "time", fake)
    return fake


def sensor(**kwargs: Any) -> DataWorksWorkflowInstanceSensor:
    return DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=7, poke_interval=60, **kwargs)


def answers(*answers: dict[str, Any] | Exception) -> Any:
    return mock.patch.object(DataWorksHook, "get_workflow_instance", autospec=True, side_effect=list(answers))


def reschedule_context(context: dict[str, Any], reschedules: int) -> dict[str, Any]:
    """Airflow 3's context of a rescheduled poke (Airflow 2 reads the same from its TaskReschedule table)."""
    return {**context, "task_reschedule_count": reschedules}


def test_poke_mode_fails_at_the_first_poke_past_the_limit_naming_the_endpoint(
    context: dict[str, Any], clock: Clock
) -> None:
    s = sensor()
    with answers(*[REFUSED] * 4) as get:
        for _ in range(3):  # at 0, 60 and 120 s: still trying
            assert s.poke(context).is_done is False
            clock.now += 60.0
        with pytest.raises(exc.DataWorksUnreachableError) as raised:  # 180 s
            s.poke(context)
    assert get.call_count == 4
    assert str(raised.value).startswith(f"DataWorks at {ENDPOINT} did not answer any call of this wait for 3 min")
    assert "Connection refused" in str(raised.value)


def test_poke_mode_rides_out_an_outage_once_dataworks_answered(context: dict[str, Any], clock: Clock) -> None:
    s = sensor()
    with answers(RUNNING, *[REFUSED] * 10):
        for _ in range(11):  # ten minutes of outage after one answer
            assert s.poke(context).is_done is False
            clock.now += 60.0


def test_a_rescheduling_sensors_first_poke_pokes_in_place_until_dataworks_answers(
    context: dict[str, Any], clock: Clock
) -> None:
    with answers(REFUSED, REFUSED, RUNNING) as get:
        done = sensor(mode="reschedule").poke(reschedule_context(context, 0))
    assert done.is_done is False  # an answer: now it may be rescheduled, and later pokes know DataWorks answered
    assert get.call_count == 3
    assert clock.sleeps == [60.0, 60.0]


def test_a_rescheduling_sensors_first_poke_fails_when_dataworks_never_answers(
    context: dict[str, Any], clock: Clock
) -> None:
    with answers(*[REFUSED] * 10) as get, pytest.raises(exc.DataWorksUnreachableError, match=ENDPOINT):
        sensor(mode="reschedule").poke(reschedule_context(context, 0))
    assert get.call_count == 4  # at 0, 60, 120 and 180 s
    assert clock.sleeps == [60.0, 60.0, 60.0]


def test_a_rescheduling_sensors_first_poke_stops_poking_in_place_at_its_timeout(
    context: dict[str, Any], clock: Clock
) -> None:
    with answers(*[REFUSED] * 10) as get:
        done = sensor(mode="reschedule", timeout=100).poke(reschedule_context(context, 0))
    assert done.is_done is False  # Airflow's own timeout ends the wait, as it would in poke mode
    assert (get.call_count, clock.sleeps) == (2, [60.0])


def test_a_later_poke_of_a_rescheduling_sensor_rides_out_an_outage(
    context: dict[str, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_dataworks.waits import reachability

    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", 0.0)  # even a poke past the limit
    with answers(REFUSED) as get:
        done = sensor(mode="reschedule").poke(reschedule_context(context, 3))
    assert done.is_done is False
    assert (get.call_count, clock.sleeps) == (1, [])


@pytest.mark.parametrize(("first_check", "reached"), [(REFUSED, False), (RUNNING, True)], ids=["refused", "answered"])
def test_a_deferrable_sensor_tells_its_trigger_whether_dataworks_answered(
    context: dict[str, Any], first_check: Any, reached: bool
) -> None:
    with answers(first_check), pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True).execute(context)
    assert deferred.value.trigger.serialize()[1]["reached"] is reached
