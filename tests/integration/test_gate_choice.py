"""Which instance a gate opens on, under DataWorks' timing: an hourly DAG's run gates on the instance of its own
hour, also while an earlier hour is the only instance of the date so far (instances generated one by one at their
time); a daily gate that accepts backfills picks the latest started instance of the data date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor, DataWorksWorkflowInstanceSensor

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(60)

#: The run due at 2025-01-16 05:05 UTC+8 (21:05 UTC the day before) gates on data date 2025-01-15's 05:05 hour.
DUE = datetime(2025, 1, 15, 21, 5, tzinfo=UTC)


@pytest.fixture
def connection(dataworks_emulator: DataWorksEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def hourly_world(emulator: DataWorksEmulator) -> None:
    """Workflow 601 runs hourly at minute 5; node 9001 is its only node; each hour appears at its own time."""
    emulator.add_scheduled_workflow(
        601,
        "orders_hourly",
        schedule="hourly",
        at="00:05",
        biz_dates=["2025-01-15"],
        statuses=["Success"],
        tasks=[{"name": "ods_orders", "task_id": 9001}],
        generated_at="scheduling_time",
    )


def hourly_context(timetable: str) -> dict[str, Any]:
    """The context of the hourly DAG run due at DUE, on a data-interval or a trigger timetable (Airflow 3's default)."""
    from airflow_compat import DAG

    if timetable == "interval":
        from airflow.timetables.interval import CronDataIntervalTimetable as Timetable
    else:
        from airflow.timetables.trigger import CronTriggerTimetable as Timetable
    dag = DAG("hourly_gate", schedule=Timetable("5 * * * *", timezone="UTC"), start_date=DUE - timedelta(days=2))
    start = DUE - timedelta(hours=1) if timetable == "interval" else DUE
    return {"dag": dag, "data_interval_start": start, "data_interval_end": DUE, "ti": FakeTaskInstance()}


SENSORS = {
    "workflow": lambda: DataWorksWorkflowInstanceSensor(task_id="gate", workflow_id=601, poke_interval=1),
    "node": lambda: DataWorksTaskInstanceSensor(task_id="gate", task_instance_id=None, dataworks_task_id=9001),
}


@pytest.mark.parametrize("timetable", ["interval", "trigger"])
@pytest.mark.parametrize("kind", list(SENSORS))
def test_a_lone_earlier_hour_does_not_open_the_gate(
    dataworks_emulator: DataWorksEmulator, connection: None, record_property: Any, kind: str, timetable: str
) -> None:
    hourly_world(dataworks_emulator)
    dataworks_emulator.set_clock("2025-01-16T00:30:00+08:00")  # only the 00:05 hour exists, and it succeeded
    context = hourly_context(timetable)
    assert SENSORS[kind]().poke(context).is_done is False
    dataworks_emulator.set_clock("2025-01-16T05:06:00+08:00")
    done = SENSORS[kind]().poke(context)
    assert done.is_done is True
    instance = done.xcom_value
    trigger_time = instance.get("TriggerTime")
    if trigger_time is None:  # a workflow instance: its node carries the scheduling time
        (node,) = dataworks_emulator.task_instances(instance["Id"])
        trigger_time = node["TriggerTime"]
    assert trigger_time == int(DUE.timestamp() * 1000)
    record(record_property, f"{kind} gate: hourly appearance ({timetable} timetable)", dataworks_emulator)


def record(record_property: Any, case: str, emulator: DataWorksEmulator) -> None:
    """A row of the session's fault-matrix table (a gate starts no run and leaves none running)."""
    row = {"state": "success", "error": "", "runs_created": 0, "left_running": 0, "seconds": 0.0}
    record_property("fault_matrix", {"case": case, **row, "calls": len(emulator.calls())})


@pytest.mark.parametrize("kind", list(SENSORS))
def test_a_daily_gate_accepting_backfills_takes_the_latest_started_instance(
    dataworks_emulator: DataWorksEmulator, connection: None, record_property: Any, kind: str
) -> None:
    """The scheduled instance of 2025-01-15 failed at 00:31; a backfill of that date, started later, succeeded."""
    dataworks_emulator.add_scheduled_workflow(
        501,
        "sales_daily",
        at="00:30",
        biz_dates=["2025-01-15"],
        statuses=["Running", "Failure"],
        advance=60,
        tasks=[{"name": "ods_sales", "task_id": 9001}],
    )
    dataworks_emulator.set_clock("2025-01-16T09:00:00+08:00")
    backfill = dataworks_emulator.add_workflow_instance(
        workflow_id=501,
        biz_date="2025-01-15",
        type="SupplementData",
        statuses=["Running", "Success"],
        advance=60,
        tasks=[{"name": "ods_sales", "task_id": 9001}],
    )
    dataworks_emulator.set_clock("2025-01-16T09:05:00+08:00")
    due = datetime(2025, 1, 16, tzinfo=UTC)
    context = {"data_interval_start": due - timedelta(days=1), "data_interval_end": due, "ti": FakeTaskInstance()}
    types = ["Normal", "SupplementData"]
    if kind == "workflow":
        sensor = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_id=501, instance_types=types)
    else:
        sensor = DataWorksTaskInstanceSensor(task_id="gate", dataworks_task_id=9001, instance_types=types)
    done = sensor.poke(context)  # neither a configuration error nor the failed scheduled instance
    assert done.is_done is True
    chosen = done.xcom_value
    assert chosen.get("WorkflowInstanceId", chosen["Id"]) == backfill
    record(record_property, f"{kind} gate: backfill beside a failed scheduled instance", dataworks_emulator)
