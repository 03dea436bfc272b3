"""What the sensor and both operators share: one lazily built hook per task run, and the console URL."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.links.dataworks import console_url
from airflow_provider_dataworks.utils.compat import AirflowRescheduleException, TaskDeferred
from airflow_provider_dataworks.utils.metrics import time_wait, wait_outcome
from airflow_provider_dataworks.utils.quota import log_api_calls

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_dataworks.exceptions import DataWorksInstanceIdNotFoundError, DataWorksInstanceNotFoundError
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

#: The connection a task uses unless told otherwise: `DataWorksHook.default_conn_name`, here so that a DAG file
#: declaring tasks does not import the hook (it is imported when a task runs).
DEFAULT_CONN_ID = "dataworks_default"

#: Airflow's own deferral timeout comes this long after the trigger's deadline, so the trigger's timeout event
#: (with the task's own message, and the run operator's stop) always wins the race against the scheduler.
DEFERRAL_GRACE_SECONDS = 120.0
#: A wait capped by `execution_timeout` ends this much (at most a tenth of it) before Airflow's own timeout.
EXECUTION_TIMEOUT_MARGIN_SECONDS = 30.0
#: Airflow's `next_method` for a deferral that failed (the trigger raised, or Airflow's deferral timeout passed).
TRIGGER_FAILED = "__fail__"


def is_blank(value: Any) -> bool:
    """An argument left unset, or a template that rendered to nothing."""
    return value is None or (isinstance(value, str) and not value.strip())


class DataWorksTaskMixin:
    """Mixed into DataWorks operators and sensors, ahead of the Airflow base class."""

    dataworks_conn_id: str
    api_retry_limit: int
    api_retry_delay: float
    project_id: int | str | None
    execution_timeout: timedelta | None
    timeout: float
    task_id: str
    log: Any

    @property
    def hook(self) -> DataWorksHook:
        """One hook per task run, created on first use (never at DAG parse time)."""
        if not hasattr(self, "_hook"):
            from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

            self._hook = DataWorksHook(
                self.dataworks_conn_id, retry_limit=self.api_retry_limit, retry_delay=self.api_retry_delay
            )
        return self._hook

    def waits_on(self) -> str | None:
        """What this task waits for, naming its wait in the wait-duration metric; None for a task that does not."""
        return None

    @contextmanager
    def api_call_accounting(self, context: Any = None, wait_started: float | None = None) -> Iterator[None]:
        """Log, however the body ends (done, deferred, rescheduled, failed), the API calls this task run spent;
        with the run's `context`, also time the wait when the body ends it (not when it defers or reschedules).

        `wait_started` (epoch s) is when the wait began, as carried over a deferral by the trigger's event.
        """
        self._wait_context = (context, wait_started, time.time())
        try:
            yield
        except (TaskDeferred, AirflowRescheduleException):
            raise
        except BaseException as err:
            self._time_wait(err)
            raise
        else:
            self._time_wait(None)
        finally:
            log_api_calls(self.log, f"Task {self.task_id!r}", getattr(self, "_hook", None))

    def wait_start_time(self) -> float:
        """When this wait began (epoch s): carried over a deferral by the trigger (Airflow's start date is not kept
        across one everywhere), else the first poke of a rescheduling sensor, else the task instance's start, else
        this execution's (Airflow 2's `dag.test()` records no start date)."""
        context, carried, body_started = self._wait_context
        if carried is not None:
            return float(carried)
        ti: Any = context["ti"] if context is not None else None
        started = None
        if getattr(self, "reschedule", False) and hasattr(ti, "get_first_reschedule_date"):
            started = ti.get_first_reschedule_date(context)  # Airflow 3 restarts start_date on every poke
        started = started or getattr(ti, "start_date", None)
        return started.timestamp() if started is not None else body_started

    def _time_wait(self, error: BaseException | None) -> None:
        """The wait-duration metric, for a task that waits; neither timing the wait nor sending it fails the task."""
        kind = self.waits_on()
        if kind is None or self._wait_context[0] is None:
            return
        try:
            time_wait(kind, wait_outcome(error), timedelta(seconds=max(time.time() - self.wait_start_time(), 0.0)))
        except Exception:
            self.log.warning("Could not time the DataWorks wait.", exc_info=True)

    def given_id_not_found(
        self, err: DataWorksInstanceNotFoundError, argument: str, instance_id: int, fix: str
    ) -> DataWorksInstanceIdNotFoundError:
        """DataWorks does not know the id this task's `argument` gave: the error naming the argument, where it was
        asked (endpoint and connection) and `fix`, which Airflow fails without retrying."""
        where = f"{self.hook.endpoint_url()}, connection {self.dataworks_conn_id!r}"
        return err.given_as(argument, instance_id, where, fix)

    def console(self, instance_id: Any = None) -> str:
        """The DataWorks console URL of this task's workspace (the connection's template)."""
        project_id = self.project_id if self.project_id not in (None, "") else self.hook.settings.project_id
        return console_url(self.hook.settings, project_id, instance_id)

    def limits(self) -> str:
        """The time limits of a wait, for messages: `timeout`, and `execution_timeout` when set."""
        limits = f"timeout ({self.timeout} s)"
        if self.execution_timeout:
            limits += f" or execution_timeout ({self.execution_timeout})"
        return limits

    def wait_deadline(self, context: Any, seconds: float) -> float:
        """Absolute end of a wait (epoch s): `seconds` from now, capped by `execution_timeout` from the task's start.

        Triggers carry this deadline, so `execution_timeout` holds while deferred too, on any triggerer. Airflow
        2 also ends a deferral at exactly `execution_timeout` (failing the task without the operator), so the wait
        ends a little before it: the task's own timeout path (and the run operator's stop) always comes first.
        """
        deadline = time.time() + seconds
        if self.execution_timeout:
            started = getattr(context["ti"], "start_date", None)
            start = started.timestamp() if started else time.time()
            limit = self.execution_timeout.total_seconds()
            deadline = min(deadline, start + limit - min(EXECUTION_TIMEOUT_MARGIN_SECONDS, limit / 10))
        return deadline

    def deferral_timeout(self, deadline: float) -> timedelta:
        """Airflow's timeout for a deferral whose trigger ends itself at `deadline` (epoch s)."""
        return timedelta(seconds=max(deadline - time.time(), 0.0) + DEFERRAL_GRACE_SECONDS)
