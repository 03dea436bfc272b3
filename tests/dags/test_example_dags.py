"""The example DAGs users copy, run for real (dag.test on SQLite) against the emulator, blocking and deferrable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from airflow_harness import AIRFLOW_3

pytestmark = pytest.mark.timeout(240)

TRIGGER_RAN = "[DAG TEST] running trigger in line"


@pytest.fixture
def emulator_connection(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=2))
    monkeypatch.setenv("DATAWORKS_EXAMPLE_POKE_INTERVAL", "0.3")
    return dataworks_emulator


def set_deferrable(deferrable: bool):
    def configure(dag) -> None:
        for task in dag.tasks:
            if hasattr(task, "deferrable"):
                task.deferrable = deferrable

    return configure


@pytest.mark.parametrize("deferrable", [False, True], ids=["blocking", "deferrable"])
def test_run_workflow_example(deferrable, run_dag, emulator_connection, caplog, capsys):
    emu = emulator_connection
    emu.add_workflow(id=501, name="dws_sales_daily", statuses=["Running", "Running", "Success"])
    result = run_dag("example_dataworks_run_workflow", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.task_states == {"run_workflow": "success", "fetch_instance": "success", "report": "success"}
    instances = result.xcom("run_workflow")
    ids = result.xcom("run_workflow", key="workflow_instance_ids")
    assert [i["Id"] for i in instances] == ids and len(ids) == 1
    assert instances[0]["Status"] == "Success"
    assert '"run_by": "airflow"' in instances[0]["WorkflowParameters"]
    assert result.xcom("fetch_instance")["Id"] == ids[0]
    assert result.xcom("report") == ids
    logs = capsys.readouterr().out + caplog.text
    assert f"Pulled from XCom: run instance {ids[0]}" in logs
    assert logs.count(TRIGGER_RAN) == (1 if deferrable else 0)
    (create,) = emu.calls("CreateWorkflowInstances")
    assert create.params["Name"].startswith("airflow-example_dataworks_run_workflow-run_workflow-manual__")


@pytest.mark.parametrize("deferrable", [False, True], ids=["blocking", "deferrable"])
def test_sensor_example(deferrable, run_dag, emulator_connection, caplog, capsys):
    emu = emulator_connection
    logical_date = datetime.now(UTC)
    # The example names no date: the run waits for the instance of the day before its data interval ends, in
    # UTC+8. A manual @daily run ends now on Airflow 3 (CronTriggerTimetable), and at the last midnight UTC on
    # Airflow 2 (its data-interval timetable infers the latest complete day).
    due = logical_date if AIRFLOW_3 else logical_date.replace(hour=0, minute=0, second=0, microsecond=0)
    data_date = due.astimezone(timezone(timedelta(hours=8))).date() - timedelta(days=1)
    emu.add_workflow_instance(
        id=1001,
        workflow_id=500,
        name="ods_orders_daily",
        biz_date=data_date,
        statuses=["Running", "Running", "Success"],
    )
    emu.add_workflow_instance(
        workflow_id=501, name="dws_sales_daily", biz_date=data_date + timedelta(days=1), statuses=["Success"]
    )
    scheduled = emu.add_workflow_instance(
        workflow_id=501, name="dws_sales_daily", biz_date=data_date, statuses=["Running", "Success"]
    )
    result = run_dag("example_dataworks_sensor", logical_date=logical_date, configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.xcom("report") == f"1001:Success,{scheduled}:Success"
    logs = capsys.readouterr().out + caplog.text
    assert "Pulled from XCom: DataWorks workflow instance 1001 (ods_orders_daily) of workflow 500 is Success" in logs
    assert logs.count(TRIGGER_RAN) == (2 if deferrable else 0)


@pytest.mark.parametrize("deferrable", [False, True], ids=["blocking", "deferrable"])
def test_node_sensor_example(deferrable, run_dag, emulator_connection, caplog, capsys):
    from datetime import timedelta

    from airflow_provider_dataworks.dates import dataworks_zone

    emu = emulator_connection
    # A different hour per mode: Airflow 2's dag.test() cannot reuse a logical date in one metadata DB.
    hours_ago = 2 if deferrable else 1
    due = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours_ago)
    emu.add_scheduled_workflow(
        900,
        "ods_orders_hourly",
        schedule="hourly",
        at="00:00",
        biz_dates=[(due.astimezone(dataworks_zone()).date() - timedelta(days=1)).isoformat()],
        tasks=[{"name": "ods_orders_hourly", "task_id": 9001, "statuses": ["WaitTrigger", "Running", "Success"]}],
    )
    result = run_dag("example_dataworks_node_sensor", logical_date=due, configure=set_deferrable(deferrable))

    assert result.state == "success", result
    node = result.xcom("node_gate")
    assert (node["TaskId"], node["Status"], node["TriggerTime"]) == (9001, "Success", int(due.timestamp() * 1000))
    assert result.xcom("use_node") == f"{node['Id']}:Success"
    logs = capsys.readouterr().out + caplog.text
    assert "Pulled from XCom: DataWorks node ods_orders_hourly (9001)" in logs
    assert logs.count(TRIGGER_RAN) == (1 if deferrable else 0)


@pytest.mark.parametrize("deferrable", [False, True], ids=["blocking", "deferrable"])
def test_trigger_node_example(deferrable, run_dag, emulator_connection, caplog, capsys):
    emu = emulator_connection
    # A different day per mode: Airflow 2's dag.test() cannot reuse a logical date in one metadata DB.
    logical_date = datetime.now(UTC) - timedelta(days=1 if deferrable else 0)
    due = logical_date if AIRFLOW_3 else logical_date.replace(hour=0, minute=0, second=0, microsecond=0)
    data_date = due.astimezone(timezone(timedelta(hours=8))).date() - timedelta(days=1)
    (instance_id,) = emu.add_scheduled_workflow(
        700,
        "dws_orders_daily",
        at="00:00",
        biz_dates=[data_date.isoformat()],
        statuses=["Running", "Running", "Success"],
        tasks=[
            {"name": "wait_for_airflow", "task_id": 21, "type": "SCHEDULER_TRIGGER"},
            {"name": "dws_orders", "task_id": 22},
        ],
    )
    result = run_dag("example_dataworks_trigger_node", logical_date=logical_date, configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.task_states == {"ingest": "success", "release_dataworks": "success", "report": "success"}
    node = result.xcom("release_dataworks")
    assert (node["TaskId"], node["Status"], node["WorkflowInstanceId"]) == (21, "Success", instance_id)
    assert result.xcom("report") == f"{node['Id']}:Success"
    assert emu.workflow_instance(instance_id)["Status"] == "Success"
    (fired,) = emu.calls("TriggerSchedulerTaskInstance")
    assert (fired.params["TaskId"], fired.params["TriggerTime"]) == ("21", str(node["TriggerTime"]))
    logs = capsys.readouterr().out + caplog.text
    assert "Pulled from XCom: DataWorks trigger node wait_for_airflow (21)" in logs
    assert logs.count(TRIGGER_RAN) == (1 if deferrable else 0)
