"""The "DataWorks" extra link: from an Airflow task to the DataWorks console for its workspace and region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.utils.compat import BaseOperatorLink

if TYPE_CHECKING:
    from airflow_provider_dataworks.hooks.connection import ConnectionSettings

#: XCom key under which operators and sensors store the console URL while they run.
CONSOLE_URL_XCOM_KEY = "dataworks_console_url"


class _Blank(dict[str, Any]):
    """format_map mapping that leaves unknown placeholders empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def console_url(settings: ConnectionSettings, project_id: Any, workflow_instance_id: Any = None) -> str:
    """Fill the connection's console URL template for one workspace (and instance, if the template asks)."""
    values = _Blank(
        region=settings.region_id or "",
        project_id="" if project_id is None else project_id,
        env=settings.env_type.lower(),
        env_type=settings.env_type,
        workflow_instance_id="" if workflow_instance_id is None else workflow_instance_id,
    )
    return settings.console_url.format_map(values)


class DataWorksConsoleLink(BaseOperatorLink):
    """Opens the DataWorks console (Operation Center by default) of the task's workspace."""

    name = "DataWorks"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The URL the task stored in XCom while it ran (no connection lookup in the web server)."""
        try:
            from airflow.sdk.execution_time.xcom import XCom
        except ImportError:  # Airflow 2
            from airflow.models.xcom import XCom  # type: ignore[no-redef]
        return XCom.get_value(ti_key=ti_key, key=CONSOLE_URL_XCOM_KEY) or ""
