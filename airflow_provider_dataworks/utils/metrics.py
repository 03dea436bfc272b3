"""Airflow metrics (`Stats`) for DataWorks: every API call by action and outcome, and how long each wait took.

Each metric is sent twice, the way Airflow sends its own: once with its dimensions in the name (for plain StatsD,
which drops tags) and once under the bare name with tags (for the Datadog and InfluxDB flavours of StatsD, and for
OpenTelemetry). Airflow's `Stats` is a no-op until ``[metrics] statsd_on`` or ``otel_on`` is set, and it is looked
up on first use, never at DAG parse time.

Metrics never change an outcome: by the time a metric is sent DataWorks may already have acted (a run created, a
node fired), so an error from the metrics backend (an unresolvable StatsD host, a broken custom stats class, an
import that fails) is logged once per process and never raised.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import (
    DataWorksQuotaExceededError,
    DataWorksTaskInstanceFailed,
    DataWorksThrottlingError,
    DataWorksWaitTimeout,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.status import ERROR, FAILURE, SUCCESS, TIMEOUT

if TYPE_CHECKING:
    from datetime import timedelta

log = logging.getLogger(__name__)

#: Counter: one per API attempt (retries count, as DataWorks' quota counts them).
API_CALLS = "dataworks.api_calls"
#: Timer: from the task instance's start to the end of its wait on DataWorks.
WAIT_DURATION = "dataworks.wait.duration"

#: How an API attempt ended (besides the wait words `success`, `failure`, `timeout` and `error` of status.py).
OK, THROTTLED, QUOTA = "ok", "throttled", "quota"

_stats: Any = None
#: Whether this process has logged a metrics failure yet (only the first one is logged).
_failure_logged = False
_failure_lock = threading.Lock()


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


def _send(method: str, *args: Any, **kwargs: Any) -> None:
    """Call `Stats.<method>`; an error, in the lookup of `Stats` too, is never raised and only the first is logged."""
    global _failure_logged
    try:
        getattr(stats(), method)(*args, **kwargs)
    except Exception as err:
        with _failure_lock:
            first, _failure_logged = not _failure_logged, True
        if first:
            log.warning(
                "Could not send DataWorks metrics (%s: %s); the task goes on, and later metrics errors in this "
                "process are not logged.",
                type(err).__name__,
                err,
                exc_info=True,
            )


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
    _send("incr", f"{API_CALLS}.{action}.{outcome}")
    _send("incr", API_CALLS, tags={"action": action, "outcome": outcome})


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
    _send("timing", f"{WAIT_DURATION}.{kind}.{outcome}", duration)
    _send("timing", WAIT_DURATION, duration, tags={"kind": kind, "outcome": outcome})
