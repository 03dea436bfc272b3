"""`dataworks_emulator.system_tests`: the hook that makes a DAG file a pytest system test (no Airflow needed here:
the DAG is a stand-in recording its `test()` call; the real runs are in the provider's repository, in
tests/dags/test_example_dags.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pytest

from dataworks_emulator import system_tests
from dataworks_emulator.system_tests import CONF_ENV, CONNECTION_ENV, CONNECTION_VARIABLE, get_test_run, workspace_conf

pytestmark = pytest.mark.timeout(30)


@dataclass
class StandInDag:
    """What `run_dag` needs of a DAG: an id and `test()`, which here records the connection it ran with."""

    dag_id: str = "example_dataworks_sensor"
    state: str = "success"
    calls: list[dict[str, Any]] = field(default_factory=list)

    def test(self, run_conf: dict[str, Any] | None = None) -> Any:
        self.calls.append({"conf": run_conf, "connection": json.loads(os.environ[CONNECTION_VARIABLE])})
        return type("DagRun", (), {"state": self.state, "run_id": "manual__now"})()


def test_the_test_run_is_parametrized_over_emulator_and_workspace() -> None:
    test_run = get_test_run(StandInDag())
    (mark,) = [m for m in test_run.pytestmark if m.name == "parametrize"]  # type: ignore[attr-defined]
    assert mark.args == ("target", ("emulator", "workspace"))


def test_emulator_case_runs_against_the_bundled_world_and_restores_the_connection(monkeypatch) -> None:
    monkeypatch.setenv(CONNECTION_VARIABLE, "dataworks://before")
    dag = StandInDag()
    get_test_run(dag)("emulator")
    ((call,),) = [dag.calls]
    assert call["conf"] is None
    assert call["connection"]["conn_type"] == "dataworks" and call["connection"]["extra"]["protocol"] == "http"
    assert os.environ[CONNECTION_VARIABLE] == "dataworks://before"


def test_workspace_case_is_skipped_without_a_connection(monkeypatch) -> None:
    monkeypatch.delenv(CONNECTION_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=CONNECTION_ENV):
        get_test_run(StandInDag())("workspace")


def test_workspace_case_runs_with_the_given_connection_and_conf(monkeypatch) -> None:
    real = {"conn_type": "dataworks", "login": "LTAI5t", "password": "s", "extra": {"region_id": "cn-shanghai"}}
    monkeypatch.setenv(CONNECTION_ENV, json.dumps(real))
    monkeypatch.setenv(CONF_ENV, json.dumps({"example_dataworks_sensor": {"workflow_id": 12345}, "other": {"x": 1}}))
    monkeypatch.delenv(CONNECTION_VARIABLE, raising=False)
    dag = StandInDag()
    get_test_run(dag)("workspace")
    assert dag.calls == [{"conf": {"workflow_id": 12345}, "connection": real}]
    assert CONNECTION_VARIABLE not in os.environ


def test_a_failed_dag_run_fails_the_test() -> None:
    with pytest.raises(AssertionError, match="ended failed"):
        system_tests.run_dag(StandInDag(state="failed"), "{}")


def test_an_error_running_the_dag_says_what_airflow_needs() -> None:
    class Broken(StandInDag):
        def test(self, run_conf: dict[str, Any] | None = None) -> Any:
            raise RuntimeError("Database migration required")

    with pytest.raises(RuntimeError) as excinfo:
        system_tests.run_dag(Broken(), "{}")
    assert "airflow db migrate" in " ".join(excinfo.value.__notes__)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), ('{"example_dataworks_sensor": {"workflow_id": 1}}', {"workflow_id": 1}), ('{"other": {}}', None)],
)
def test_workspace_conf(value: str, expected: Any) -> None:
    assert workspace_conf("example_dataworks_sensor", {CONF_ENV: value}) == expected


@pytest.mark.parametrize("value", ["not json", '["a"]', '{"example_dataworks_sensor": 3}'])
def test_workspace_conf_must_be_confs_by_dag_id(value: str) -> None:
    with pytest.raises(ValueError, match=CONF_ENV):
        workspace_conf("example_dataworks_sensor", {CONF_ENV: value})
