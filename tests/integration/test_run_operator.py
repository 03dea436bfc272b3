"""DataWorksRunWorkflowOperator and DataWorksGetWorkflowInstanceOperator against the emulator over HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.exceptions import (
    DataWorksConfigError,
    DataWorksWaitTimeout,
    DataWorksWorkflowCreateFailed,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.operators.dataworks import (
    DataWorksGetWorkflowInstanceOperator,
    DataWorksRunWorkflowOperator,
)
from airflow_provider_dataworks.runs.identity import RunIdentity

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def connection(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def make_operator(**kwargs: Any) -> DataWorksRunWorkflowOperator:
    defaults = {"task_id": "run", "poll_interval": 0.2, "api_retry_delay": 0.01, "biz_date": "2026-11-27"}
    return DataWorksRunWorkflowOperator(**{**defaults, **kwargs})


def test_run_succeeds_and_pushes_ids_first(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=501, name="sales", statuses=["Running", "Success"], advance="reads")
    ti = FakeTaskInstance()
    instances = make_operator(workflow_id=501, workflow_parameters={"k": "v"}).execute({"ti": ti})
    assert [i["Status"] for i in instances] == ["Success"]
    assert ti.xcoms["workflow_instance_ids"] == [instances[0]["Id"]]
    assert instances[0]["Type"] == "ManualWorkflow"
    sent = dataworks_emulator.calls("CreateWorkflowInstances")[0].params
    assert sent["Name"] == "airflow-dag-run-manual__2026-11-27"
    assert '"k": "v"' in sent["WorkflowParameters"]
    assert ti.xcoms["dataworks_console_url"].endswith("defaultProjectId=100&env=prod")


@pytest.mark.parametrize(
    ("biz_date", "context_dates", "expected"),
    [
        # no date: the day before the run's data interval end, in UTC+8 (Airflow 3's CronTriggerTimetable run)
        (None, {"data_interval_end": datetime(2025, 1, 16, tzinfo=UTC)}, "2025-01-15"),
        # 17:00 UTC is already the next day in UTC+8
        (None, {"data_interval_end": datetime(2025, 1, 15, 17, tzinfo=UTC)}, "2025-01-15"),
        ("20250110", {}, "2025-01-10"),
        (20250110, {}, "2025-01-10"),
    ],
)
def test_the_runs_data_date(dataworks_emulator, connection, biz_date, context_dates, expected):
    dataworks_emulator.add_workflow(id=501, name="sales", statuses=["Success"])
    operator = make_operator(workflow_id=501, wait_for_termination=False, biz_date=biz_date)
    operator.execute({"ti": FakeTaskInstance(), **context_dates})
    periods = json.loads(dataworks_emulator.calls("CreateWorkflowInstances")[0].params["Periods"])
    assert periods == {"BizDates": [{"StartBizDate": expected, "EndBizDate": expected}]}


@pytest.mark.parametrize("biz_date", ["2025-01-15garbage", "2025-02-30", 1736870400000, "yesterday"])
def test_a_bad_data_date_fails_before_any_call(dataworks_emulator, connection, biz_date):
    operator = make_operator(workflow_id=501, biz_date=biz_date)
    with pytest.raises(DataWorksConfigError, match="is not a"):
        operator.execute({"ti": FakeTaskInstance()})
    assert dataworks_emulator.calls() == []


def test_create_failure_fails_with_the_failure_message(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(
        id=502, name="x", create_result="CreateFailure", failure_message="Workflow is not published."
    )
    with pytest.raises(DataWorksWorkflowCreateFailed, match="Workflow is not published"):
        make_operator(workflow_id=502).execute({"ti": FakeTaskInstance()})


def task_log(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """What the task logged: Airflow 3 task loggers print through structlog, the rest goes to logging."""
    return caplog.text + capsys.readouterr().out


def test_failed_instance_logs_failed_tasks_and_their_log_tail(dataworks_emulator, connection, caplog, capsys):
    long_log = "\n".join(f"noise line {n}" for n in range(500)) + "\nFAILED: ODPS-0130071 semantic error"
    dataworks_emulator.add_workflow(
        id=503,
        name="etl",
        statuses=["Running", "Failure"],
        advance="reads",
        tasks=[{"name": "extract"}, {"name": "transform", "status": "Failure", "log": long_log}],
    )
    caplog.set_level(logging.INFO)
    with pytest.raises(DataWorksWorkflowInstanceFailed, match="status Failure"):
        make_operator(workflow_id=503).execute({"ti": FakeTaskInstance()})
    text = task_log(caplog, capsys)
    assert "failed DataWorks tasks: transform" in text
    assert "ODPS-0130071 semantic error" in text
    assert "noise line 10\n" not in text  # bounded: only the tail is logged
    assert "extract (task instance" not in text


def test_diagnostics_failure_never_hides_the_real_failure(dataworks_emulator, connection, caplog, capsys):
    dataworks_emulator.add_workflow(
        id=504, name="etl", statuses=["Failure"], tasks=[{"name": "t", "status": "Failure"}]
    )
    dataworks_emulator.inject_fault("ListTaskInstances", "error", times=1, status=403, code="Forbidden.RAM")
    with pytest.raises(DataWorksWorkflowInstanceFailed):
        make_operator(workflow_id=504).execute({"ti": FakeTaskInstance()})
    assert "Could not fetch diagnostics" in task_log(caplog, capsys)


def test_backfill_over_three_dates_creates_three_instances(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=505, name="daily", statuses=["Running", "Success"], advance="reads")
    ti = FakeTaskInstance()
    instances = make_operator(
        workflow_id=505, run_type="SupplementData", biz_date=("2026-11-25", "2026-11-27")
    ).execute({"ti": ti})
    assert len(instances) == 3 == len(ti.xcoms["workflow_instance_ids"])
    assert {i["Type"] for i in instances} == {"SupplementData"}
    days = ("2026-11-25", "2026-11-26", "2026-11-27")
    assert sorted(i["BizDate"] for i in instances) == [
        biz_date_ms(date.fromisoformat(d), dataworks_zone()) for d in days
    ]


def test_on_kill_stops_the_running_instances(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=506, name="long", statuses=["Running"])
    operator = make_operator(workflow_id=506, run_type="SupplementData", biz_date=("2026-11-26", "2026-11-27"))
    ti = FakeTaskInstance()

    def kill_once_started() -> None:
        deadline = time.time() + 30
        while "workflow_instance_ids" not in ti.xcoms and time.time() < deadline:
            time.sleep(0.05)
        operator.on_kill()

    # execute() stays on the main thread: Airflow 2's executor safeguard refuses it on any other thread.
    killer = threading.Thread(target=kill_once_started)
    killer.start()
    with pytest.raises(DataWorksWorkflowInstanceFailed):  # the waiting task ends once its instances are stopped
        operator.execute({"ti": ti})
    killer.join(30)
    ids = ti.xcoms["workflow_instance_ids"]
    (stop_call,) = dataworks_emulator.calls("StopWorkflowInstances")
    assert sorted(int(i) for i in stop_call.params["Ids"].strip("[]").split(",")) == sorted(ids)
    assert all(dataworks_emulator.is_stopped(i) for i in ids)


def test_timeout_stops_the_instances_then_fails(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=507, name="slow", statuses=["Running"])
    ti = FakeTaskInstance()
    with pytest.raises(DataWorksWaitTimeout, match="stopped them"):
        make_operator(workflow_id=507, timeout=2).execute({"ti": ti})
    (instance_id,) = ti.xcoms["workflow_instance_ids"]
    assert dataworks_emulator.is_stopped(instance_id)


def test_a_retry_without_reuse_stops_the_previous_tries_run(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=508, name="w", statuses=["Running"])
    first_try = FakeTaskInstance()
    with pytest.raises(DataWorksWaitTimeout):
        make_operator(workflow_id=508, timeout=3, stop_on_kill=False).execute({"ti": first_try})
    leftover = dataworks_emulator.add_workflow_instance(
        workflow_id=508,
        name="airflow-dag-run-manual__2026-11-27",
        biz_date="2026-11-27",
        type="ManualWorkflow",
        tags=[{"Key": k, "Value": v} for k, v in RunIdentity.from_context({"ti": first_try}).tags().items()],
    )
    second_try = FakeTaskInstance(try_number=2)
    make_operator(workflow_id=508, wait_for_termination=False, reuse_existing_run=False).execute({"ti": second_try})
    assert dataworks_emulator.is_stopped(leftover)
    assert second_try.xcoms["workflow_instance_ids"] != first_try.xcoms["workflow_instance_ids"]


def test_no_wait_returns_the_instances_as_started(dataworks_emulator, connection):
    dataworks_emulator.add_workflow(id=510, name="w", statuses=["Running"])
    instances = make_operator(workflow_id=510, wait_for_termination=False).execute({"ti": FakeTaskInstance()})
    assert [i["Status"] for i in instances] == ["Running"]
    assert dataworks_emulator.calls("StopWorkflowInstances") == []


def test_get_instance_operator_returns_the_dict(dataworks_emulator, connection):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Success"], owner="4242"
    )
    ti = FakeTaskInstance()
    op = DataWorksGetWorkflowInstanceOperator(task_id="get", workflow_instance_id=str(instance_id))
    instance = op.execute({"ti": ti})
    assert (instance["Id"], instance["Status"], instance["Owner"]) == (instance_id, "Success", "4242")
    assert ti.xcoms["dataworks_console_url"].startswith("https://dataworks.data.aliyun.com/cn-hangzhou/")


def test_deferred_timeout_stops_the_instances_then_fails(dataworks_emulator, connection):
    """The trigger's timeout event resumes the task, which stops what it started before failing."""
    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=511, name="w", biz_date="2026-11-27")
    ti = FakeTaskInstance(xcoms={"workflow_instance_ids": [instance_id]})
    event = {"status": "timeout", "instances": [], "pending_ids": [instance_id]}
    with pytest.raises(DataWorksWaitTimeout, match="stopped them"):
        make_operator(workflow_id=511, deferrable=True).execute_complete({"ti": ti}, event)
    assert dataworks_emulator.is_stopped(instance_id)


