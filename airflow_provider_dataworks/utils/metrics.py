"""Airflow metrics (`Stats`) for DataWorks: every API call by action and outcome, and how long each wait took.

Each metric is sent twice, the way Airflow sends its own: once with its dimensions in the name (for plain StatsD,
which drops tags) and once under the bare name with tags (for the Datadog and InfluxDB flavours of StatsD, and for
OpenTelemetry). Airflow's `Stats` is a no-op until ``[metrics] statsd_on`` or ``otel_on`` is set, and it is looked
up on first use, never at DAG parse time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import (
    DataWorksQuotaExceededError,
    DataWorksTaskInstanceFailed,
    DataWorksThrottlingError,
    DataWorksWaitTimeout,
    DataWorksWorkflowInstanceFailed,
)

if TYPE_CHECKING:
    from datetime import timedelta

#: Counter: one per API attempt (retries count, as DataWorks' quota counts them).
API_CALLS = "dataworks.api_calls"
#: Timer: from the task instance's start to the end of its wait on DataWorks.
WAIT_DURATION = "dataworks.wait.duration"

OK, THROTTLED, QUOTA, ERROR = "ok", "throttled", "quota", "error"
SUCCESS, FAILURE, TIMEOUT = "success", "failure", "timeout"

_stats: Any = None


def stats() -> Any:
    """Airflow's `Stats` facade (the Task SDK's on Airflow 3, `airflow.stats` on Airflow 2), imported once."""
    global _stats
    if _stats is None:
        try:
            from airflow.sdk.observability.stats import Stats
        except ImportError:  # Airflow 2
            from airflow.stats import Stats  # type: ignore[no-redef,unused-ignore]
        _stats = Stats
    return _stats


def call_outcome(error: BaseException | None) -> str:
    """How an API attempt ended: ok, throttled (retried), quota (not retried) or error."""
    if error is None:
        return OK
    if isinstance(error, DataWorksThrottlingError):
        return THROTTLED
    if isinstance(error, DataWorksQuotaExceededError):
        return QUOTA
    return ERROR


def count_api_call(action: str, error: BaseException | None = None) -> None:
    """Count one attempt of `action`; `error` is what it raised (after translation), None when it answered."""
    outcome = call_outcome(error)
    metrics = stats()
    metrics.incr(f"{API_CALLS}.{action}.{outcome}")
    metrics.incr(API_CALLS, tags={"action": action, "outcome": outcome})


def wait_outcome(error: BaseException | None) -> str:
    """How a wait ended: success, failure (a failed instance, skipped or not), timeout, or error."""
    from airflow_provider_dataworks.utils.compat import AirflowSensorTimeout, AirflowSkipException

    if error is None:
        return SUCCESS
    cause = error.__cause__ if isinstance(error, AirflowSkipException) else error
    if isinstance(cause, DataWorksWorkflowInstanceFailed | DataWorksTaskInstanceFailed):
        return FAILURE
    if isinstance(cause, AirflowSensorTimeout | DataWorksWaitTimeout):
        return TIMEOUT
    return ERROR


def time_wait(kind: str, outcome: str, duration: timedelta) -> None:
    """Record one finished wait on a `kind` (workflow, task, trigger_node) of DataWorks instance."""
    metrics = stats()
    metrics.timing(f"{WAIT_DURATION}.{kind}.{outcome}", duration)
    metrics.timing(WAIT_DURATION, duration, tags={"kind": kind, "outcome": outcome})
