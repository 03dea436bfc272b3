"""The floor under poll intervals, the daily-budget warning, and the call counts tasks log."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger
from airflow_provider_dataworks.utils import quota


@pytest.fixture
def production_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped floor instead of the tests' 0."""
    monkeypatch.delenv("AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL", raising=False)


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quota, "_warned", set())


@pytest.mark.usefixtures("production_floor")
@pytest.mark.parametrize("bad", [0, 4.9, -1, "often", None])
def test_intervals_below_the_floor_are_refused_naming_the_field(bad: Any) -> None:
    with pytest.raises(DataWorksConfigError, match=r"^poke_interval must be at least 5 seconds"):
        DataWorksWorkflowInstanceSensor(task_id="s", workflow_instance_id=1, poke_interval=bad)
    with pytest.raises(DataWorksConfigError, match=r"^poll_interval must be at least 5 seconds"):
        DataWorksRunWorkflowOperator(task_id="r", workflow_id=1, poll_interval=bad)


@pytest.mark.usefixtures("production_floor")
def test_the_floor_itself_and_timedeltas_are_accepted() -> None:
    assert DataWorksWorkflowInstanceSensor(task_id="s", workflow_instance_id=1, poke_interval=5).poke_interval == 5.0
    assert DataWorksRunWorkflowOperator(task_id="r", workflow_id=1, poll_interval=5.0).poll_interval == 5.0
    assert quota.check_poll_interval("poll_interval", timedelta(minutes=2)) == 120.0


def test_the_floor_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL", "60")
    with pytest.raises(DataWorksConfigError, match="at least 60 seconds"):
        quota.check_poll_interval("poll_interval", 30)


@pytest.mark.usefixtures("production_floor")
def test_a_trigger_carrying_a_lower_interval_polls_at_the_floor() -> None:
    trigger = DataWorksWorkflowInstanceTrigger(workflow_instance_ids=[1], end_time=0, poll_interval=0)
    with mock.patch.object(DataWorksWorkflowInstanceTrigger, "log", new_callable=mock.PropertyMock) as log:
        assert trigger._interval() == 5.0
    assert "below the %g s floor" in log.return_value.warning.call_args.args[0]


def test_calls_per_day() -> None:
    assert quota.calls_per_day(300) == 288
    assert quota.calls_per_day(864) == quota.BASIC_EDITION_DAILY_CALLS


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set ``[dataworks] daily_api_call_budget`` for one test (unset by default)."""

    def set_budget(value: str) -> None:
        monkeypatch.setenv("AIRFLOW__DATAWORKS__DAILY_API_CALL_BUDGET", value)

    monkeypatch.delenv("AIRFLOW__DATAWORKS__DAILY_API_CALL_BUDGET", raising=False)
    return set_budget


def warnings_of(caplog: pytest.LogCaptureFixture, *calls: tuple[Any, ...]) -> list[str]:
    """The quota warnings `calls` (arguments, optional keywords) of warn_if_over_daily_quota log."""
    with caplog.at_level(logging.WARNING, logger=quota.__name__):
        for args in calls:
            *positional, keywords = args if isinstance(args[-1], dict) else (*args, {})
            quota.warn_if_over_daily_quota(*positional, **keywords)
    return [r.getMessage() for r in caplog.records if r.name == quota.__name__]


def test_without_a_budget_nothing_warns_whatever_the_interval(budget: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The default: each task is its own process, so a warning about the defaults would come on every task."""
    assert quota.daily_api_call_budget() is None
    assert warnings_of(caplog, ("poke_interval", 300), ("poll_interval", 60), ("poll_interval", 5)) == []
    budget("0")  # 0 switches it off too
    assert quota.daily_api_call_budget() is None
    assert warnings_of(caplog, ("poll_interval", 5)) == []


def test_a_budget_warns_once_per_interval_past_it(budget: Any, caplog: pytest.LogCaptureFixture) -> None:
    budget("100")
    messages = warnings_of(
        caplog,
        ("poke_interval", 300),
        ("poke_interval", 300),  # the same wait again in this process: said already
        ("poke_interval", 864),  # exactly the budget: no warning
        ("poll_interval", 60),
    )
    assert messages == [
        "poke_interval=300 s polls up to 288 DataWorks API calls a day per wait, more than "
        "[dataworks] daily_api_call_budget (100); use 864 s or more (waits in one triggerer on the same workspace "
        "and date share their polls).",
        "poll_interval=60 s polls up to 1,440 DataWorks API calls a day per wait, more than "
        "[dataworks] daily_api_call_budget (100); use 864 s or more (waits in one triggerer on the same workspace "
        "and date share their polls).",
    ]


def test_a_wait_s_timeout_bounds_its_calls(budget: Any, caplog: pytest.LogCaptureFixture) -> None:
    budget("100")
    messages = warnings_of(
        caplog,
        ("poke_interval", 60, {"timeout": 3600}),  # 60 calls at most: within the budget
        ("poke_interval", 30, {"timeout": 3600}),  # 120
        ("poke_interval", 300, {"timeout": 7 * 86400}),  # a week: still a day's worth a day
    )
    assert messages[0].startswith(
        "poke_interval=30 s polls up to 120 DataWorks API calls per wait in its 3600 s timeout, more than "
        "[dataworks] daily_api_call_budget (100); use 36 s or more"
    )
    assert messages[1].startswith("poke_interval=300 s polls up to 288 DataWorks API calls a day per wait")
    assert len(messages) == 2


def test_a_budget_that_is_not_a_number_is_ignored_with_one_warning(
    budget: Any, caplog: pytest.LogCaptureFixture
) -> None:
    budget("a hundred")
    assert warnings_of(caplog, ("poke_interval", 5), ("poke_interval", 6)) == [
        "[dataworks] daily_api_call_budget must be a whole number of calls, not 'a hundred'; ignored."
    ]


@pytest.mark.usefixtures("production_floor")
def test_default_waits_say_nothing_without_a_budget(budget: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The sensor's and the trigger's own calls, with their default intervals."""
    sensor = DataWorksWorkflowInstanceSensor(task_id="s", workflow_instance_id=1)
    trigger = DataWorksWorkflowInstanceTrigger(workflow_instance_ids=[1], end_time=0, poll_interval=60)
    with caplog.at_level(logging.WARNING):
        quota.warn_if_over_daily_quota("poke_interval", sensor.poke_interval)
        assert trigger._interval() == 60
    assert [r for r in caplog.records if r.name == quota.__name__] == []


@pytest.mark.usefixtures("production_floor")
def test_the_event_trigger_refuses_an_interval_below_the_floor() -> None:
    try:
        from airflow_provider_dataworks.triggers.event import DataWorksWorkflowInstanceEventTrigger
    except ImportError:
        pytest.skip("event triggers need Airflow 3")
    with pytest.raises(DataWorksConfigError, match="poll_interval must be at least 5 seconds"):
        DataWorksWorkflowInstanceEventTrigger(501, poll_interval=4)
    assert DataWorksWorkflowInstanceEventTrigger(501, poll_interval=5).poll_interval == 5.0
