"""The metrics' decision logic: how an API call and a wait are classified, and the names they are sent under."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

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


class BrokenStats:
    """A metrics backend whose every send fails, as a StatsD client does when its host cannot be resolved."""

    def __init__(self) -> None:
        self.sends = 0

    def incr(self, *args, **kwargs):
        self.sends += 1
        raise OSError("[Errno -2] Name or service not known: 'statsd.invalid'")

    timing = incr


@pytest.fixture
def broken_stats(monkeypatch):
    """Airflow's `Stats` failing every send, in a process that has not logged a metrics failure yet."""
    stats = BrokenStats()
    monkeypatch.setattr(metrics, "_stats", stats)
    monkeypatch.setattr(metrics, "_failure_logged", False)
    return stats


def metrics_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == metrics.__name__ and r.levelname == "WARNING"]


#: What a process logs, once, when its metrics backend fails.
BROKEN_STATS_WARNING = (
    "Could not send DataWorks metrics (OSError: [Errno -2] Name or service not known: 'statsd.invalid'); "
    "the task goes on, and later metrics errors in this process are not logged."
)


def test_a_metrics_fault_never_fails_a_task_that_succeeds(broken_stats, caplog):
    with sensor().api_call_accounting({"ti": StartedTaskInstance()}):
        pass  # the wait ends well: its duration is sent, and the send fails
    assert broken_stats.sends == 2  # the named and the tagged wait duration
    assert metrics_warnings(caplog) == [BROKEN_STATS_WARNING]


def test_a_metrics_fault_never_replaces_the_task_s_own_error(broken_stats, caplog):
    failed = DataWorksWorkflowInstanceFailed("instance 1 is Failure")
    with (
        pytest.raises(DataWorksWorkflowInstanceFailed) as raised,
        sensor().api_call_accounting({"ti": StartedTaskInstance()}),
    ):
        raise failed
    assert raised.value is failed  # the task fails with its own error, not the metrics backend's OSError
    assert broken_stats.sends == 2
    assert metrics_warnings(caplog) == [BROKEN_STATS_WARNING]


def test_a_failing_backend_is_logged_once_per_process_and_never_raised(broken_stats, caplog):
    for _ in range(3):
        metrics.count_api_call("CreateWorkflowInstances")
        metrics.count_api_call("GetWorkflowInstance", api_error(DataWorksTransportError))
        metrics.time_wait("workflow", metrics.SUCCESS, timedelta(seconds=5))
    assert broken_stats.sends == 18  # every send was tried
    assert metrics_warnings(caplog) == [BROKEN_STATS_WARNING]


def test_a_stats_that_cannot_even_be_imported_is_a_metrics_fault_too(monkeypatch, caplog):
    import sys

    monkeypatch.setattr(metrics, "_stats", None)
    monkeypatch.setattr(metrics, "_failure_logged", False)
    for name in ("airflow.sdk.observability.stats", "airflow.stats"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it raises ImportError
    metrics.count_api_call("GetWorkflowInstance")
    metrics.time_wait("task", metrics.FAILURE, timedelta(seconds=1))
    (warning,) = metrics_warnings(caplog)
    assert warning.startswith("Could not send DataWorks metrics (ModuleNotFoundError: import of airflow.stats halted")


def test_the_hook_returns_its_answer_when_the_backend_fails(broken_stats, caplog, monkeypatch):
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    class Answer:
        body = mock.Mock(to_map=lambda: {"OperationId": "op-1"})

    client = mock.Mock(create_workflow_instances=mock.Mock(return_value=Answer()))
    hook = DataWorksHook("dw", retry_limit=0)
    monkeypatch.setattr(hook, "get_conn", lambda: client)
    for _ in range(2):
        assert hook.call("CreateWorkflowInstances", {"WorkflowId": 1}) == {"OperationId": "op-1"}
    assert client.create_workflow_instances.call_count == 2  # DataWorks acted once per call: never again for metrics
    assert len(metrics_warnings(caplog)) == 1
