"""Handlers of the data-quality scan actions: start, read, list and page the log of scan runs; read and list scans.

Shapes and parameters follow the reference (``data-quality.md``). CreateDataQualityScanRun has no client token, so
every accepted call starts another run. Where the reference is silent the emulator is strict: ``Parameters`` must
carry ``triggerTime`` (a timestamp, digits) and nothing else ("other scheduling parameters are not supported"); a
create for an unknown scan is HTTP 400 ``InvalidParameter`` naming ``DataQualityScanId``; an unknown run or scan
``Id`` is HTTP 400 ``InvalidParameter.NotExist.DataQualityScanRun`` / ``...DataQualityScan`` (the emulator's
convention for unknown ids); List sorts by ``Id Asc`` unless told otherwise and pages at most 100 items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dataworks_emulator.errors import ApiError, invalid_parameter
from dataworks_emulator.models.quality import SCAN_RUN_STATUSES
from dataworks_emulator.models.quality_log import log_segment
from dataworks_emulator.models.quality_scans import RunFilter
from dataworks_emulator.params import (
    Params,
    choice_param,
    json_param,
    optional_int,
    optional_text,
    page_param,
    paging_info,
    required_int,
)

if TYPE_CHECKING:
    from dataworks_emulator.models.state import EmulatorState

TRIGGER_TIME = "triggerTime"
RUN_SORT_FIELDS = ("CreateTime", "Id")
SCAN_SORT_FIELDS = ("ModifyTime", "CreateTime", "Id")
FILTER_KEYS = ("TaskInstanceId", "RunNumber")
RUNTIME_RESOURCE_KEYS = ("Id", "Cu", "Image")
MAX_PAGE_SIZE = 100


def _run_parameters(params: Params) -> tuple[tuple[str, str], ...]:
    """Return the run's ``Parameters`` as (Name, Value) pairs: exactly one ``triggerTime`` timestamp."""
    value = json_param(params, "Parameters")
    if value is None:
        raise invalid_parameter("Parameters", f"the {TRIGGER_TIME} parameter is required.")
    if not isinstance(value, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("Name"), str)
        and isinstance(item.get("Value"), (str, int))
        and not isinstance(item.get("Value"), bool)
        for item in value
    ):
        raise invalid_parameter("Parameters", "expected a JSON array of {Name, Value} objects.")
    pairs = tuple((item["Name"], str(item["Value"])) for item in value)
    unsupported = [name for name, _ in pairs if name != TRIGGER_TIME]
    if unsupported:
        raise invalid_parameter("Parameters", f"{unsupported[0]!r} is not supported; only {TRIGGER_TIME} is.")
    if len(pairs) != 1:
        raise invalid_parameter("Parameters", f"the {TRIGGER_TIME} parameter is required, once.")
    if not pairs[0][1].isdigit():
        raise invalid_parameter("Parameters", f"{TRIGGER_TIME} must be a timestamp, got {pairs[0][1]!r}.")
    return pairs


def _check_runtime_resource(params: Params) -> None:
    """Refuse a ``RuntimeResource`` that is not a ``{Id, Cu, Image}`` object (the run takes it as given)."""
    value = json_param(params, "RuntimeResource")
    if value is None:
        return
    if (
        not isinstance(value, dict)
        or set(value) - set(RUNTIME_RESOURCE_KEYS)
        or not isinstance(value.get("Id", ""), str)
        or not isinstance(value.get("Image", ""), str)
        or isinstance(value.get("Cu"), bool)
        or not isinstance(value.get("Cu", 0), (int, float))
    ):
        raise invalid_parameter("RuntimeResource", "expected a JSON object {Id: string, Cu: number, Image: string}.")


def _run_not_found(run_id: int) -> ApiError:
    """Build the error for an unknown scan run id."""
    return ApiError(
        400,
        "InvalidParameter.NotExist.DataQualityScanRun",
        f"The data quality scan run does not exist: {run_id}.",
    )


