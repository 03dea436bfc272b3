"""One handler per emulated DataWorks 2024-05-18 action: parse the decoded parameters, answer from the state.

Parameters arrive as strings (``params`` decodes them). Handlers return the response body without ``RequestId``
(``routing`` adds it) or raise ``ApiError``. The data-quality actions live in ``quality_responses``.

Unknown ids: the real codes for Get{Workflow,Task}Instance are undocumented; the emulator answers HTTP 400
with ``InvalidParameter.NotExist.WorkflowInstance`` / ``InvalidParameter.NotExist.TaskInstance`` /
``InvalidParameter.NotExist.Operation`` and a message naming the id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from dataworks_emulator.errors import ApiError, invalid_parameter, missing_parameter
from dataworks_emulator.models.state import (
    ENV_TYPES,
    INSTANCE_TYPES,
    TASK_INSTANCE_STATUSES,
    EmulatorState,
    check_tags,
)
from dataworks_emulator.params import (
    Params,
    choice_param,
    json_param,
    optional_int,
    optional_text,
    page_param,
    paging_info,
    required_int,
    required_text,
)
from dataworks_emulator.quality_responses import QUALITY_ACTIONS

Handler = Callable[[EmulatorState, Params], dict[str, Any]]

CREATE_TYPES = ("SupplementData", "ManualWorkflow", "Manual", "SmokeTest", "TriggerWorkflow")
SORT_FIELDS = ("TriggerTime", "StartedTime", "FinishedTime", "CreateTime", "Id")
MAX_CREATE_DATES = 366
MAX_NAME_LENGTH = 128
RERUN_TYPES = ("ManualWorkflow", "SupplementData", "Normal")


def _int_list(params: Params, name: str) -> list[int] | None:
    """Return a JSON array of integers parameter, None when absent."""
    value = json_param(params, name)
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise invalid_parameter(name, "expected a JSON array of integers.")
    return value


def _bool(params: Params, name: str, default: bool) -> bool:
    """Return a boolean parameter sent as true/false in any case."""
    value = optional_text(params, name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise invalid_parameter(name, "expected true or false.")
    return value.lower() == "true"


def _sorted(items: list[dict[str, Any]], params: Params) -> list[dict[str, Any]]:
    """Sort list results by ``SortBy`` ("<Field> [Asc|Desc]", default "Id Desc")."""
    sort_by = optional_text(params, "SortBy") or "Id Desc"
    parts = sort_by.split()
    order = parts[1] if len(parts) == 2 else "Asc"
    if len(parts) not in (1, 2) or parts[0] not in SORT_FIELDS or order not in ("Asc", "Desc"):
        raise invalid_parameter("SortBy", f"expected one of {', '.join(SORT_FIELDS)} followed by Asc or Desc.")
    return sorted(items, key=lambda item: item.get(parts[0]) or 0, reverse=order == "Desc")


def _biz_day(state: EmulatorState, params: Params, name: str) -> date:
    """Return the calendar date (emulator time zone) of a mandatory epoch-milliseconds business date parameter."""
    value = required_int(params, name)
    if value < 0:
        raise invalid_parameter(name, "expected epoch milliseconds.")
    return state.biz_day(value)


def get_workflow_instance(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetWorkflowInstance: one instance by Id (advances a "reads" timeline)."""
    instance_id = required_int(params, "Id")
    instance = state.workflow_instance(instance_id, read=True)
    if instance is None:
        raise ApiError(
            400,
            "InvalidParameter.NotExist.WorkflowInstance",
            f"The workflow instance does not exist: {instance_id}.",
        )
    return {"WorkflowInstance": instance}


def list_workflow_instances(state: EmulatorState, params: Params) -> dict[str, Any]:
    """ListWorkflowInstances: instances of a workspace and business day, filtered, sorted and paged.

    Naming instances in ``Ids`` reads each of them as GetWorkflowInstance does (a "reads" timeline moves one step):
    a poll by id is a poll, whichever action carries it.
    """
    project_id = required_int(params, "ProjectId")
    day = _biz_day(state, params, "BizDate")
    filters: dict[str, Any] = {
        "WorkflowId": optional_int(params, "WorkflowId"),
        "EnvType": choice_param(params, "EnvType", ENV_TYPES),
        "Type": choice_param(params, "Type", INSTANCE_TYPES),
        "Owner": optional_text(params, "Owner"),
        "UnifiedWorkflowInstanceId": optional_int(params, "UnifiedWorkflowInstanceId"),
    }
    filters["Name"] = optional_text(params, "Name")
    tags = _string_list(params, "Tags")
    ids = _int_list(params, "Ids")
    items = _matching(state, state.workflow_instances(), project_id, ("BizDate", day), filters, ids)
    if ids is not None:
        items = [read for read in (state.workflow_instance(item["Id"], read=True) for item in items) if read]
    if tags is not None:
        items = [item for item in items if _has_any_tag(item["Tags"], tags)]
    return {"PagingInfo": paging_info(_sorted(items, params), page_param(params, 100), "WorkflowInstances")}


