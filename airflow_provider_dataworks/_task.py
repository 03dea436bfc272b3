"""What the sensor and both operators share: one lazily built hook per task run, and the console URL."""

from __future__ import annotations

from typing import Any

from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.links.dataworks import console_url


class DataWorksTaskMixin:
    """Mixed into DataWorks operators and sensors, ahead of the Airflow base class."""

    dataworks_conn_id: str
    api_retry_limit: int
    api_retry_delay: float
    project_id: int | str | None

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
