"""Real Airflow runs (dag.test on a migrated SQLite DB) of the sensor in every mode, against the emulator over HTTP."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from airflow_provider_dataworks.status import biz_date_to_epoch_ms

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
TRANSIENT_FAULTS = [
    ("throttle", {}),
    ("throttle", {"retry_after_ms": 100}),
    ("server_error", {}),
    ("html_502", {}),
    ("drop", {}),
]


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_sensor_modes_end_to_end(mode, run_dag, dataworks_emulator, monkeypatch, capsys):
    emu = dataworks_emulator
    logical_date = datetime.now(UTC)
    ds = logical_date.date().isoformat()
    success_id = emu.add_workflow_instance(
        workflow_id=7000, name="ods_orders", biz_date=ds, statuses=["Running", "Running", "Success"], advance=1.0
    )
    failure_id = emu.add_workflow_instance(
        workflow_id=7000, name="dws_sales", biz_date=ds, statuses=["Running", "Failure"], advance=0.5
    )
    running_id = emu.add_workflow_instance(workflow_id=7000, name="never_ends", biz_date=ds, statuses=["Running"])
    transient_id = emu.add_workflow_instance(
        workflow_id=7000, name="flaky_api", biz_date=ds, statuses=["Running", "Success"], advance=1.0
    )
    for kind, options in TRANSIENT_FAULTS:
        emu.inject_fault("GetWorkflowInstance", kind, times=1, **options)
    # The scheduled instance found by workflow id + ds does not exist yet when the DAG starts.
    late = threading.Timer(
        2.0,
        emu.add_workflow_instance,
        kwargs={
            "workflow_id": 7001,
            "name": "ads_daily",
            "biz_date": ds,
            "statuses": ["Running", "Success"],
            "advance": 1.0,
        },
    )
    late.start()
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))
    try:
        result = run_dag(
            f"dataworks_sensor_{mode}",
            logical_date=logical_date,
            run_conf={
                "success_id": success_id,
                "failure_id": failure_id,
                "running_id": running_id,
                "transient_id": transient_id,
                "workflow_id": 7001,
            },
        )
    finally:
        late.cancel()

    assert result.task_states == EXPECTED_STATES, result
    assert result.state == "failed"
    assert result.xcom("pull_success") == {"Id": success_id, "Status": "Success", "BizDate": biz_date_to_epoch_ms(ds)}
    assert result.xcom("success")["Name"] == "ods_orders"
    assert result.xcom("pull_transient")["Id"] == transient_id
    assert result.xcom("by_lookup")["WorkflowId"] == 7001
    assert result.xcom("success", key="dataworks_console_url") == (
        "https://dataworks.data.aliyun.com/cn-hangzhou/ops?defaultProjectId=100&env=prod"
    )
    link = result.xcom("success", key="_link_DataWorksConsoleLink")
    assert "dataworks.data.aliyun.com/cn-hangzhou/ops?defaultProjectId=100" in link
    assert "return_value" not in result.xcom_keys("failure_soft_fail")
    assert sum(1 for call in emu.calls("GetWorkflowInstance") if call.fault) == len(TRANSIENT_FAULTS)
    task_logs = capsys.readouterr().out
    failure = f"DataWorks workflow instance {failure_id} ('dws_sales') status Failure, BizDate {ds}. Console: https://"
    assert failure in task_logs
