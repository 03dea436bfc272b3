"""The metrics' decision logic: how an API call and a wait are classified, and the names they are sent under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from airflow_compat import AirflowSensorTimeout, AirflowSkipException, TaskDeferred

from airflow_provider_dataworks.exceptions import (
    DataWorksAuthError,
    DataWorksConfigError,
    DataWorksQuotaExceededError,
    DataWorksTaskInstanceFailed,
    DataWorksThrottlingError,
    DataWorksTransportError,
    DataWorksWaitTimeout,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.utils import metrics


def api_error(cls: type, code: str = "X") -> Exception:
    return cls("text", action="GetWorkflowInstance", code=code, status_code=400, request_id="R")


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (api_error(DataWorksThrottlingError, "Throttling.User"), "throttled"),
        (api_error(DataWorksQuotaExceededError, "Throttling.Resource"), "quota"),
        (api_error(DataWorksAuthError, "Forbidden.RAM"), "error"),
        (api_error(DataWorksTransportError), "error"),
        (ValueError("not translated"), "error"),
    ],
)
def test_api_call_outcome(error, outcome):
    assert metrics.call_outcome(error) == outcome


def test_an_api_call_is_sent_by_name_and_with_tags(stats_recorder):
    metrics.count_api_call("ListWorkflowInstances", api_error(DataWorksThrottlingError))
    assert [(m.type, m.name, m.value, m.tags) for m in stats_recorder.metrics] == [
        ("counter", "dataworks.api_calls.ListWorkflowInstances.throttled", 1, {}),
        ("counter", "dataworks.api_calls", 1, {"action": "ListWorkflowInstances", "outcome": "throttled"}),
    ]


def failed_skip() -> AirflowSkipException:
    try:
        raise AirflowSkipException("soft_fail") from DataWorksWorkflowInstanceFailed("failed")
    except AirflowSkipException as skip:
        return skip


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "success"),
        (DataWorksWorkflowInstanceFailed("failed"), "failure"),
        (DataWorksTaskInstanceFailed("failed"), "failure"),
        (failed_skip(), "failure"),
        (AirflowSensorTimeout("late"), "timeout"),
        (DataWorksWaitTimeout("late"), "timeout"),
        (DataWorksConfigError("bad biz_date"), "error"),
        (AirflowSkipException("skipped for another reason"), "error"),
    ],
)
def test_wait_outcome(error, outcome):
    assert metrics.wait_outcome(error) == outcome


def sensor() -> DataWorksWorkflowInstanceSensor:
    return DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=1)


class StartedTaskInstance:
    """A task instance that started 30 s before it was made (not before this module was imported)."""

    def __init__(self) -> None:
        self.start_date = datetime.now(UTC) - timedelta(seconds=30)


def test_a_wait_that_ends_is_timed_from_the_task_instance_start(stats_recorder):
    with pytest.raises(AirflowSensorTimeout), sensor().api_call_accounting({"ti": StartedTaskInstance()}):
        raise AirflowSensorTimeout("late")
    (named, tagged) = stats_recorder.metrics
    assert named.name == "dataworks.wait.duration.workflow.timeout"
    assert tagged.name == "dataworks.wait.duration"
    assert tagged.tags == {"kind": "workflow", "outcome": "timeout"}
    assert timedelta(seconds=30) <= tagged.value < timedelta(seconds=60)


def test_a_deferral_or_reschedule_is_not_the_end_of_a_wait(stats_recorder):
    from airflow_provider_dataworks.utils.compat import AirflowRescheduleException

    for pause in (TaskDeferred(trigger=None, method_name="execute_complete"), AirflowRescheduleException(None)):
        with pytest.raises(type(pause)), sensor().api_call_accounting({"ti": StartedTaskInstance()}):
            raise pause
    assert stats_recorder.metrics == []


def test_a_metrics_fault_never_fails_the_task(monkeypatch):
    class BrokenStats:
        def timing(self, *args, **kwargs):
            raise OSError("statsd host unreachable")

    monkeypatch.setattr(metrics, "_stats", BrokenStats())
    with sensor().api_call_accounting({"ti": StartedTaskInstance()}):
        pass
