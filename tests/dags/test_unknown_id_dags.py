"""Real Airflow runs (dag.test) against the emulator: a task given an instance id that DataWorks does not know fails
on its first try although it has retries, naming the argument; a wrong secret is retried and names the connection."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(240)

UNKNOWN = 987654


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_an_unknown_id_fails_without_retries(mode, run_dag, dataworks_emulator, monkeypatch, capsys, caplog):
    emu = dataworks_emulator
    known = emu.add_workflow_instance(workflow_id=1, biz_date="2026-11-27", statuses=["Success"])
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))
    wrong = {**emu.connection(read_timeout=1), "password": "not-the-secret-at-all"}
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_WRONG_SECRET", json.dumps(wrong))
    if mode == "deferrable":  # every sensor's first check meets an outage: each defers, its trigger reads the id
        emu.inject_fault("GetWorkflowInstance", "server_error", times=2)
        emu.inject_fault("GetTaskInstance", "server_error", times=1)
    result = run_dag(f"dataworks_unknown_ids_{mode}", run_conf={"unknown_id": UNKNOWN, "known_id": known})

    named = {"workflow_instance", "workflow_instance_soft_fail", "task_instance"}
    if mode == "poke":
        named.add("get")
    assert {task: result.task_states[task] for task in named} == dict.fromkeys(named, "failed"), result
    assert {task: result.try_numbers[task] for task in named} == dict.fromkeys(named, 1), result  # not retried
    assert (result.task_states["wrong_secret"], result.try_numbers["wrong_secret"]) == ("failed", 2)  # retried
    task_logs = capsys.readouterr().out + caplog.text
    assert f"workflow_instance_id {UNKNOWN} does not exist in DataWorks (http://{emu.endpoint}" in task_logs
    assert f"task_instance_id {UNKNOWN} does not exist in DataWorks" in task_logs
    assert "or wait by dataworks_task_id and data date instead." in task_logs
    assert "set the password of Airflow connection 'dataworks_wrong_secret' to the AccessKey Secret" in task_logs
    assert "not-the-secret-at-all" not in task_logs
    if mode == "deferrable":
        assert "[DAG TEST] running trigger in line" in task_logs
        assert [c.fault for c in emu.calls() if c.fault] == ["server_error"] * 3  # each sensor's first check
        not_found = [c for c in emu.calls() if c.code and c.code.startswith("InvalidParameter.NotExist")]
        assert len(not_found) == 3  # then one Get per sensor, from its trigger
