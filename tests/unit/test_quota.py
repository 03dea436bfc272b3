"""The floor under poll intervals, the once-only daily-quota warning, and the call counts tasks log."""

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


def test_the_daily_quota_warning_comes_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=quota.__name__):
        quota.warn_if_over_daily_quota("poke_interval", 300)
        quota.warn_if_over_daily_quota("poke_interval", 300)
        quota.warn_if_over_daily_quota("poke_interval", 864)  # exactly a day's quota: no warning
        quota.warn_if_over_daily_quota("poll_interval", 60)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("poke_interval=300 s polls up to 288 DataWorks API calls a day per wait")
    assert messages[1].startswith("poll_interval=60 s polls up to 1440")


@pytest.mark.usefixtures("production_floor")
def test_the_event_trigger_refuses_an_interval_below_the_floor() -> None:
    try:
        from airflow_provider_dataworks.triggers.event import DataWorksWorkflowInstanceEventTrigger
    except ImportError:
        pytest.skip("event triggers need Airflow 3")
    with pytest.raises(DataWorksConfigError, match="poll_interval must be at least 5 seconds"):
        DataWorksWorkflowInstanceEventTrigger(501, poll_interval=4)
    assert DataWorksWorkflowInstanceEventTrigger(501, poll_interval=5).poll_interval == 5.0
