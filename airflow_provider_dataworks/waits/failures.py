"""Failed-node details as data: which task instances of a failed workflow instance failed, and their log tails.

Shared by the workflow sensor and the run operator. Diagnostics never hide the failure itself: a call that fails
here is logged and the caller raises its own exception all the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.dates import format_biz_date
from airflow_provider_dataworks.status import FAILED_STATUSES

if TYPE_CHECKING:
    import logging
    from datetime import tzinfo

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

#: XCom key holding the failed task instances of a failed workflow instance.
FAILED_TASK_INSTANCES_XCOM_KEY = "failed_task_instances"
#: Bounds: failed task instances named in an exception message, log tails fetched, and each tail's size.
MAX_FAILED_TASKS_IN_MESSAGE = 10
MAX_FAILED_TASKS_LOGGED = 5
LOG_TAIL_LINES = 40
LOG_TAIL_CHARS = 4000


def log_tail(text: str) -> str:
    """The last lines of a log, bounded in lines and characters."""
    lines = "\n".join(text.splitlines()[-LOG_TAIL_LINES:])
    return lines[-LOG_TAIL_CHARS:]


def task_summary(task: dict[str, Any]) -> dict[str, Any]:
    """The fields of a failed task instance worth keeping: id, node, type, status, data date, workflow instance."""
    return {
        "Id": task.get("Id"),
        "TaskId": task.get("TaskId"),
        "TaskName": task.get("TaskName"),
        "TaskType": task.get("TaskType"),
        "Status": task.get("Status"),
        "Bizdate": task.get("Bizdate"),
        "WorkflowInstanceId": task.get("WorkflowInstanceId"),
    }


def describe_failed_tasks(tasks: list[dict[str, Any]], zone: tzinfo | None = None) -> str:
    """A bounded sentence naming the failed task instances, for an exception message ("" when none are known)."""
    if not tasks:
        return ""
    shown = [
        f"{t.get('TaskName')} (task instance {t.get('Id')}, {t.get('TaskType')}, data date "
        f"{format_biz_date(t.get('Bizdate'), zone)})"
        for t in tasks[:MAX_FAILED_TASKS_IN_MESSAGE]
    ]
    more = len(tasks) - len(shown)
    return " Failed tasks: " + "; ".join(shown) + (f"; and {more} more" if more > 0 else "") + "."


def collect_failed_tasks(
    hook: DataWorksHook,
    instances: list[dict[str, Any]],
    log: logging.Logger | Any,
    *,
    project_id: Any = None,
    env_type: str | None = None,
) -> list[dict[str, Any]]:
    """The failed task instances of the failed workflow `instances`, logging the log tails of the first few.

    Never raises: what cannot be fetched is logged as a warning and left out.
    """
    failed_tasks: list[dict[str, Any]] = []
    for instance in instances:
        if instance.get("Status") not in FAILED_STATUSES:
            continue
        try:
            tasks = hook.list_task_instances(
                workflow_instance_id=instance["Id"],
                biz_date=instance["BizDate"],
                project_id=instance.get("ProjectId") or project_id,
                env_type=instance.get("EnvType") or env_type,
            )
        except Exception as err:
            log.warning("Could not fetch diagnostics for workflow instance %s: %s", instance["Id"], err)
            continue
        failed = [task_summary(t) for t in tasks if t.get("Status") in FAILED_STATUSES]
        log.error(
            "Workflow instance %s failed; failed DataWorks tasks: %s",
            instance["Id"],
            ", ".join(f"{t['TaskName']} (task instance {t['Id']})" for t in failed) or "none reported",
        )
        failed_tasks.extend(failed)
    for task in failed_tasks[:MAX_FAILED_TASKS_LOGGED]:
        tail = fetch_log_tail(hook, task["Id"], log)
        if tail:
            log.error("Last lines of the log of task %s (%s):\n%s", task["TaskName"], task["Id"], tail)
    return failed_tasks


def fetch_log_tail(hook: DataWorksHook, task_instance_id: Any, log: logging.Logger | Any) -> str:
    """The bounded tail of a task instance's latest log; "" (after a warning) when it cannot be fetched."""
    try:
        return log_tail(hook.get_task_instance_log(task_instance_id))
    except Exception as err:
        log.warning("Could not fetch the log of task instance %s: %s", task_instance_id, err)
        return ""
