"""Unreachable DataWorks in real Airflow runs (dag.test) of every sensor mode: a wrong endpoint fails the try within
the (shortened) limit with the sentence naming it; after an answer, dropped connections are ridden out, rescheduled
pokes included (they learn from Airflow that an earlier poke of the try had its answer)."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from airflow_provider_dataworks.waits import reachability

pytestmark = pytest.mark.timeout(240)

MODES = ["poke", "reschedule", "deferrable"]


@pytest.mark.parametrize("mode", MODES)
def test_a_wrong_endpoint_fails_the_try_within_the_limit(mode, run_dag, monkeypatch, capsys, caplog):
    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", 2.0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conn = {
        "conn_type": "dataworks",
        "host": f"127.0.0.1:{port}",
        "login": "LTAI5tUnreachableKey",
        "password": "UnreachableDagSecret-9f3b",
        "extra": {"region_id": "cn-hangzhou", "protocol": "http", "project_id": 100, "connect_timeout": 0.5},
    }
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", json.dumps(conn))

    result = run_dag(f"dataworks_unreachable_{mode}", run_conf={"instance_id": 7})

    assert result.task_states == {"gate": "failed"}, result
    assert result.duration < 60  # the limit, not the sensor's 90 s timeout
    logs = capsys.readouterr().out + caplog.text
    assert f"DataWorks at http://127.0.0.1:{port} did not answer any call of this wait for " in logs
    assert "Connection refused" in logs


def drop_after_first_answer(emu, drops: int) -> None:
    """Once DataWorks has answered the gate's first read, drop the next `drops` calls."""
    deadline = time.monotonic() + 60
    while not emu.calls("GetWorkflowInstance") and time.monotonic() < deadline:
        time.sleep(0.02)
    emu.inject_fault("*", "drop", times=drops)


@pytest.mark.parametrize("mode", MODES)
def test_an_outage_after_an_answer_is_ridden_out(mode, run_dag, dataworks_emulator, monkeypatch, capsys, caplog):
    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", 0.0)  # any poke taken for a first contact fails
    emu = dataworks_emulator
    # Three Running reads: the drops begin before the last, however soon after the first the next read comes.
    instance_id = emu.add_workflow_instance(
        workflow_id=7000,
        name="ods_orders",
        biz_date="2026-11-27",
        statuses=["Running", "Running", "Running", "Success"],
    )
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1, connect_timeout=0.5))
    dropper = threading.Thread(target=drop_after_first_answer, args=(emu, 12), daemon=True)
    dropper.start()

    result = run_dag(f"dataworks_unreachable_{mode}", run_conf={"instance_id": instance_id})
    dropper.join(5)

    assert result.task_states == {"gate": "success"}, result
    assert len([call for call in emu.calls() if call.fault]) == 12
    logs = capsys.readouterr().out + caplog.text
    assert "still waiting until the timeout" in logs
    assert "did not answer any call" not in logs
