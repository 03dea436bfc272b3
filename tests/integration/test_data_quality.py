"""Data-quality gates against the emulator over HTTP: the scan operator (every verdict, blocking and deferrable,
lost create answers, retries, timeouts, kills) and the scan-run sensor (every mode)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from airflow_compat import TaskDeferred
from fake_task_instance import FakeTaskInstance, FakeTaskStateStore

from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.exceptions import DataWorksDataQualityCheckFailed, DataWorksWaitTimeout
from airflow_provider_dataworks.operators.data_quality import DataWorksDataQualityScanOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksDataQualityScanRunSensor
from airflow_provider_dataworks.utils.compat import AirflowSkipException

pytestmark = pytest.mark.timeout(90)

SCAN_ID = 301
TRIGGER_TIME = "1795708800000"
MODES = ("blocking", "deferrable")
NOT_EMPTY = {"name": "orders not empty", "assertion": "row_count > 0", "severity": "High", "check_value": "1024"}
NULLS = {
    "name": "amount nulls",
    "assertion": "null_ratio(amount)",
    "warn": "when > 1%",
    "fail": "when > 10%",
    "check_value": "0.002",
    "reference_value": "0.001",
}


@pytest.fixture
def emu(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))
    return dataworks_emulator


def add_scan(emu: Any, *outcomes: str, log: str = "checking ods_orders\nall rules checked", **more: Any) -> None:
    """Scan 301 with two rules whose outcomes are `outcomes` (default: both pass)."""
    first, second = (*outcomes, "Pass", "Pass")[:2]
    emu.add_data_quality_scan(
        id=SCAN_ID,
        name="ods_orders_quality",
        rules=[{**NOT_EMPTY, "status": first}, {**NULLS, "status": second}],
        log=log,
        **more,
    )


def make_operator(**kwargs: Any) -> DataWorksDataQualityScanOperator:
    defaults = {
        "task_id": "dq",
        "data_quality_scan_id": SCAN_ID,
        "parameters": {"triggerTime": TRIGGER_TIME},
        "poll_interval": 0.2,
        "api_retry_delay": 0.01,
        "api_retry_limit": 2,
        "creation_timeout": 3,
        "timeout": 20,
    }
    return DataWorksDataQualityScanOperator(**{**defaults, **kwargs})


async def first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("the trigger ended without an event")


def run_task(task: Any, context: dict[str, Any], mode: str = "blocking") -> Any:
    """Run one try as Airflow would: blocking, or deferred (the trigger, then a fresh task resumes)."""
    task.deferrable = mode == "deferrable"
    try:
        return task.execute(context)
    except TaskDeferred as deferred:
        event = asyncio.run(first_event(deferred.trigger))
        return getattr(task, deferred.method_name)(context, event)


def scan_runs(emu: Any) -> list[dict[str, Any]]:
    return emu.data_quality_scan_runs(SCAN_ID)


@pytest.mark.parametrize("mode", MODES)
def test_a_passing_scan_returns_its_run_with_the_rule_results(emu, mode: str) -> None:
    add_scan(emu)
    ti = FakeTaskInstance()
    run = run_task(make_operator(), {"ti": ti}, mode)
    assert run["Status"] == "Pass"
    assert [r["Status"] for r in run["Results"]] == ["Pass", "Pass"]
    (created,) = scan_runs(emu)
    assert ti.xcoms["data_quality_scan_run_id"] == run["Id"] == created["Id"]
    assert {p["Name"]: p["Value"] for p in created["Parameters"]} == {"triggerTime": TRIGGER_TIME}
    assert len(emu.calls("CreateDataQualityScanRun")) == 1


def test_trigger_time_defaults_to_the_runs_data_date(emu) -> None:
    add_scan(emu)
    context = {"ti": FakeTaskInstance(), "data_interval_end": datetime(2026, 11, 28, 2, tzinfo=UTC)}
    make_operator(parameters=None).execute(context)
    (created,) = scan_runs(emu)
    zone = dataworks_zone("Asia/Shanghai")
    expected = biz_date_ms(datetime(2026, 11, 27).date(), zone)
    assert {p["Name"]: p["Value"] for p in created["Parameters"]} == {"triggerTime": str(expected)}


@pytest.mark.parametrize("mode", MODES)
def test_a_warning_passes_the_gate_naming_the_warned_rules(emu, caplog, mode: str) -> None:
    add_scan(emu, "Pass", "Warn")
    with caplog.at_level(logging.WARNING):
        run = run_task(make_operator(), {"ti": FakeTaskInstance()}, mode)
    assert run["Status"] == "Warn"
    assert "passed with warnings" in caplog.text and "'amount nulls': Warn" in caplog.text


def test_a_warning_fails_the_gate_with_fail_on_warn(emu) -> None:
    add_scan(emu, "Pass", "Warn")
    with pytest.raises(DataWorksDataQualityCheckFailed, match="fail_on_warn") as raised:
        make_operator(fail_on_warn=True).execute({"ti": FakeTaskInstance()})
    assert "'amount nulls': Warn, check value 0.002 (reference 0.001)" in str(raised.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("verdict", ["Fail", "Error"])
def test_fail_and_error_fail_the_task_naming_rules_thresholds_and_the_log(emu, mode: str, verdict: str) -> None:
    add_scan(emu, "Pass", verdict, log="checking ods_orders\nnull ratio of amount is 0.2")
    with pytest.raises(DataWorksDataQualityCheckFailed) as raised:
        run_task(make_operator(), {"ti": FakeTaskInstance()}, mode)
    message = str(raised.value)
    (run,) = scan_runs(emu)
    assert f"scan 'ods_orders_quality' ({SCAN_ID}), run {run['Id']} ended {verdict}" in message
    assert f"'amount nulls': {verdict}, check value 0.002" in message
    assert "thresholds warn 'when > 1%' / fail 'when > 10%'" in message
    assert "null ratio of amount is 0.2" in message  # the log tail
    assert "orders not empty" not in message  # a rule that passed is not named


def test_a_lost_create_answer_is_found_again_not_created_twice(emu) -> None:
    add_scan(emu)
    emu.inject_fault("CreateDataQualityScanRun", "lost_answer")
    run = make_operator().execute({"ti": FakeTaskInstance()})
    assert run["Status"] == "Pass"
    assert len(scan_runs(emu)) == 1 and len(emu.calls("CreateDataQualityScanRun")) == 1


def test_a_create_that_had_no_effect_is_made_again_after_the_window(emu) -> None:
    add_scan(emu)
    emu.inject_fault("CreateDataQualityScanRun", "drop")  # the connection drops before DataWorks acts
    run = make_operator(creation_timeout=1.5).execute({"ti": FakeTaskInstance()})
    assert run["Status"] == "Pass"
    assert len(scan_runs(emu)) == 1 and len(emu.calls("CreateDataQualityScanRun")) == 2


@pytest.mark.parametrize("store_kind", ["store", "no store"])
def test_an_automatic_retry_adopts_the_earlier_tries_passed_run(emu, store_kind: str) -> None:
    add_scan(emu)
    store = FakeTaskStateStore() if store_kind == "store" else None
    context: dict[str, Any] = {"ti": FakeTaskInstance(), **({"task_state_store": store} if store else {})}
    first = make_operator().execute(context)
    retry = make_operator().execute({**context, "ti": FakeTaskInstance(try_number=2)})
    assert retry["Id"] == first["Id"] and len(emu.calls("CreateDataQualityScanRun")) == 1


@pytest.mark.parametrize("store_kind", ["store", "no store"])
def test_a_retry_waits_for_the_earlier_tries_run_still_going(emu, store_kind: str) -> None:
    """Try 1 died while its scan ran: try 2 waits for that run instead of starting a second one."""
    add_scan(emu, statuses=["Running", "Pass"], advance=3.0)
    store = FakeTaskStateStore() if store_kind == "store" else None
    context: dict[str, Any] = {"ti": FakeTaskInstance(), **({"task_state_store": store} if store else {})}
    first = make_operator(timeout=0.5)
    with pytest.raises(DataWorksWaitTimeout, match="goes on in DataWorks"):
        first.execute(context)
    run = make_operator().execute({**context, "ti": FakeTaskInstance(try_number=2)})
    assert run["Status"] == "Pass" and len(emu.calls("CreateDataQualityScanRun")) == 1


def test_a_retry_after_a_failed_scan_scans_again(emu) -> None:
    add_scan(emu, "Fail")
    store = FakeTaskStateStore()
    with pytest.raises(DataWorksDataQualityCheckFailed):
        make_operator().execute({"ti": FakeTaskInstance(), "task_state_store": store})
    emu.update_data_quality_scan(SCAN_ID, rules=[{**NOT_EMPTY, "status": "Pass"}, {**NULLS, "status": "Pass"}])
    run = make_operator().execute({"ti": FakeTaskInstance(try_number=2), "task_state_store": store})
    assert run["Status"] == "Pass" and len(emu.calls("CreateDataQualityScanRun")) == 2


def test_the_first_try_after_a_clear_scans_a_passed_run_again(emu) -> None:
    add_scan(emu)
    store = FakeTaskStateStore()
    make_operator().execute({"ti": FakeTaskInstance(), "task_state_store": store})
    make_operator().execute({"ti": FakeTaskInstance(try_number=2, max_tries=1), "task_state_store": store})
    assert len(emu.calls("CreateDataQualityScanRun")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_fails_the_task_and_says_the_run_goes_on(emu, mode: str) -> None:
    add_scan(emu, statuses=["Running"])
    with pytest.raises(DataWorksWaitTimeout, match="goes on in DataWorks"):
        run_task(make_operator(timeout=1), {"ti": FakeTaskInstance()}, mode)


def test_a_kill_names_the_run_that_goes_on(emu, caplog) -> None:
    add_scan(emu, statuses=["Running"])
    operator = make_operator(timeout=0.5)
    with pytest.raises(DataWorksWaitTimeout):
        operator.execute({"ti": FakeTaskInstance()})
    with caplog.at_level(logging.WARNING):
        operator.on_kill()
    (run,) = scan_runs(emu)
    assert f"scan run {run['Id']} ran; DataWorks has no call to stop a scan run" in caplog.text


def test_the_shared_poll_reads_scan_runs_by_list(emu) -> None:
    """Deferred waits on runs of one scan share one ListDataQualityScanRuns per round after their first Get."""
    add_scan(emu, listing_delay=0)
    ids = [emu.add_data_quality_scan_run(SCAN_ID, statuses=["Running", "Pass"], advance=1.5) for _ in range(3)]
    operator_context = {"ti": FakeTaskInstance()}
    sensors = [sensor(i, task_id=f"s{n}") for n, i in enumerate(ids)]
    triggers = []
    for s in sensors:
        s.deferrable = True
        with pytest.raises(TaskDeferred) as deferred:
            s.execute(operator_context)
        triggers.append(deferred.value.trigger)

    async def all_events() -> list[dict[str, Any]]:
        return await asyncio.gather(*(first_event(t) for t in triggers))

    events = asyncio.run(all_events())
    assert [e["status"] for e in events] == ["success"] * 3
    assert emu.calls("ListDataQualityScanRuns")  # the rounds after the first Get read the group's list


def sensor(run_id: int, **kwargs: Any) -> DataWorksDataQualityScanRunSensor:
    defaults = {"task_id": "gate", "poke_interval": 0.2, "api_retry_delay": 0.01, "timeout": 20}
    return DataWorksDataQualityScanRunSensor(data_quality_scan_run_id=run_id, **{**defaults, **kwargs})


@pytest.mark.parametrize("mode", MODES)
def test_the_sensor_gates_on_an_existing_run(emu, mode: str) -> None:
    add_scan(emu)
    run_id = emu.add_data_quality_scan_run(SCAN_ID, statuses=["Running", "Pass"])
    run = run_task(sensor(run_id), {"ti": FakeTaskInstance()}, mode)
    assert (run["Id"], run["Status"], len(run["Results"])) == (run_id, "Pass", 2)
    assert emu.calls("CreateDataQualityScanRun") == []


@pytest.mark.parametrize("mode", MODES)
def test_the_sensor_fails_on_a_failed_run_and_skips_with_soft_fail(emu, mode: str) -> None:
    add_scan(emu, "Fail")
    run_id = emu.add_data_quality_scan_run(SCAN_ID, statuses=["Fail"])
    with pytest.raises(DataWorksDataQualityCheckFailed, match="'orders not empty': Fail, check value 1024"):
        run_task(sensor(run_id), {"ti": FakeTaskInstance()}, mode)
    with pytest.raises(AirflowSkipException):
        run_task(sensor(run_id, soft_fail=True), {"ti": FakeTaskInstance()}, mode)


def test_the_sensor_fails_a_warning_with_fail_on_warn(emu) -> None:
    add_scan(emu, "Warn")
    run_id = emu.add_data_quality_scan_run(SCAN_ID, statuses=["Warn"])
    assert run_task(sensor(run_id), {"ti": FakeTaskInstance()})["Status"] == "Warn"
    with pytest.raises(DataWorksDataQualityCheckFailed):
        run_task(sensor(run_id, fail_on_warn=True), {"ti": FakeTaskInstance()})


def test_the_sensor_needs_a_run_id() -> None:
    with pytest.raises(Exception, match="data_quality_scan_run_id is empty"):
        DataWorksDataQualityScanRunSensor(task_id="gate", data_quality_scan_run_id="")
