"""What the sensor and both operators share: one lazily built hook per task run, and the console URL."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.links.dataworks import console_url

if TYPE_CHECKING:
    from datetime import timedelta


class DataWorksTaskMixin:
    """Mixed into DataWorks operators and sensors, ahead of the Airflow base class."""

    dataworks_conn_id: str
    api_retry_limit: int
    api_retry_delay: float
    project_id: int | str | None
    execution_timeout: timedelta | None
    timeout: float

    @property
    def hook(self) -> DataWorksHook:
        """One hook per task run, created on first use (never at DAG parse time)."""
        if not hasattr(self, "_hook"):
            self._hook = DataWorksHook(
                self.dataworks_conn_id, retry_limit=self.api_retry_limit, retry_delay=self.api_retry_delay
            )
        return self._hook

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

        Triggers carry this deadline, so `execution_timeout` holds while deferred too, on any triggerer.
        """
        deadline = time.time() + seconds
        if self.execution_timeout:
            started = getattr(context["ti"], "start_date", None)
            start = started.timestamp() if started else time.time()
            deadline = min(deadline, start + self.execution_timeout.total_seconds())
        return deadline
