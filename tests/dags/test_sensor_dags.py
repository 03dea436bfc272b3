"""Real Airflow runs (dag.test on a migrated SQLite DB) of the sensor in every mode, against the emulator over HTTP."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from airflow_harness import AIRFLOW_3

from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone

pytestmark = pytest.mark.timeout(240)

EXPECTED_STATES = {
    "success": "success",
    "pull_success": "success",
    "failure": "failed",
    "failure_soft_fail": "skipped",
    "times_out": "failed",
    "transient_faults": "success",
    "pull_transient": "success",
    "by_lookup": "success",
    "pull_lookup": "success",
}
LATE_WORKFLOW_ID = 7001
TRANSIENT_FAULTS = [
    ("throttle", {}),
    ("throttle", {"retry_after_ms": 100}),
    ("server_error", {}),
    ("html_502", {}),
    ("drop", {}),
]


def lookups_of(emu) -> list:
    """ListWorkflowInstances calls that look an instance up (shared status polls name their instances in `Ids`)."""
    return [call for call in emu.calls("ListWorkflowInstances") if "Ids" not in call.params]


def create_after_first_lookup(emu, ds: str) -> None:
    """Add the scheduled instance once a ListWorkflowInstances for it came back empty."""
    deadline = time.monotonic() + 60
    while not lookups_of(emu) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Seconds, not reads: in reschedule mode every poke is one list call, which (as in DataWorks) reads no
    # single instance, so the instance must move on with time.
    emu.add_workflow_instance(
        workflow_id=LATE_WORKFLOW_ID,
        name="ads_daily",
        biz_date=ds,
        statuses=["Running", "Running", "Success"],
        advance=0.75,
    )


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_sensor_modes_end_to_end(mode, run_dag, dataworks_emulator, monkeypatch, capsys, caplog):
    emu = dataworks_emulator
    logical_date = datetime.now(UTC)
    ds = logical_date.date().isoformat()
    # Timelines advance per read, so every sensor sees its instance unfinished first (and defers, in
    # deferrable mode) whatever order dag.test() runs the independent branches in.
    success_id = emu.add_workflow_instance(
        workflow_id=7000, name="ods_orders", biz_date=ds, statuses=["Running", "Running", "Success"]
    )
    failure_id = emu.add_workflow_instance(
        workflow_id=7000, name="dws_sales", biz_date=ds, statuses=["Running", "WaitResource", "Failure"]
    )
    soft_failure_id = emu.add_workflow_instance(
        workflow_id=7000, name="dws_sales", biz_date=ds, statuses=["Running", "Failure"]
    )
    running_id = emu.add_workflow_instance(workflow_id=7000, name="never_ends", biz_date=ds, statuses=["Running"])
    transient_id = emu.add_workflow_instance(
        workflow_id=7000, name="flaky_api", biz_date=ds, statuses=["Running", "Running", "Success"]
    )
    for kind, options in TRANSIENT_FAULTS:
        emu.inject_fault("GetWorkflowInstance", kind, times=1, **options)
    # The scheduled instance found by workflow id + ds appears only after the sensor first looked for it.
    creator = threading.Thread(target=create_after_first_lookup, args=(emu, ds), daemon=True)
    creator.start()
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))
    result = run_dag(
        f"dataworks_sensor_{mode}",
        logical_date=logical_date,
        run_conf={
            "success_id": success_id,
            "failure_id": failure_id,
            "soft_failure_id": soft_failure_id,
            "running_id": running_id,
            "transient_id": transient_id,
            "workflow_id": LATE_WORKFLOW_ID,
        },
    )
    creator.join(5)

    with_execution_timeout = mode == "deferrable" or (mode == "poke" and AIRFLOW_3)  # see the DAG file
    expected = {**EXPECTED_STATES, "execution_times_out": "failed"} if with_execution_timeout else EXPECTED_STATES
    assert result.task_states == expected, result
    assert result.state == "failed"
    assert result.xcom("pull_success") == {
        "Id": success_id,
        "Status": "Success",
        "BizDate": biz_date_ms(date.fromisoformat(ds), dataworks_zone()),
    }
    assert result.xcom("success")["Name"] == "ods_orders"
    assert result.xcom("pull_transient")["Id"] == transient_id
    assert result.xcom("by_lookup")["WorkflowId"] == 7001
    assert result.xcom("success", key="dataworks_console_url") == (
        "https://dataworks.data.aliyun.com/cn-hangzhou/ops?defaultProjectId=100&env=prod"
    )
    if AIRFLOW_3:  # Airflow 3 stores each extra link in XCom; Airflow 2 builds it from the URL above when shown
        link = result.xcom("success", key="_link_DataWorksConsoleLink")
        assert "dataworks.data.aliyun.com/cn-hangzhou/ops?defaultProjectId=100" in link
    assert "return_value" not in result.xcom_keys("failure_soft_fail")
    assert sum(1 for call in emu.calls("GetWorkflowInstance") if call.fault) == len(TRANSIENT_FAULTS)
    task_logs = capsys.readouterr().out + caplog.text  # task loggers print; Airflow's own log via logging
    failure = f"DataWorks workflow instance {failure_id} ('dws_sales') status Failure, BizDate {ds}. Console: https://"
    assert failure in task_logs
    lookups = lookups_of(emu)
    assert len(lookups) >= 2 and lookups[0].params["WorkflowId"] == str(LATE_WORKFLOW_ID)
    if mode == "deferrable":
        # Every sensor saw an unfinished instance first, so every one of them deferred to the trigger.
        assert task_logs.count("[DAG TEST] running trigger in line") == 7
    if mode == "reschedule":
        assert "up_for_reschedule" in task_logs.lower() or "rescheduling" in task_logs.lower()
