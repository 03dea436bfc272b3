"""Real Airflow runs (dag.test) of DataWorksTaskInstanceSensor in every mode, against the emulator over HTTP."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from airflow_provider_dataworks.dates import dataworks_zone

pytestmark = pytest.mark.timeout(240)

EXPECTED_STATES = {
    "success": "success",
    "pull_success": "success",
    "failure": "failed",
    "failure_soft_fail": "skipped",
    "retried": "success",
    "by_lookup": "success",
    "pull_lookup": "success",
    "hourly": "success",
    "pull_hourly": "success",
}
LATE_TASK_ID, HOURLY_TASK_ID = 8001, 8101


def node_id(emu, workflow_instance_id: int) -> int:
    """The id of the (only) task instance of a workflow instance."""
    return emu.task_instances(workflow_instance_id)[0]["Id"]


def late_lookups(emu) -> list:
    """The ListTaskInstances calls looking for the late node."""
    return [c for c in emu.calls("ListTaskInstances") if c.params.get("TaskId") == str(LATE_TASK_ID)]


def add_after_first_lookup(emu, biz_date: str) -> None:
    """Add the node's instance of the data date once a ListTaskInstances for it came back empty."""
    deadline = time.monotonic() + 60
    while not late_lookups(emu) and time.monotonic() < deadline:
        time.sleep(0.05)
    emu.add_workflow_instance(
        workflow_id=7101,
        biz_date=biz_date,
        statuses=["Running", "Running", "Success"],
        advance=0.75,  # seconds: a lookup's list call reads no single instance
        tasks=[{"name": "dws_late", "task_id": LATE_TASK_ID}],
    )


def rerun_after_failure(emu, workflow_instance_id: int) -> None:
    """Rerun the workflow instance in DataWorks once its node has failed (as an operator in the console does)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if emu.task_instances(workflow_instance_id)[0]["Status"] == "Failure":
            emu.rerun_workflow_instance(workflow_instance_id, statuses=["Running", "Success"], advance=1.0)
            return
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_node_sensor_modes_end_to_end(mode, run_dag, dataworks_emulator, monkeypatch, capsys, caplog):
    emu = dataworks_emulator
    # An hourly run due at a whole hour already past: its node instance is the one scheduled at that hour.
    due = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    local_due = due.astimezone(dataworks_zone())
    biz_date = (local_due.date() - timedelta(days=1)).isoformat()
    success_wf = emu.add_workflow_instance(
        biz_date=biz_date,
        statuses=["Running"],
        tasks=[{"name": "ods_orders", "statuses": ["WaitTrigger", "Running", "Success"]}],
    )
    failure_wf = emu.add_workflow_instance(
        biz_date=biz_date,
        statuses=["Running"],
        tasks=[{"name": "dws_sales", "statuses": ["Running", "Failure"], "log": "noise\nFAILED: ODPS-0130071 boom"}],
    )
    soft_wf = emu.add_workflow_instance(
        biz_date=biz_date, statuses=["Running"], tasks=[{"name": "dws_soft", "statuses": ["Running", "Failure"]}]
    )
    rerun_wf = emu.add_workflow_instance(
        biz_date=biz_date, statuses=["Running"], tasks=[{"name": "ads_rerun", "statuses": ["Running", "Failure"]}]
    )
    hour = f"{local_due.hour:02d}:00"
    emu.add_scheduled_workflow(
        7201,
        "orders_hourly",
        schedule="hourly",
        at="00:00",
        biz_dates=[biz_date],
        statuses=["Failure"],  # any other hour's instance would fail the gate
        statuses_by_time={hour: ["Running", "Success"]},
        advance=0.5,
        tasks=[{"name": "ods_orders_hourly", "task_id": HOURLY_TASK_ID}],
    )
    threads = [
        threading.Thread(target=add_after_first_lookup, args=(emu, biz_date), daemon=True),
        threading.Thread(target=rerun_after_failure, args=(emu, rerun_wf), daemon=True),
    ]
    for thread in threads:
        thread.start()
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))
    result = run_dag(
        f"dataworks_node_sensor_{mode}",
        logical_date=due,
        run_conf={
            "success_id": node_id(emu, success_wf),
            "failure_id": node_id(emu, failure_wf),
            "soft_failure_id": node_id(emu, soft_wf),
            "rerun_id": node_id(emu, rerun_wf),
            "late_task_id": LATE_TASK_ID,
            "hourly_task_id": HOURLY_TASK_ID,
        },
    )
    for thread in threads:
        thread.join(5)

    assert result.task_states == EXPECTED_STATES, result
    assert result.xcom("success")["TaskName"] == "ods_orders"
    assert result.xcom("pull_success")["Status"] == "Success"
    assert result.xcom("pull_lookup")["TaskName"] == "dws_late"
    assert result.xcom("pull_hourly")["TriggerTime"] == int(due.timestamp() * 1000)
    assert result.xcom("retried")["RunNumber"] == 2
    assert "return_value" not in result.xcom_keys("failure_soft_fail")
    task_logs = capsys.readouterr().out + caplog.text
    failed_id = node_id(emu, failure_wf)
    assert f"task instance {failed_id} of node 'dws_sales'" in task_logs
    assert f"data date {biz_date}" in task_logs
    assert "FAILED: ODPS-0130071 boom" in task_logs  # the log tail, in the message and the task log
    assert "Console: https://" in task_logs
    assert len(late_lookups(emu)) >= 2  # the node's instance appeared after the first lookup
    if mode == "deferrable":
        assert "[DAG TEST] running trigger in line" in task_logs