def _string_list(params: Params, name: str) -> list[str] | None:
    """Return a JSON array of strings parameter, None when absent."""
    value = json_param(params, name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_parameter(name, "expected a JSON array of strings.")
    return value


def _has_any_tag(tags: list[dict[str, str]], wanted: list[str]) -> bool:
    """A List ``Tags`` entry matches an instance tag by its Key or as ``Key:Value`` (the emulator's reading)."""
    return any(tag["Key"] in wanted or f"{tag['Key']}:{tag['Value']}" in wanted for tag in tags)


def _matching(
    state: EmulatorState,
    items: list[dict[str, Any]],
    project_id: int,
    day_field: tuple[str, date],
    filters: dict[str, Any],
    ids: list[int] | None,
) -> list[dict[str, Any]]:
    """Items of one workspace and business day matching every given filter (names match by substring)."""
    day_key, day = day_field
    return [
        item
        for item in items
        if item["ProjectId"] == project_id
        and state.biz_day(item[day_key]) == day
        and all(_matches(item[key], value, key) for key, value in filters.items())
        and (ids is None or item["Id"] in ids)
    ]


def _matches(actual: Any, wanted: Any, key: str) -> bool:
    """An unset filter matches anything; names match by substring, everything else exactly."""
    if wanted is None:
        return True
    return wanted in actual if key in ("Name", "TaskName") else bool(actual == wanted)


def _create_biz_dates(state: EmulatorState, params: Params) -> list[int]:
    """Expand ``Periods.BizDates`` ranges into one business date per day (default: yesterday on the clock)."""
    periods = json_param(params, "Periods")
    if periods is None:
        return [state.default_biz_date_ms()]
    ranges = periods.get("BizDates") if isinstance(periods, dict) else None
    if not isinstance(ranges, list) or not ranges:
        raise invalid_parameter("Periods", "it needs a non-empty BizDates list.")
    days: list[date] = []
    for entry in ranges:
        try:
            start = date.fromisoformat(entry["StartBizDate"])
            end = date.fromisoformat(entry.get("EndBizDate", entry["StartBizDate"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise invalid_parameter(
                "Periods", "each BizDates entry needs StartBizDate and EndBizDate as yyyy-mm-dd."
            ) from None
        if end < start:
            raise invalid_parameter("Periods", f"EndBizDate {end} is before StartBizDate {start}.")
        days.extend(start + timedelta(days=offset) for offset in range((end - start).days + 1))
    unique = list(dict.fromkeys(days))
    if len(unique) > MAX_CREATE_DATES:
        raise invalid_parameter("Periods", f"at most {MAX_CREATE_DATES} business dates can be run at once.")
    return [state.biz_date_ms(day) for day in unique]


def create_workflow_instances(state: EmulatorState, params: Params) -> dict[str, Any]:
    """CreateWorkflowInstances: start an asynchronous operation making one instance per business day."""
    name = required_text(params, "Name")
    if len(name) > MAX_NAME_LENGTH:
        raise invalid_parameter("Name", f"it is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed.")
    project_id = required_int(params, "ProjectId")
    instance_type = required_text(params, "Type")
    if instance_type not in CREATE_TYPES:
        raise invalid_parameter("Type", f"expected one of {', '.join(CREATE_TYPES)}.")
    workflow_id = required_int(params, "WorkflowId")
    env_type = choice_param(params, "EnvType", ENV_TYPES) or "Prod"
    biz_dates = _create_biz_dates(state, params)
    run_properties = json_param(params, "DefaultRunProperties")
    if run_properties is not None and not isinstance(run_properties, dict):
        raise invalid_parameter("DefaultRunProperties", "expected a JSON object.")
    try:
        tags = check_tags(json_param(params, "Tags"))
    except ValueError as exc:
        raise invalid_parameter("Tags", str(exc)) from None
    workflow = state.workflow(workflow_id)
    if workflow is None:
        raise invalid_parameter("WorkflowId", f"the workflow {workflow_id} does not exist.")
    if workflow.project_id != project_id:
        raise invalid_parameter("ProjectId", f"the workflow {workflow_id} is not in workspace {project_id}.")
    operation_id = state.start_create_operation(
        workflow=workflow,
        name=name,
        type=instance_type,
        env_type=env_type,
        biz_dates=biz_dates,
        workflow_parameters=optional_text(params, "WorkflowParameters") or "",
        tags=tags,
        auto_start=_bool(params, "AutoStartEnabled", True),
    )
    return {"OperationId": operation_id}


def get_create_workflow_instances_result(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetCreateWorkflowInstancesResult: ``Creating`` for ``creating_reads`` reads, then the result."""
    operation_id = required_text(params, "OperationId")
    result = state.read_create_operation(operation_id)
    if result is None:
        raise ApiError(400, "InvalidParameter.NotExist.Operation", f"The operation does not exist: {operation_id}.")
    return {"Result": result}


def stop_workflow_instances(state: EmulatorState, params: Params) -> dict[str, Any]:
    """StopWorkflowInstances: stop each id, reporting per-id success like the real batch API."""
    ids = _int_list(params, "Ids")
    if not ids:
        raise missing_parameter("Ids")
    info = {}
    for instance_id in ids:
        success, message = state.stop_workflow_instance(instance_id)
        info[str(instance_id)] = {"Success": success, "Message": message}
    return {"SuccessInfo": info}


def list_task_instances(state: EmulatorState, params: Params) -> dict[str, Any]:
    """ListTaskInstances: task instances of a workspace and business day, filtered, sorted and paged.

    Naming instances in ``Ids`` reads each of them as GetTaskInstance does (a "reads" timeline moves one step).
    """
    project_id = required_int(params, "ProjectId")
    day = _biz_day(state, params, "Bizdate")
    filters: dict[str, Any] = {
        "Id": optional_int(params, "Id"),
        "TaskId": optional_int(params, "TaskId"),
        "WorkflowId": optional_int(params, "WorkflowId"),
        "WorkflowInstanceId": optional_int(params, "WorkflowInstanceId"),
        "WorkflowInstanceType": choice_param(params, "WorkflowInstanceType", INSTANCE_TYPES),
        "Status": choice_param(params, "Status", TASK_INSTANCE_STATUSES),
        "ProjectEnv": choice_param(params, "ProjectEnv", ENV_TYPES),
        "Owner": optional_text(params, "Owner"),
        "TriggerRecurrence": optional_text(params, "TriggerRecurrence"),
        "TriggerType": optional_text(params, "TriggerType"),
    }
    filters["TaskName"] = optional_text(params, "TaskName")
    task_ids = _int_list(params, "TaskIds")
    ids = _int_list(params, "Ids")
    items = _matching(state, state.task_instances(), project_id, ("Bizdate", day), filters, ids)
    if ids is not None:
        items = [read for read in (state.task_instance(item["Id"], read=True) for item in items) if read]
    if task_ids is not None:
        items = [item for item in items if item["TaskId"] in task_ids]
    return {"PagingInfo": paging_info(_sorted(items, params), page_param(params, 500), "TaskInstances")}


def _task_instance_not_found(task_instance_id: int) -> ApiError:
    """Build the error for an unknown task instance id."""
    return ApiError(
        400,
        "InvalidParameter.NotExist.TaskInstance",
        f"The task instance does not exist: {task_instance_id}.",
    )


def get_task_instance(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetTaskInstance: one task instance by Id (advances a node's own "reads" timeline)."""
    task_instance_id = required_int(params, "Id")
    task = state.task_instance(task_instance_id, read=True)
    if task is None:
        raise _task_instance_not_found(task_instance_id)
    return {"TaskInstance": task}


def get_task_instance_log(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetTaskInstanceLog: the log of a task instance's latest run (earlier RunNumbers give the same text)."""
    task_instance_id = required_int(params, "Id")
    run_number = optional_int(params, "RunNumber")
    task = state.task_instance(task_instance_id)
    log = state.task_instance_log(task_instance_id)
    if task is None or log is None:
        raise _task_instance_not_found(task_instance_id)
    if run_number is not None and not 1 <= run_number <= task["RunNumber"]:
        raise invalid_parameter("RunNumber", f"task instance {task_instance_id} has runs 1 to {task['RunNumber']}.")
    return {"TaskInstanceLog": log}


def list_projects(state: EmulatorState, params: Params) -> dict[str, Any]:
    """ListProjects: the workspaces the world mentions (a cheap call for connection tests)."""
    ids = _int_list(params, "Ids")
    page = page_param(params, 100)
    projects = [
        {
            "Id": project_id,
            "Name": f"emulator_project_{project_id}",
            "DisplayName": f"Emulator project {project_id}",
            "Description": "Workspace served by the local DataWorks emulator.",
            "Owner": "1000",
            "Status": "Available",
            "DevEnvironmentEnabled": True,
            "DevRoleDisabled": False,
            "PaiTaskEnabled": False,
            "AliyunResourceGroupId": "rg-emulator",
            "AliyunResourceTags": [],
        }
        for project_id in state.project_ids()
        if ids is None or project_id in ids
    ]
    return {"PagingInfo": paging_info(projects, page, "Projects")}


def rerun_workflow_instances(state: EmulatorState, params: Params) -> dict[str, Any]:
    """RerunWorkflowInstances: rerun finished instances (by Ids, else by workflow, type and date) asynchronously."""
    project_id = required_int(params, "ProjectId")
    instance_type = required_text(params, "Type")
    if instance_type not in RERUN_TYPES:
        raise invalid_parameter("Type", f"expected one of {', '.join(RERUN_TYPES)}.")
    workflow_id = required_int(params, "WorkflowId")
    env_type = choice_param(params, "EnvType", ENV_TYPES)
    biz_date = optional_int(params, "Bizdate")
    rerun_filter = json_param(params, "Filter")
    if rerun_filter is not None and not isinstance(rerun_filter, dict):
        raise invalid_parameter("Filter", "expected a JSON object.")
    statuses = (rerun_filter or {}).get("TaskInstanceStatuses")
    if statuses is not None and (
        not isinstance(statuses, list) or any(status not in TASK_INSTANCE_STATUSES for status in statuses)
    ):
        allowed = ", ".join(TASK_INSTANCE_STATUSES)
        raise invalid_parameter("Filter", f"TaskInstanceStatuses must list values of {allowed}.")
    matching = state.find_instance_ids(
        project_id=project_id, workflow_id=workflow_id, type=instance_type, env_type=env_type, biz_date=biz_date
    )
    ids = _int_list(params, "Ids")
    chosen = matching if ids is None else ids
    if ids is not None:
        unknown = [instance_id for instance_id in ids if instance_id not in matching]
        if unknown:
            raise invalid_parameter(
                "Ids",
                f"the workflow instance {unknown[0]} is not a {instance_type} instance of workflow {workflow_id} "
                f"in workspace {project_id}.",
            )
    return {"OperationId": state.start_rerun_operation(chosen, statuses)}


def get_rerun_workflow_instances_result(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetRerunWorkflowInstancesResult: ``NotRun`` on the first read, then ``Success`` or ``Failure``."""
    operation_id = required_text(params, "OperationId")
    result = state.read_rerun_operation(operation_id)
    if result is None:
        raise ApiError(400, "InvalidParameter.NotExist.Operation", f"The operation does not exist: {operation_id}.")
    return {"Result": result}


def trigger_scheduler_task_instance(state: EmulatorState, params: Params) -> dict[str, Any]:
    """TriggerSchedulerTaskInstance: fire an HTTP trigger node's instance by TaskId and TriggerTime (epoch ms)."""
    task_id = required_int(params, "TaskId")
    trigger_time = required_int(params, "TriggerTime")
    env_type = choice_param(params, "EnvType", ENV_TYPES) or "Prod"
    return {"Success": state.trigger_task_instance(task_id, trigger_time, env_type)}


ACTIONS: dict[str, Handler] = {
    "GetWorkflowInstance": get_workflow_instance,
    "ListWorkflowInstances": list_workflow_instances,
    "CreateWorkflowInstances": create_workflow_instances,
    "GetCreateWorkflowInstancesResult": get_create_workflow_instances_result,
    "StopWorkflowInstances": stop_workflow_instances,
    "ListTaskInstances": list_task_instances,
    "GetTaskInstance": get_task_instance,
    "GetTaskInstanceLog": get_task_instance_log,
    "ListProjects": list_projects,
    "RerunWorkflowInstances": rerun_workflow_instances,
    "GetRerunWorkflowInstancesResult": get_rerun_workflow_instances_result,
    "TriggerSchedulerTaskInstance": trigger_scheduler_task_instance,
    **QUALITY_ACTIONS,
}