def test_execution_timeout_caps_the_wait(dataworks_emulator, connection):
    from datetime import timedelta

    dataworks_emulator.add_workflow(id=512, name="slow", statuses=["Running"])
    ti = FakeTaskInstance()
    started = time.time()
    with pytest.raises(DataWorksWaitTimeout, match="execution_timeout"):
        make_operator(workflow_id=512, execution_timeout=timedelta(seconds=4)).execute({"ti": ti})
    assert time.time() - started < 12
    assert dataworks_emulator.is_stopped(ti.xcoms["workflow_instance_ids"][0])


def test_each_task_logs_the_api_calls_it_spent(dataworks_emulator, connection, caplog, capsys):
    dataworks_emulator.add_workflow(id=501, name="sales", statuses=["Running", "Success"], advance="reads")
    caplog.set_level(logging.INFO)
    instances = make_operator(workflow_id=501).execute({"ti": FakeTaskInstance()})
    spent = len(dataworks_emulator.calls())
    assert f"Task 'run' spent {spent} DataWorks API call(s)." in task_log(caplog, capsys)
    get = DataWorksGetWorkflowInstanceOperator(task_id="get", workflow_instance_id=instances[0]["Id"])
    get.execute({"ti": FakeTaskInstance()})
    assert "Task 'get' spent 1 DataWorks API call(s)." in task_log(caplog, capsys)