def _sorted(items: list[dict[str, Any]], params: Params, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Sort by ``SortBy`` ("<Field> [Asc|Desc]", order Asc by default; no SortBy: "Id Asc"), ties by Id."""
    parts = (optional_text(params, "SortBy") or "Id Asc").split()
    order = parts[1] if len(parts) == 2 else "Asc"
    if len(parts) not in (1, 2) or parts[0] not in fields or order not in ("Asc", "Desc"):
        raise invalid_parameter("SortBy", f"expected one of {', '.join(fields)}, optionally followed by Asc or Desc.")
    return sorted(items, key=lambda item: (item[parts[0]], item["Id"]), reverse=order == "Desc")


def _filter_value(run_filter: dict[str, Any], key: str) -> int | None:
    """Return one ``Filter`` key as an integer (a JSON number or digits), None when absent."""
    value = run_filter.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter("Filter", f"{key} must be an integer.")
    return value


def create_data_quality_scan_run(state: EmulatorState, params: Params) -> dict[str, Any]:
    """CreateDataQualityScanRun: start a run of a scan now; answer its Id (no token: a retry starts another run)."""
    scan_id = required_int(params, "DataQualityScanId")
    project_id = optional_int(params, "ProjectId")
    parameters = _run_parameters(params)
    _check_runtime_resource(params)
    scan = state.data_quality_scan(scan_id)
    if scan is None:
        raise invalid_parameter("DataQualityScanId", f"the data quality scan {scan_id} does not exist.")
    if project_id is not None and project_id != scan.project_id:
        raise invalid_parameter("ProjectId", f"the data quality scan {scan_id} is not in workspace {project_id}.")
    return {"Id": state.create_data_quality_scan_run(scan_id, parameters)}


def get_data_quality_scan_run(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetDataQualityScanRun: one run by Id with its results and scan snapshot (advances a "reads" timeline)."""
    run_id = required_int(params, "Id")
    run = state.data_quality_scan_run(run_id, read=True)
    if run is None:
        raise _run_not_found(run_id)
    return {"DataQualityScanRun": run}


def list_data_quality_scan_runs(state: EmulatorState, params: Params) -> dict[str, Any]:
    """ListDataQualityScanRuns: the listed runs of a workspace, filtered, sorted and paged (no Results, no Scan)."""
    project_id = required_int(params, "ProjectId")
    extra = json_param(params, "Filter")
    extra = {} if extra is None else extra
    if not isinstance(extra, dict) or set(extra) - set(FILTER_KEYS):
        raise invalid_parameter("Filter", f"expected a JSON object with keys among {', '.join(FILTER_KEYS)}.")
    run_filter = RunFilter(
        project_id=project_id,
        scan_id=optional_int(params, "DataQualityScanId"),
        created_from=optional_int(params, "CreateTimeFrom"),
        created_to=optional_int(params, "CreateTimeTo"),
        status=choice_param(params, "Status", SCAN_RUN_STATUSES),
        task_instance_id=_filter_value(extra, "TaskInstanceId"),
        run_number=_filter_value(extra, "RunNumber"),
    )
    runs = _sorted(state.list_data_quality_scan_runs(run_filter), params, RUN_SORT_FIELDS)
    return {"PageInfo": paging_info(runs, page_param(params, MAX_PAGE_SIZE), "DataQualityScanRuns")}


def get_data_quality_scan_run_log(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetDataQualityScanRunLog: up to 512 KB of a run's log from byte ``Offset``; NextOffset -1 at the end."""
    run_id = required_int(params, "Id")
    offset = optional_int(params, "Offset") or 0
    log = state.data_quality_scan_run_log(run_id)
    if log is None:
        raise _run_not_found(run_id)
    text, finished = log
    try:
        return {"LogSegment": log_segment(text, offset, finished)}
    except ValueError as exc:
        raise invalid_parameter("Offset", str(exc)) from None


def get_data_quality_scan(state: EmulatorState, params: Params) -> dict[str, Any]:
    """GetDataQualityScan: one scan (monitor) by Id, with its Spec."""
    scan_id = required_int(params, "Id")
    scan = state.data_quality_scan(scan_id)
    if scan is None:
        raise ApiError(
            400, "InvalidParameter.NotExist.DataQualityScan", f"The data quality scan does not exist: {scan_id}."
        )
    return {"DataQualityScan": scan.to_wire()}


def list_data_quality_scans(state: EmulatorState, params: Params) -> dict[str, Any]:
    """ListDataQualityScans: scans of a workspace, Name and Table matched fuzzily, sorted and paged, without Spec."""
    project_id = required_int(params, "ProjectId")
    required_int(params, "PageNumber")
    required_int(params, "PageSize")
    page = page_param(params, MAX_PAGE_SIZE)
    name = (optional_text(params, "Name") or "").lower()
    table = (optional_text(params, "Table") or "").lower()
    scans = [
        scan.to_wire(with_spec=False)
        for scan in state.data_quality_scans()
        if scan.project_id == project_id and name in scan.name.lower() and table in scan.table.lower()
    ]
    return {"PageInfo": paging_info(_sorted(scans, params, SCAN_SORT_FIELDS), page, "DataQualityScans")}


QUALITY_ACTIONS = {
    "CreateDataQualityScanRun": create_data_quality_scan_run,
    "GetDataQualityScanRun": get_data_quality_scan_run,
    "ListDataQualityScanRuns": list_data_quality_scan_runs,
    "GetDataQualityScanRunLog": get_data_quality_scan_run_log,
    "GetDataQualityScan": get_data_quality_scan,
    "ListDataQualityScans": list_data_quality_scans,
}
