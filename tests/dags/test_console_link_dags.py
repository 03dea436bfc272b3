"""Quiet task logs: the console link of a task that failed before it pushed its URL adds no error about the missing
XCom, and default poll intervals add no quota warning (no `[dataworks] daily_api_call_budget` is configured)."""

from __future__ import annotations

import pytest
from airflow_harness import AIRFLOW_3

pytestmark = pytest.mark.timeout(120)


def test_an_early_failure_leaves_no_link_and_no_xcom_error(run_dag, capsys, caplog, monkeypatch):
    monkeypatch.delenv("AIRFLOW__DATAWORKS__DAILY_API_CALL_BUDGET", raising=False)
    result = run_dag("dataworks_console_link_early_failure")
    logs = capsys.readouterr().out + caplog.text
    assert result.task_states == {"gate": "failed", "run": "failed"}, logs[-3000:]
    assert "dataworks_no_such_connection" in logs  # the real error is there
    assert "XCom not found" not in logs
    assert "DataWorks API calls a day" not in logs  # the default intervals, and no budget: no quota warning
    for task_id in ("gate", "run"):
        assert "dataworks_console_url" not in result.xcom_keys(task_id)
        if AIRFLOW_3:  # Airflow 3 stores each extra link as its task ends; an unknown URL is an empty link
            assert result.xcom(task_id, key="_link_DataWorksConsoleLink", default="") == ""