@pytest.mark.parametrize("error", ["Trigger failure", "Trigger timeout", "Trigger/execution timeout"])
def test_a_failed_deferral_stops_the_task_instances_own_run(dataworks_emulator, connection, error: str) -> None:
    """The trigger raised, or Airflow's deferral timeout passed: Airflow resumes with __fail__, never calling
    execute_complete; the run operator stops the instances its task instance started (its own XCom) first."""
    from airflow_compat import TaskDeferred

    dataworks_emulator.add_workflow(id=520, name="w", statuses=["Running"])
    ti = FakeTaskInstance()
    with pytest.raises(TaskDeferred):
        make_operator(workflow_id=520, deferrable=True).execute({"ti": ti})
    (started,) = ti.xcoms["workflow_instance_ids"]
    with pytest.raises(Exception, match="Trigger"):
        make_operator(workflow_id=520, deferrable=True).resume_execution("__fail__", {"error": error}, {"ti": ti})
    assert dataworks_emulator.is_stopped(started)


def test_a_wait_capped_by_execution_timeout_ends_before_airflows_deferral_timeout() -> None:
    """Airflow 2 ends a deferral at start + execution_timeout itself: the trigger's own deadline comes first."""
    from datetime import timedelta

    ti = FakeTaskInstance()
    ti.start_date = datetime.now(UTC)  # type: ignore[attr-defined]
    operator = make_operator(workflow_id=1, execution_timeout=timedelta(minutes=10))
    deadline = operator.wait_deadline({"ti": ti}, operator.timeout)
    assert deadline <= ti.start_date.timestamp() + 600 - 30  # type: ignore[attr-defined]
    short = make_operator(workflow_id=1, execution_timeout=timedelta(seconds=20))
    assert short.wait_deadline({"ti": ti}, short.timeout) <= ti.start_date.timestamp() + 18  # type: ignore[attr-defined]


@pytest.mark.parametrize(("field", "value"), [("timeout", 0), ("timeout", -5), ("creation_timeout", 0)])
def test_a_wait_of_no_time_is_refused_at_once(field: str, value: float) -> None:
    with pytest.raises(DataWorksConfigError, match=f"{field} must be a positive number of seconds"):
        make_operator(workflow_id=1, **{field: value})
