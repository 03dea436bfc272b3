"""Tests of the DAG-run harness itself (fixtures ``airflow_db`` / ``run_dag`` in tests/conftest.py)."""

from __future__ import annotations

import json


def test_smoke_dag_pushes_and_pulls_xcom(run_dag, capsys):
    result = run_dag("harness_smoke", run_conf={"k": "v"})

    assert result.state == "success", result
    assert result.task_states == {"pull": "success", "push": "success"}
    assert result.xcom("push") == {"answer": 42, "items": ["a", "b"], "conf": {"k": "v"}}
    assert result.xcom("pull") == {"seen": 42}
    # Tasks run in the test process: their stdout is captured by pytest.
    assert "pulled: {'answer': 42" in capsys.readouterr().out


def test_repeated_runs_get_their_own_dagrun(run_dag):
    first = run_dag("harness_smoke", run_conf={"n": 1})
    second = run_dag("harness_smoke", run_conf={"n": 2})

    assert first.run_id != second.run_id
    assert (first.state, second.state) == ("success", "success")
    assert first.xcom("push")["conf"] == {"n": 1}
    assert second.xcom("push")["conf"] == {"n": 2}
    assert first.try_numbers == second.try_numbers == {"pull": 1, "push": 1}


def test_missing_xcom_raises_key_error_unless_default(run_dag):
    result = run_dag("harness_deferral")

    assert result.state == "success", result
    # execute_complete's return value (after the inline trigger) is the return_value XCom.
    assert result.xcom("deferred") == {"resumed": True, "event": True}
    assert result.xcom("deferred", key="nope", default=None) is None
    try:
        result.xcom("deferred", key="nope")
    except KeyError as exc:
        assert "return_value" in str(exc)
    else:
        raise AssertionError("expected KeyError")


def test_env_connection_and_env_vars_set_in_test_reach_the_task(run_dag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_HARNESS_ENV_CONN", json.dumps({"conn_type": "generic", "login": "from-env"}))
    monkeypatch.setenv("HARNESS_PROBE", "probe-value")

    result = run_dag("harness_env")

    assert result.state == "success", result
    assert result.xcom("conn_login") == "from-env"
    assert result.xcom("env") == "probe-value"


def test_failing_branch_does_not_stop_independent_branches(run_dag):
    result = run_dag("harness_branches")

    assert result.state == "failed"
    assert result.task_states == {
        "after_bad": "upstream_failed",
        "after_ok_b": "success",
        "bad": "failed",
        "ok_a": "success",
        "ok_b": "success",
    }
    assert result.xcom("after_ok_b") == "b2"
    assert result.xcom("after_bad", default="absent") == "absent"
