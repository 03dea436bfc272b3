"""Fault-matrix cases as real Airflow runs (dag.test): a dropped CreateWorkflowInstances answer, both modes."""

from __future__ import annotations

import pytest
from test_example_dags import set_deferrable

from airflow_provider_dataworks.status import TERMINAL_STATUSES

pytestmark = pytest.mark.timeout(240)
#: Seconds the run operator looks for the run of the dropped answer before creating it again.
CREATION_WINDOW = 3.0


@pytest.fixture
def emu(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))
    monkeypatch.setenv("DATAWORKS_EXAMPLE_POKE_INTERVAL", "0.3")
    return dataworks_emulator


@pytest.mark.parametrize("deferrable", [False, True], ids=["blocking", "deferrable"])
def test_a_dropped_create_answer_gives_one_run(deferrable, run_dag, emu, record_property):
    emu.add_workflow(id=501, name="dws_sales_daily", statuses=["Running", "Success"])
    emu.inject_fault("CreateWorkflowInstances", "drop")

    def configure(dag) -> None:
        if deferrable:
            set_deferrable(True)(dag)
        dag.get_task("run_workflow").creation_timeout = CREATION_WINDOW  # 3 times the emulator's creation delay

    result = run_dag("example_dataworks_run_workflow", configure=configure)

    mine = [i for i in emu.state.workflow_instances() if i["Name"].endswith(result.run_id)]
    row = {
        "case": "dag.test: CreateWorkflowInstances drop",
        "state": result.task_states["run_workflow"],
        "error": "",
        "runs_created": len(mine),
        "left_running": sum(1 for i in mine if i["Status"] not in TERMINAL_STATUSES),
        "calls": len(emu.calls()),
        "seconds": round(result.duration, 1),
    }
    record_property("fault_matrix", row)
    assert result.task_states["run_workflow"] == "success", result
    assert (row["runs_created"], row["left_running"]) == (1, 0)
    assert len(emu.calls("CreateWorkflowInstances")) == 2  # the dropped one, and one after looking for the run
    assert row["calls"] <= 40  # 1 identity check, 2 creates, looks through the 3 s window, creation reads, wait
    assert result.xcom("run_workflow", key="workflow_instance_ids") == [mine[0]["Id"]]
