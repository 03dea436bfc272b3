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
        """The URL the task stored in XCom while it ran (no connection lookup); empty if it stored none."""
        try:
            from airflow.sdk.execution_time.xcom import XCom
        except ImportError:  # Airflow 2: the web server asks, and a missing XCom is a quiet None there
            from airflow.models.xcom import XCom  # type: ignore[no-redef]

            return XCom.get_value(ti_key=ti_key, key=CONSOLE_URL_XCOM_KEY) or ""
        return _stored_url(XCom, ti_key) or ""


def _stored_url(xcom: Any, ti_key: Any) -> Any:
    """The console URL XCom of `ti_key`'s task instance on Airflow 3, or None, without an error when there is none.

    Airflow 3 asks for every extra link in the task's own process as the task ends, failed tasks included; a task
    that failed before it knew its workspace (say, an unknown connection) pushed no URL, and a single-value read of
    a missing XCom logs "[error] XCom not found" after the task's real error. Listing the task's values of the key
    answers an empty list instead, quietly.
    """
    get_all = getattr(xcom, "get_all", None)
    if get_all is not None:
        values = get_all(key=CONSOLE_URL_XCOM_KEY, dag_id=ti_key.dag_id, task_id=ti_key.task_id, run_id=ti_key.run_id)
        if not values:
            return None  # no map index of this task pushed a URL, this one included
        if getattr(ti_key, "map_index", -1) < 0:
            return values[0]  # an unmapped task has one value at most
    # A mapped task: some map index pushed a URL, most likely this one; read this one's.
    return xcom.get_value(ti_key=ti_key, key=CONSOLE_URL_XCOM_KEY)
