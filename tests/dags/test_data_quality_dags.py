"""Real Airflow runs (dag.test) gating on DataWorks data-quality scans in every mode, against the emulator."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(240)

EXPECTED_STATES = {
    "scan_pass": "success",
    "scan_warn": "success",
    "scan_fail": "failed",
    "scan_warn_strict": "failed",
    "gate_pass": "success",
    "gate_fail_soft": "skipped",
}
RULE = {"name": "orders not empty", "assertion": "row_count > 0", "check_value": "0", "fail": "when = 0"}


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_data_quality_gates_in_every_mode(mode, run_dag, dataworks_emulator, monkeypatch, capsys, caplog):
    emu = dataworks_emulator
    # Timed timelines: a shared poll's list answer is no Get read, and a rescheduled poke reads once per poke.
    for scan_id, verdict in ((401, "Pass"), (402, "Warn"), (403, "Fail")):
        emu.add_data_quality_scan(
            id=scan_id,
            name=f"orders_{verdict.lower()}",
            rules=[{**RULE, "status": verdict}],
            statuses=["Running", verdict],
            advance=1.0,
            log=f"checked orders: {verdict}",
        )
    pass_run = emu.add_data_quality_scan_run(401, statuses=["Running", "Pass"], advance=1.0)
    fail_run = emu.add_data_quality_scan_run(403, statuses=["Running", "Fail"], advance=1.0)
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))

    result = run_dag(f"dataworks_data_quality_{mode}", run_conf={"pass_run": pass_run, "fail_run": fail_run})

    assert result.task_states == EXPECTED_STATES, result
    assert result.xcom("scan_pass")["Status"] == "Pass"
    assert result.xcom("gate_pass")["Id"] == pass_run
    assert len(emu.calls("CreateDataQualityScanRun")) == 4  # one per scan task, none for the sensors
    logs = capsys.readouterr().out + caplog.text
    assert "'orders not empty': Fail, check value 0" in logs and "checked orders: Fail" in logs
    assert "passed with warnings" in logs
    if mode == "deferrable":
        assert logs.count("[DAG TEST] running trigger in line") >= 4
