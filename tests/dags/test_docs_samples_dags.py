"""The docs' sample of a user's own DAG test against the emulator (docs/emulator.md), run as users would run it:
the `dataworks_emulator` fixture of the emulator's pytest plugin and `dag.test()` on the DAG file under test."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS_FOLDER = Path(__file__).resolve().parent / "dag_files"
pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("airflow_db", "dags_folder_importable")]


@pytest.fixture
def dags_folder_importable(monkeypatch):
    """Users import the DAG file under test from their dags folder; here that is tests/dags/dag_files."""
    monkeypatch.syspath_prepend(str(DAGS_FOLDER))
    yield
    from airflow import settings

    if settings.Session is not None:
        settings.Session.remove()  # dag.test() leaves its scoped session open


# [START howto_emulator_pytest_fixture]
def test_the_gate_opens_on_the_daily_run(dataworks_emulator, monkeypatch):
    # Workflow 501's scheduled instance of yesterday (the emulator's default data date), finished.
    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=501, name="sales_daily", statuses=["Success"])
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json())
    from gate_on_sales import dag  # the DAG file under test, in Airflow's dags folder

    dag_run = dag.test()  # a run due now, as `airflow dags test gate_on_sales` makes it
    assert dag_run.state == "success"
    (lookup,) = dataworks_emulator.calls("ListWorkflowInstances")  # found by workflow and data date: one call
    assert lookup.params["WorkflowId"] == "501"
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Success"
    # [END howto_emulator_pytest_fixture]
