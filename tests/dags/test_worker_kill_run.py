"""A worker killed while its DataWorks run finishes, with real Airflow components: the retry adopts the run.

The scheduler (LocalExecutor) runs the task in blocking mode; the test kills the task's supervisor and task process
once DataWorks has finished the run but before the worker could see it, and Airflow's heartbeat timeout hands the
task instance to its automatic retry. The retry must succeed with the finished run and start nothing: the data is
processed once. Bounded in time; the processes are stopped whatever happens.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psutil
import pytest
from airflow_harness import AIRFLOW_3
from asset_watcher_run import AirflowProcesses

if TYPE_CHECKING:
    from dataworks_emulator.models.records import RecordedCall
    from dataworks_emulator.runner import DataWorksEmulator

pytestmark = pytest.mark.timeout(300)

DAG_FILE = Path(__file__).resolve().parent / "dag_files" / "dataworks_worker_kill.py"
WORKFLOW_ID = 601  # the DAG file's workflow
DAG_ID = "dataworks_worker_kill"
TASK_ID = "run_workflow"
RUN_ID = "worker_kill"
#: Emulator seconds the run stays Running: forever for the worker, until the test moves the emulator clock on.
RUNNING_SECONDS = 3600.0
#: Seconds the emulator holds the worker's last poll answer (the worker is killed long before it arrives).
HELD_ANSWER_SECONDS = 120.0
#: A dead worker's task instance is failed this many seconds after its last heartbeat, checked every 2 s.
HEARTBEAT_TIMEOUT = 10
COMPONENTS: tuple[str, ...]
if AIRFLOW_3:
    COMPONENTS = ("api-server", "dag-processor", "scheduler")
    DEPLOYMENT = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
    }
else:
    COMPONENTS = ("scheduler",)  # it parses the DAG files itself
    DEPLOYMENT = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # Airflow 2 refuses SQLite with LocalExecutor; this DAG runs one task at a time (Airflow's tests skip it too)
        "_AIRFLOW__SKIP_DATABASE_EXECUTOR_COMPATIBILITY_CHECK": "1",
        "AIRFLOW__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD": str(HEARTBEAT_TIMEOUT),
        "AIRFLOW__SCHEDULER__ZOMBIE_DETECTION_INTERVAL": "2",
        "AIRFLOW__SCHEDULER__LOCAL_TASK_JOB_HEARTBEAT_SEC": "2",
    }


def test_a_retry_adopts_the_run_that_finished_as_its_worker_was_killed(airflow_db, dataworks_emulator, tmp_path):
    emu = dataworks_emulator
    emu.add_workflow(id=WORKFLOW_ID, name="dws_orders_daily", statuses=["Running", "Success"], advance=RUNNING_SECONDS)
    connection = emu.connection_json(read_timeout=HELD_ANSWER_SECONDS)  # the held poll never times out early
    airflow = AirflowProcesses.prepare(
        tmp_path, connection, poll_interval=1.0, dag_file=DAG_FILE, components=COMPONENTS
    )
    airflow.env.update(DEPLOYMENT)
    shutil.copy(airflow_db.template, tmp_path / "airflow.db")
    airflow.start()
    try:
        airflow.ensure_unpaused(timeout=150)
        if AIRFLOW_3:
            airflow.wait_until("the API server", airflow.api_server_up, timeout=120)
        airflow.trigger(RUN_ID)
        instance_id = airflow.wait_until("the run in DataWorks", lambda: _run_ids(emu), timeout=120)[0]
        airflow.wait_until("the worker's wait", lambda: _polls(emu, instance_id), timeout=60)
        ti = airflow.task_instance(RUN_ID, TASK_ID)
        assert ti is not None and ti["state"] == "running", ti
        worker = airflow.task_processes(str(UUID(ti["id"])) if AIRFLOW_3 else RUN_ID)  # SQLite keeps it undashed

        emu.inject_fault("GetWorkflowInstance", "late_answer", delay=HELD_ANSWER_SECONDS)
        airflow.wait_until("the held poll", lambda: _polls(emu, instance_id, fault="late_answer"), timeout=30)
        emu.advance_clock(RUNNING_SECONDS)  # DataWorks finishes the run while the worker waits for an answer
        assert emu.workflow_instance(instance_id)["Status"] == "Success"
        for proc in worker:
            proc.kill()
        _, alive = psutil.wait_procs(worker, timeout=10)
        assert not alive, alive

        ti = airflow.wait_until("the task instance's end", lambda: _ended(airflow, emu), timeout=150)
    finally:
        airflow.stop()

    runs = [(i["Id"], i["Status"]) for i in emu.state.workflow_instances()]
    assert len(emu.calls("CreateWorkflowInstances")) == 1, f"the data was processed again: DataWorks runs {runs}"
    assert ti["state"] == "success" and ti["try_number"] >= 2, ti
    retry_log = airflow.task_log(RUN_ID, TASK_ID, attempt=2)
    expected = f"Adopting workflow instances [{instance_id}] of an earlier try: the earlier run succeeded."
    assert expected in retry_log, retry_log[-3000:]
    if AIRFLOW_3:  # resolved from what try 1 recorded in the task state store, not from a List answer
        assert _recorded_instance_ids(tmp_path / "airflow.db") == [instance_id]
        assert "Resolving" not in retry_log and emu.calls("ListWorkflowInstances")[1:] == []


def _recorded_instance_ids(db: Path) -> list[int]:
    """The instance ids the run task recorded in its task state store (Airflow 3.3)."""
    with sqlite3.connect(db, timeout=10) as conn:
        (value,) = conn.execute(
            "SELECT value FROM task_state_store WHERE dag_id = ? AND task_id = ? AND key = ?",
            (DAG_ID, TASK_ID, "dataworks_workflow_run"),
        ).fetchone()
    return json.loads(value)["instance_ids"]


def _run_ids(emu: DataWorksEmulator) -> list[int]:
    """Ids of the DataWorks instances of the test's DAG run (the run's id is in their names)."""
    return [int(i["Id"]) for i in emu.state.workflow_instances() if i["Name"].endswith(RUN_ID)]


def _polls(emu: DataWorksEmulator, instance_id: int, fault: str | None = None) -> list[RecordedCall]:
    """The worker's GetWorkflowInstance calls on the instance (only those that met `fault`, if given)."""
    return [
        call
        for call in emu.calls("GetWorkflowInstance")
        if str(call.params.get("Id")) == str(instance_id) and (fault is None or call.fault == fault)
    ]


def _ended(airflow: AirflowProcesses, emu: DataWorksEmulator) -> dict[str, Any] | None:
    """The task instance once it has finished, or as soon as a second DataWorks run exists (the bug: no need to
    wait for it)."""
    ti = airflow.task_instance(RUN_ID, TASK_ID)
    if len(emu.calls("CreateWorkflowInstances")) > 1 or (ti and ti["state"] in ("success", "failed")):
        return ti
    return None
