"""Task (node) instances on the wire: status derived from the workflow instance or the node's own timeline, logs."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from dataworks_emulator.models.dates import day_of
from dataworks_emulator.models.records import (
    NOT_STARTED,
    TERMINAL_STATUSES,
    TaskInstanceRecord,
    WorkflowInstanceRecord,
)

RESOURCE_GROUP = "S_res_group_emulator"


def _derived_status(task: TaskInstanceRecord, instance: WorkflowInstanceRecord, instance_status: str) -> str:
    """A node without its own timeline follows its workflow instance; its spec (or a rerun) sets its end."""
    if instance_status not in TERMINAL_STATUSES:
        return "Running" if instance_status == "Running" else "NotRun"
    if instance.stopped:
        return task.spec.status or "Failure"
    return task.final or task.spec.status or "Success"


def _times(
    task: TaskInstanceRecord, instance: WorkflowInstanceRecord, status: str, index: int | None, now: float
) -> tuple[int | None, int | None]:
    """Return (StartedTime, FinishedTime) of a task instance in ``status``."""
    timeline = task.timeline
    if timeline is None or index is None:
        started = instance.started_ms if status not in NOT_STARTED else None
        return started, instance.finished_ms if status in TERMINAL_STATUSES else None
    started = None
    if status not in NOT_STARTED:
        started = timeline.reached_ms(index, lambda s: s not in NOT_STARTED, now)
    finished = None
    if status in TERMINAL_STATUSES:
        finished = timeline.reached_ms(index, lambda s: s in TERMINAL_STATUSES, now)
    return started, finished


def task_wire(
    task: TaskInstanceRecord,
    instance: WorkflowInstanceRecord,
    instance_status: str,
    now: float,
    *,
    read: bool = False,
) -> dict[str, Any]:
    """Build a TaskInstance JSON object; a ``read`` advances the node's own "reads" timeline."""
    index = None
    if task.pinned is not None:
        status = task.pinned
    elif instance.waiting_for_schedule(now):
        status = instance_status
    elif task.timeline is not None:
        index = task.timeline.index(now, read=read)
        status = task.timeline.statuses[index]
        if instance.stopped and status not in TERMINAL_STATUSES:
            status, index = "Failure", None
    else:
        status = _derived_status(task, instance, instance_status)
    started, finished = _times(task, instance, status, index, now)
    scheduled = instance.type == "Normal"
    return {
        "Id": task.id,
        "TaskId": task.spec.task_id,
        "TaskName": task.spec.name,
        "TaskType": task.spec.type,
        "Status": status,
        "WorkflowId": instance.workflow_id,
        "WorkflowName": instance.workflow_name,
        "WorkflowInstanceId": instance.id,
        "WorkflowInstanceType": instance.type,
        "UnifiedWorkflowInstanceId": instance.id,
        "Bizdate": instance.biz_date,
        "TriggerTime": instance.trigger_ms,
        "TriggerType": "Scheduler" if scheduled else "Manual",
        "TriggerRecurrence": "Normal",
        "StartedTime": started,
        "FinishedTime": finished,
        "RunNumber": task.run_number,
        "PeriodNumber": 1,
        "Owner": instance.owner,
        "ProjectId": instance.project_id,
        "ProjectEnv": instance.env_type,
        "Priority": 1,
        "Runtime": {"Gateway": "emulator-gateway", "ProcessId": f"T3_{task.id}_{task.run_number}"},
        "RuntimeResource": {"ResourceGroupId": RESOURCE_GROUP},
        "Tags": [],
        "CreateTime": instance.created_ms,
        "ModifyTime": finished or started or instance.created_ms,
        "CreateUser": instance.owner,
        "ModifyUser": instance.owner,
    }


def default_log(task: dict[str, Any], tz: tzinfo) -> str:
    """Write a plausible ODPS SQL task log for a task instance wire dict in its current status."""
    stamp = datetime.fromtimestamp((task["StartedTime"] or task["CreateTime"]) / 1000, tz)
    prefix = stamp.strftime("%Y-%m-%d %H:%M:%S")
    day = day_of(task["Bizdate"], tz).isoformat()
    status = task["Status"]
    if status in NOT_STARTED:
        return f"{prefix} INFO - Task instance {task['Id']} ({task['TaskName']}) has not started yet.\n"
    lines = [
        f"{prefix} INFO - Starting task {task['TaskName']} (task instance {task['Id']}, run {task['RunNumber']}) "
        f"on resource group {RESOURCE_GROUP}.",
        f"{prefix} INFO - Bizdate: {day}. Running ODPS SQL script.",
    ]
    if status == "Success":
        lines.append(f"{prefix} INFO - OK. Task finished successfully.")
    elif status == "Failure":
        lines += [
            f"{prefix} ERROR - FAILED: ODPS-0130071:[1,15] Semantic analysis exception - "
            "table or view not found - emulated failure",
            f"{prefix} ERROR - Task {task['TaskName']} failed with exit code 1.",
        ]
    return "\n".join(lines) + "\n"
