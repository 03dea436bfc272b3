"""Data-quality scans over the real SDK: runs through their timelines, results, List, the log, errors and faults."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from emulator_requests import create_scan_run

from dataworks_emulator import DataWorksEmulator, EmulatorControl, EmulatorControlError, Scenario, ScenarioError
from dataworks_emulator.models.quality_log import LOG_PAGE_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.timeout(30)

NOT_EMPTY = {"name": "orders not empty", "assertion": "row_count > 0", "severity": "High", "check_value": "1234"}
NULLS = {
    "name": "amount nulls",
    "assertion": "null_ratio(amount)",
    "warn": "when > 1%",
    "fail": "when > 10%",
    "check_value": "0.12",
    "reference_value": "0.01",
}


def _get(client: Any, models: Any, run_id: int) -> Any:
    """Read a run with GetDataQualityScanRun; return the parsed DataQualityScanRun model."""
    return client.get_data_quality_scan_run(models.GetDataQualityScanRunRequest(id=run_id)).body.data_quality_scan_run


def _list(client: Any, models: Any, **filters: Any) -> Any:
    """List scan runs of workspace 100 with ListDataQualityScanRuns; return the parsed PageInfo model."""
    request = models.ListDataQualityScanRunsRequest(project_id=100, **filters)
    return client.list_data_quality_scan_runs(request).body.page_info


def _log(client: Any, models: Any, run_id: int, offset: int | None = None) -> Any:
    """Read one log segment with GetDataQualityScanRunLog; return the parsed LogSegment model."""
    request = models.GetDataQualityScanRunLogRequest(id=run_id, offset=offset)
    return client.get_data_quality_scan_run_log(request).body.log_segment


@pytest.mark.parametrize(
    ("outcomes", "final"),
    [
        (("Pass", "Pass"), "Pass"),
        (("Pass", "Warn"), "Warn"),
        (("Warn", "Fail"), "Fail"),
        (("Fail", "Error"), "Error"),
    ],
)
def test_create_then_get_through_the_timeline_to_each_terminal_status(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any, outcomes: tuple[str, str], final: str
) -> None:
    rules = [{**NOT_EMPTY, "status": outcomes[0]}, {**NULLS, "status": outcomes[1]}]
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=rules)
    run_id = create_scan_run(client, models)
    assert run_id > 2**53

    running = _get(client, models, run_id)
    assert (running.id, running.status, running.finish_time) == (run_id, "Running", None)
    assert [(r.status, r.details) for r in running.results] == [("Running", []), ("Running", [])]
    assert [(p.name, p.value) for p in running.parameters] == [("triggerTime", "1775812636000")]

    ended = _get(client, models, run_id)
    assert isinstance(ended, models.GetDataQualityScanRunResponseBodyDataQualityScanRun)
    assert ended.status == final and ended.finish_time >= ended.create_time
    first, second = ended.results
    assert isinstance(second.details[0], models.GetDataQualityScanRunResponseBodyDataQualityScanRunResultsDetails)
    assert (first.status, first.details[0].check_value, first.details[0].status) == (outcomes[0], "1234", outcomes[0])
    assert (second.details[0].check_value, second.details[0].reference_value) == ("0.12", "0.01")
    assert (second.status, second.sample, second.create_time) == (outcomes[1], "0.12", ended.finish_time)
    assert '"fail": "when > 10%"' in second.rule and '"name": "amount nulls"' in second.rule
    assert (ended.scan.id, ended.scan.name, ended.scan.project_id) == (301, "orders_quality", 100)
    assert "assertion: null_ratio(amount)" in ended.scan.spec
    assert _get(client, models, run_id).status == final  # the last status sticks
    assert len(dataworks_emulator.calls("GetDataQualityScanRun")) == 3


def test_timeline_by_seconds_and_scripted_statuses(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_data_quality_scan(
        id=301, name="orders_quality", rules=[NOT_EMPTY], statuses=["Running", "Running", "Warn"], advance=30
    )
    run_id = create_scan_run(client, models)
    assert [_get(client, models, run_id).status for _ in range(3)] == ["Running"] * 3
    dataworks_emulator.advance_clock(60)
    run = _get(client, models, run_id)
    assert (run.status, run.finish_time - run.create_time) == ("Warn", 60_000)
    assert run.results[0].status == "Pass"  # the scripted run status and the rule outcomes are independent


def test_a_run_keeps_the_scan_snapshot_it_started_with(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[{**NULLS, "status": "Fail"}])
    failed = create_scan_run(client, models)
    dataworks_emulator.advance_clock(5)
    dataworks_emulator.update_data_quality_scan(301, rules=[{**NULLS, "status": "Pass", "check_value": "0.001"}])
    fixed = create_scan_run(client, models)
    assert [_get(client, models, run_id).status for run_id in (failed, fixed)] == ["Running", "Running"]
    assert [_get(client, models, run_id).status for run_id in (failed, fixed)] == ["Fail", "Pass"]
    assert dataworks_emulator.data_quality_scan_run(failed)["Results"][0]["Details"][0]["CheckValue"] == "0.12"
    assert dataworks_emulator.data_quality_scan_run(fixed)["Results"][0]["Details"][0]["CheckValue"] == "0.001"
    scan = client.get_data_quality_scan(models.GetDataQualityScanRequest(id=301)).body.data_quality_scan
    assert scan.modify_time - scan.create_time >= 5000
    assert dataworks_emulator.data_quality_scan_run(failed)["Scan"]["ModifyTime"] == scan.create_time
    with pytest.raises(ValueError, match="rule status"):
        dataworks_emulator.update_data_quality_scan(301, rules=[{"name": "r", "status": "Passed"}])
    assert dataworks_emulator.data_quality_scan_runs(301)[-1]["Scan"]["Spec"].count("name: amount nulls") == 1
    with pytest.raises(KeyError):
        dataworks_emulator.update_data_quality_scan(999, name="x")


def test_list_filters_sorting_and_paging(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[NOT_EMPTY])
    dataworks_emulator.add_data_quality_scan(id=302, name="users_quality")
    dataworks_emulator.add_data_quality_scan(id=303, name="elsewhere", project_id=200)
    base = 1_767_225_600_000  # 2026-01-01 08:00 +08:00

    def add(scan_id: int, minute: int, statuses: list[str], **run: Any) -> int:
        return dataworks_emulator.add_data_quality_scan_run(
            scan_id, statuses=statuses, create_time=base + minute * 60_000, **run
        )

    a = add(301, 0, ["Pass"])
    b = add(301, 10, ["Fail"], parameters={"triggerTime": base + 600_000})
    c = add(301, 20, ["Running"], task_instance_id=8_106_479_329_266_893_001, run_number=2)
    d = add(302, 5, ["Pass"])
    add(303, 5, ["Pass"])

    def ids(**filters: Any) -> list[int]:
        return [run.id for run in _list(client, models, **filters).data_quality_scan_runs]

    assert ids() == [a, b, c, d]  # Id Asc by default
    assert ids(data_quality_scan_id=301, sort_by="CreateTime Desc") == [c, b, a]
    assert ids(sort_by="CreateTime") == [a, d, b, c]
    assert ids(create_time_from=base + 5 * 60_000, create_time_to=base + 10 * 60_000) == [b, d]
    assert ids(status="Pass") == [a, d]
    assert ids(filter={"TaskInstanceId": 8_106_479_329_266_893_001}) == [c]
    assert ids(filter={"RunNumber": 2, "TaskInstanceId": 1}) == []
    assert ids(data_quality_scan_id=999) == []

    page = _list(client, models, page_number=2, page_size=3)
    assert isinstance(page, models.ListDataQualityScanRunsResponseBodyPageInfo)
    assert (page.page_number, page.page_size, page.total_count, [r.id for r in page.data_quality_scan_runs]) == (
        2,
        3,
        4,
        [d],
    )
    listed_b = _list(client, models, status="Fail").data_quality_scan_runs[0]
    assert isinstance(listed_b, models.ListDataQualityScanRunsResponseBodyPageInfoDataQualityScanRuns)
    assert (listed_b.status, listed_b.create_time, listed_b.finish_time) == ("Fail", base + 600_000, base + 600_000)
    assert [(p.name, p.value) for p in listed_b.parameters] == [("triggerTime", str(base + 600_000))]
    assert "Results" not in listed_b.to_map() and "Scan" not in listed_b.to_map()
    assert _list(client, models, status="Running").data_quality_scan_runs[0].finish_time is None


def test_list_rejects_bad_parameters(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    for request, parameter in [
        (models.ListDataQualityScanRunsRequest(), "ProjectId"),
        (models.ListDataQualityScanRunsRequest(project_id=100, sort_by="FinishTime Desc"), "SortBy"),
        (models.ListDataQualityScanRunsRequest(project_id=100, status="Passed"), "Status"),
        (models.ListDataQualityScanRunsRequest(project_id=100, filter={"TaskName": "x"}), "Filter"),
        (models.ListDataQualityScanRunsRequest(project_id=100, page_size=101), "PageSize"),
    ]:
        with pytest.raises(ClientException) as excinfo:
            client.list_data_quality_scan_runs(request)
        assert excinfo.value.status_code == 400 and f'"{parameter}"' in excinfo.value.message


def test_a_created_run_is_listed_only_after_the_listing_delay(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[NOT_EMPTY])
    dataworks_emulator.add_data_quality_scan(id=302, name="slow_index", listing_delay=30)
    run_id = create_scan_run(client, models)
    slow_id = create_scan_run(client, models, scan_id=302)
    assert _get(client, models, run_id).status == "Running"  # Get finds it at once
    assert _list(client, models).total_count == 0
    dataworks_emulator.advance_clock(1)  # the suite's creation delay
    assert [run.id for run in _list(client, models).data_quality_scan_runs] == [run_id]
    dataworks_emulator.advance_clock(29)
    assert [run.id for run in _list(client, models).data_quality_scan_runs] == [run_id, slow_id]


def test_lost_answer_on_create_still_creates_the_run_and_list_then_shows_it(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[NOT_EMPTY])
    before = int(dataworks_emulator.now().timestamp() * 1000)
    dataworks_emulator.inject_fault("CreateDataQualityScanRun", "lost_answer")
    with pytest.raises(UnretryableException):
        create_scan_run(client, models, trigger_time="1775812636000")
    (call,) = dataworks_emulator.calls("CreateDataQualityScanRun")
    assert (call.status, call.fault, call.params["DataQualityScanId"]) == (0, "lost_answer", "301")
    assert _list(client, models, data_quality_scan_id=301).total_count == 0
    dataworks_emulator.advance_clock(1)
    (lost,) = _list(
        client, models, data_quality_scan_id=301, create_time_from=before, sort_by="CreateTime Desc"
    ).data_quality_scan_runs
    assert [(p.name, p.value) for p in lost.parameters] == [("triggerTime", "1775812636000")]
    again = create_scan_run(client, models, trigger_time="1775812636000")  # no token: a second run
    dataworks_emulator.advance_clock(1)
    assert [run.id for run in _list(client, models, data_quality_scan_id=301).data_quality_scan_runs] == [
        lost.id,
        again,
    ]
    assert len(dataworks_emulator.calls("CreateDataQualityScanRun")) == 2


def test_late_answer_on_create_after_the_read_timeout_still_creates_the_run(
    dataworks_emulator: DataWorksEmulator, make_client: Any, models: Any
) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality")
    dataworks_emulator.inject_fault("CreateDataQualityScanRun", "late_answer", delay=1.0)
    with pytest.raises(UnretryableException) as excinfo:
        create_scan_run(make_client(dataworks_emulator, read_timeout=300), models)
    assert "timed out" in str(excinfo.value).lower()
    assert len(dataworks_emulator.data_quality_scan_runs(301)) == 1


def test_log_pages_by_next_offset_to_the_end(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    first_line = "2026-01-01 08:00:00 INFO - Data quality scan started.\n"
    straddling = "x" * (LOG_PAGE_BYTES - len(first_line) - 1) + "✓ checked\n"  # ✓ spans the 512 KB boundary
    text = first_line + straddling + "".join(f"partition {i:06d} ok {'y' * 60}\n" for i in range(9_000))
    assert 2 * LOG_PAGE_BYTES < len(text.encode()) < 3 * LOG_PAGE_BYTES
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", statuses=["Running", "Fail"], log=text)
    run_id = create_scan_run(client, models)

    segment = _log(client, models, run_id)
    assert isinstance(segment, models.GetDataQualityScanRunLogResponseBodyLogSegment)
    assert (segment.log, segment.next_offset) == (first_line, len(first_line.encode()))
    at_end = _log(client, models, run_id, segment.next_offset)  # still running: the log may grow, never -1
    assert (at_end.log, at_end.next_offset) == ("", segment.next_offset)

    assert _get(client, models, run_id).status == "Running"
    assert _get(client, models, run_id).status == "Fail"
    pages, offset = [], 0
    while offset != -1:
        segment = _log(client, models, run_id, offset)
        assert len(segment.log.encode()) <= LOG_PAGE_BYTES
        pages.append(segment.log)
        offset = segment.next_offset
    assert len(pages) == 3 and "".join(pages) == text
    assert len(pages[0].encode()) == LOG_PAGE_BYTES - 1  # a page never ends inside a character
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as excinfo:
        _log(client, models, run_id, len(text.encode()) + 1)
    assert (excinfo.value.code, '"Offset"' in excinfo.value.message) == ("InvalidParameter", True)


def test_the_written_log_names_each_rule_with_its_values(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    rules = [NOT_EMPTY, {**NULLS, "status": "Fail"}]
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=rules, advance=10)
    run_id = create_scan_run(client, models)
    running = _log(client, models, run_id)
    assert running.log.count("\n") == 1 and f"run {run_id} started" in running.log
    dataworks_emulator.advance_clock(10)
    ended = _log(client, models, run_id)
    assert ended.next_offset == -1 and ended.log.startswith(running.log)
    assert (
        "ERROR - Rule 'amount nulls' (null_ratio(amount); warn: when > 1%; fail: when > 10%): "
        "check value 0.12, reference value 0.01 -> Fail." in ended.log
    )
    assert f"run {run_id} finished with status Fail." in ended.log


def test_unknown_ids_and_refused_creates(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality")

    def refused(call: Callable[[], Any]) -> tuple[int, str, str]:
        with pytest.raises(ClientException) as excinfo:
            call()
        return excinfo.value.status_code, excinfo.value.code, excinfo.value.message

    status, code, message = refused(lambda: create_scan_run(client, models, scan_id=999))
    assert (status, code) == (400, "InvalidParameter") and '"DataQualityScanId"' in message and "999" in message
    wrong_project = models.CreateDataQualityScanRunRequest(
        data_quality_scan_id=301,
        project_id=200,
        parameters=[models.CreateDataQualityScanRunRequestParameters(name="triggerTime", value="1775812636")],
    )
    assert '"ProjectId"' in refused(lambda: client.create_data_quality_scan_run(wrong_project))[2]
    for parameters in ([], [models.CreateDataQualityScanRunRequestParameters(name="dt", value="$[yyyy-mm-dd-1]")]):
        request = models.CreateDataQualityScanRunRequest(data_quality_scan_id=301, parameters=parameters or None)
        assert '"Parameters"' in refused(lambda request=request: client.create_data_quality_scan_run(request))[2]
    not_a_time = models.CreateDataQualityScanRunRequestParameters(name="triggerTime", value="yesterday")
    bad_time = models.CreateDataQualityScanRunRequest(data_quality_scan_id=301, parameters=[not_a_time])
    assert "timestamp" in refused(lambda: client.create_data_quality_scan_run(bad_time))[2]
    assert refused(lambda: _get(client, models, 42))[:2] == (400, "InvalidParameter.NotExist.DataQualityScanRun")
    assert refused(lambda: _log(client, models, 42))[:2] == (400, "InvalidParameter.NotExist.DataQualityScanRun")
    missing_scan = models.GetDataQualityScanRequest(id=999)
    assert refused(lambda: client.get_data_quality_scan(missing_scan))[:2] == (
        400,
        "InvalidParameter.NotExist.DataQualityScan",
    )
    assert dataworks_emulator.data_quality_scan_runs() == []


def test_get_and_list_scans(dataworks_emulator: DataWorksEmulator, client: Any, models: Any, signed: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    dataworks_emulator.add_data_quality_scan(
        id=301,
        name="orders_quality",
        table="ods_orders",
        rules=[NOT_EMPTY],
        parameters={"triggerTime": "$[yyyymmddhh24miss]"},
        trigger_task_ids=[5010],
        description="Orders are complete.",
    )
    dataworks_emulator.add_data_quality_scan(id=302, name="orders_quality_copy", table="ods_users")
    scan = client.get_data_quality_scan(models.GetDataQualityScanRequest(id=301)).body.data_quality_scan
    assert isinstance(scan, models.GetDataQualityScanResponseBodyDataQualityScan)
    assert (scan.name, scan.description, scan.owner, scan.trigger.type, scan.trigger.task_ids) == (
        "orders_quality",
        "Orders are complete.",
        "1000",
        "BySchedule",
        [5010],
    )
    assert scan.hooks[0].type == "BlockTaskInstance" and "r.rule.severity" in scan.hooks[0].condition
    assert (scan.runtime_resource.cu, scan.compute_resource.env_type) == (0.25, "Prod")
    assert [(p.name, p.value) for p in scan.parameters] == [("triggerTime", "$[yyyymmddhh24miss]")]
    assert "- ods_orders" in scan.spec and "name: orders not empty" in scan.spec

    def names(**query: Any) -> list[str]:
        request = models.ListDataQualityScansRequest(project_id=100, page_number=1, page_size=10, **query)
        page = client.list_data_quality_scans(request).body.page_info
        return [item.name for item in page.data_quality_scans]

    assert names(name="ORDERS_quality") == ["orders_quality", "orders_quality_copy"]  # fuzzy: compare exactly yourself
    assert names(table="users", sort_by="Id Desc") == ["orders_quality_copy"]
    query = {"ProjectId": "100", "PageNumber": "1", "PageSize": "10"}
    raw = signed(dataworks_emulator, "ListDataQualityScans", method="POST", query=query).send().json()
    listed = raw["PageInfo"]["DataQualityScans"][0]
    assert "Spec" not in listed and set(listed) | {"Spec"} == set(scan.to_map())  # the Get fields without Spec
    with pytest.raises(ClientException) as excinfo:
        client.list_data_quality_scans(models.ListDataQualityScansRequest(project_id=100))
    assert excinfo.value.code == "MissingParameter" and "PageNumber" in excinfo.value.message


@pytest.mark.parametrize(
    ("action", "kind", "options", "error"),
    [
        ("CreateDataQualityScanRun", "throttle", {}, "ClientException"),
        ("GetDataQualityScanRun", "server_error", {}, "ServerException"),
        ("ListDataQualityScanRuns", "throttle", {"retry_after_ms": 1500}, "ThrottlingException"),
        ("GetDataQualityScanRunLog", "html_502", {}, "UnretryableException"),
        ("GetDataQualityScan", "malformed_json", {}, "UnretryableException"),
        ("ListDataQualityScans", "drop", {}, "UnretryableException"),
        ("GetDataQualityScanRun", "slow", {"delay": 1.0}, "UnretryableException"),
    ],
)
def test_a_fault_on_each_action(
    dataworks_emulator: DataWorksEmulator,
    make_client: Any,
    models: Any,
    action: str,
    kind: str,
    options: dict[str, Any],
    error: str,
) -> None:
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[NOT_EMPTY])
    run_id = dataworks_emulator.add_data_quality_scan_run(301)
    client = make_client(dataworks_emulator, read_timeout=500)
    calls: dict[str, Callable[[], Any]] = {
        "CreateDataQualityScanRun": lambda: create_scan_run(client, models),
        "GetDataQualityScanRun": lambda: _get(client, models, run_id),
        "ListDataQualityScanRuns": lambda: _list(client, models),
        "GetDataQualityScanRunLog": lambda: _log(client, models, run_id),
        "GetDataQualityScan": lambda: client.get_data_quality_scan(models.GetDataQualityScanRequest(id=301)),
        "ListDataQualityScans": lambda: client.list_data_quality_scans(
            models.ListDataQualityScansRequest(project_id=100, page_number=1, page_size=10)
        ),
    }
    dataworks_emulator.inject_fault(action, kind, **options)
    with pytest.raises(Exception) as excinfo:
        calls[action]()
    assert type(excinfo.value).__name__ == error
    assert calls[action]() is not None
    assert sorted(call.fault or "" for call in dataworks_emulator.calls(action)) == sorted([kind, ""])
    expected_runs = 2 if action == "CreateDataQualityScanRun" else 1  # a refused create has no effect
    assert len(dataworks_emulator.data_quality_scan_runs(301)) == expected_runs


def test_async_sdk_calls(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_data_quality_scan(id=301, name="orders_quality", rules=[NOT_EMPTY])
    run_id = dataworks_emulator.add_data_quality_scan_run(301, statuses=["Pass"])

    async def read() -> tuple[str, int]:
        run = await client.get_data_quality_scan_run_async(models.GetDataQualityScanRunRequest(id=run_id))
        log = await client.get_data_quality_scan_run_log_async(models.GetDataQualityScanRunLogRequest(id=run_id))
        return run.body.data_quality_scan_run.status, log.body.log_segment.next_offset

    assert asyncio.run(read()) == ("Pass", -1)


def test_python_api_validation(dataworks_emulator: DataWorksEmulator) -> None:
    add = dataworks_emulator.add_data_quality_scan
    add(id=301, name="orders_quality")
    with pytest.raises(ValueError, match="already exists"):
        add(id=301, name="again")
    with pytest.raises(ValueError, match="rule status must be one of Error, Fail, Warn, Pass, got 'Failed'"):
        add(id=302, name="x", rules=[{"name": "r", "status": "Failed"}])
    with pytest.raises(ValueError, match="Unknown rule key 'threshold'"):
        add(id=302, name="x", rules=[{"name": "r", "threshold": "> 0"}])
    with pytest.raises(ValueError, match="Unknown status 'Success'"):
        add(id=302, name="x", statuses=["Running", "Success"])
    with pytest.raises(ValueError, match="unique"):
        add(id=302, name="x", rules=[{"name": "r"}, {"name": "r"}])
    with pytest.raises(ValueError, match="No data quality scan has id 999"):
        dataworks_emulator.add_data_quality_scan_run(999)
    with pytest.raises(KeyError):
        dataworks_emulator.data_quality_scan_run(42)
    run_id = dataworks_emulator.add_data_quality_scan_run(301, create_time=1_767_225_600_000)
    assert dataworks_emulator.data_quality_scan_run(run_id)["Parameters"] == [
        {"Name": "triggerTime", "Value": "1767225600000"}
    ]


def test_control_client_and_scenario(make_client: Any, models: Any) -> None:
    scenario = {
        "data_quality_scans": [
            {"id": 301, "name": "orders_quality", "rules": [{"name": "not empty", "status": "Fail", "check_value": 0}]}
        ],
        "data_quality_scan_runs": [{"data_quality_scan_id": 301, "id": 5001, "statuses": ["Fail"]}],
    }
    with DataWorksEmulator(scenario) as emulator:
        control = EmulatorControl(emulator.url)
        client = make_client(emulator)
        run = _get(client, models, 5001)
        assert (run.status, run.results[0].details[0].check_value) == ("Fail", "0")
        scan_id = control.add_data_quality_scan(id=302, name="users_quality", statuses=["Running", "Pass"])
        run_id = control.add_data_quality_scan_run(scan_id, parameters={"triggerTime": "1775812636"})
        assert control.data_quality_scan_run(run_id)["Status"] == "Running"
        control.update_data_quality_scan(scan_id, description="changed")
        assert client.get_data_quality_scan(models.GetDataQualityScanRequest(id=302)).body.data_quality_scan.description
        with pytest.raises(EmulatorControlError, match="404"):
            control.data_quality_scan_run(42)
        with pytest.raises(EmulatorControlError, match=r"400.*rule status"):
            control.add_data_quality_scan(id=303, name="x", rules=[{"name": "r", "status": "Bad"}])
        control.reset()
        with pytest.raises(EmulatorControlError, match="404"):
            control.data_quality_scan_run(run_id)
        assert control.data_quality_scan_run(5001)["Status"] == "Fail"
    with pytest.raises(ScenarioError, match=r"Unknown key 'rule' in data_quality_scans\[0\]"):
        Scenario.from_dict({"data_quality_scans": [{"id": 1, "name": "x", "rule": []}]})


def test_the_bundled_data_quality_scenario(make_client: Any, models: Any) -> None:
    with DataWorksEmulator("data_quality") as emulator:
        client = make_client(emulator)
        assert _get(client, models, 5001).status == "Running"
        run_id = create_scan_run(client, models)
        emulator.advance_clock(2)
        for existing in (5001, run_id):
            run = _get(client, models, existing)
            assert (run.status, [r.status for r in run.results]) == ("Warn", ["Pass", "Warn"])
        assert run.results[0].details[0].check_value == "1024"
        assert "warn: when > 1%" in run.scan.spec and run.scan.name == "ods_orders_quality"
