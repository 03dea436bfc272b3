"""Firing an HTTP trigger node through the real SDK over HTTP: the hook call and DataWorksTriggerNodeOperator."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pendulum
import pytest
from airflow_compat import TaskDeferred
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksConfigError,
    DataWorksThrottlingError,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.operators.trigger_node import DataWorksTriggerNodeOperator
from airflow_provider_dataworks.triggers.trigger_node import DataWorksTriggerNodeTrigger

if TYPE_CHECKING:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(60)

TRIGGER = {"name": "wait_for_airflow", "task_id": 21, "type": "SCHEDULER_TRIGGER"}
DOWNSTREAM = {"name": "dws_orders", "task_id": 22}
#: The Airflow run due at 2025-01-16 00:00 in DataWorks' zone: data date 2025-01-15.
DUE = pendulum.datetime(2025, 1, 15, 16, tz="UTC")


def scheduled(emulator: DataWorksEmulator, *, clock: str = "2025-01-16T01:00:00+08:00", **schedule: Any) -> int:
    """Workflow 7 of data date 2025-01-15, due 2025-01-16 00:30 (+08:00), that waits on node 21."""
    schedule.setdefault("tasks", [TRIGGER, DOWNSTREAM])
    (instance_id,) = emulator.add_scheduled_workflow(7, "orders", biz_dates=["2025-01-15"], **schedule)
    emulator.set_clock(clock)
    return instance_id


def context(try_number: int = 1) -> dict[str, Any]:
    """The Airflow run of data date 2025-01-15, on its `try_number`-th try."""
    return {"ti": FakeTaskInstance(try_number=try_number), "data_interval_end": DUE, "logical_date": DUE}


def operator(**kwargs: Any) -> DataWorksTriggerNodeOperator:
    kwargs.setdefault("dataworks_task_id", 21)
    return DataWorksTriggerNodeOperator(task_id="release", poll_interval=30, api_retry_delay=0.01, **kwargs)


@pytest.fixture
def connection(dataworks_emulator: DataWorksEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def trigger_calls(emulator: DataWorksEmulator) -> list[dict[str, str]]:
    return [call.params for call in emulator.calls("TriggerSchedulerTaskInstance") if call.status == 200]


# -- the hook ---------------------------------------------------------------------------------------------


def test_hook_fires_once_and_a_repeat_answers_false(dataworks_emulator: DataWorksEmulator, hook: DataWorksHook) -> None:
    instance_id = scheduled(dataworks_emulator)
    node = dataworks_emulator.task_instances(instance_id)[0]
    assert hook.trigger_scheduler_task_instance(21, node["TriggerTime"]) is True
    assert hook.trigger_scheduler_task_instance("21", node["TriggerTime"], "Prod") is False
    assert trigger_calls(dataworks_emulator)[0] == {
        "TaskId": "21",
        "TriggerTime": str(node["TriggerTime"]),
        "EnvType": "Prod",
    }


def test_hook_retries_throttling_only(dataworks_emulator: DataWorksEmulator, hook: DataWorksHook) -> None:
    instance_id = scheduled(dataworks_emulator)
    trigger_ms = dataworks_emulator.task_instances(instance_id)[0]["TriggerTime"]
    dataworks_emulator.inject_fault("TriggerSchedulerTaskInstance", "throttle")
    assert hook.trigger_scheduler_task_instance(21, trigger_ms) is True
    dataworks_emulator.inject_fault("TriggerSchedulerTaskInstance", "server_error")
    with pytest.raises(DataWorksAPIError) as raised:
        hook.trigger_scheduler_task_instance(21, trigger_ms)
    assert not isinstance(raised.value, DataWorksThrottlingError)
    assert len(dataworks_emulator.calls("TriggerSchedulerTaskInstance")) == 3  # the 503 was not retried


# -- the operator -----------------------------------------------------------------------------------------


def test_poke_fires_the_waiting_instance_with_its_own_trigger_time(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    instance_id = scheduled(dataworks_emulator)
    node = dataworks_emulator.task_instances(instance_id)[0]
    result = operator().poke(context())
    assert result.is_done and result.xcom_value["Status"] == "Success"
    assert result.xcom_value["Id"] == node["Id"]
    assert [call["TriggerTime"] for call in trigger_calls(dataworks_emulator)] == [str(node["TriggerTime"])]
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Success"


def test_a_retry_reads_the_status_instead_of_firing_again(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    scheduled(dataworks_emulator)
    assert operator().poke(context()).is_done
    second = operator().poke(context(try_number=2))
    assert second.is_done and second.xcom_value["Status"] == "Success"
    assert len(trigger_calls(dataworks_emulator)) == 1


def test_a_lost_answer_is_not_fired_blindly(dataworks_emulator: DataWorksEmulator, connection: None) -> None:
    scheduled(dataworks_emulator)
    dataworks_emulator.inject_fault("TriggerSchedulerTaskInstance", "lost_answer")
    task = operator()
    assert task.poke(context()).is_done is False  # the trigger landed, the answer did not
    assert task.poke(context()).is_done  # the next poll sees Success: fired
    assert len(dataworks_emulator.calls("TriggerSchedulerTaskInstance")) == 1


def test_waits_until_the_instance_exists_and_waits_for_its_trigger(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    scheduled(dataworks_emulator, clock="2025-01-16T00:10:00+08:00")
    task = operator()
    assert task.poke(context()).is_done is False
    dataworks_emulator.set_clock("2025-01-16T00:40:00+08:00")
    assert task.poke(context()).is_done
    assert len(trigger_calls(dataworks_emulator)) == 1


def test_wait_for_downstream_fails_on_a_failed_workflow(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    scheduled(dataworks_emulator, statuses=("Running", "Failure"), tasks=[TRIGGER, {**DOWNSTREAM, "status": "Failure"}])
    with pytest.raises(DataWorksWorkflowInstanceFailed, match="Failure"):
        operator(wait_for_downstream=True).poke(context())
    assert len(trigger_calls(dataworks_emulator)) == 1


def test_wait_for_downstream_waits_for_a_running_workflow(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    instance_id = scheduled(dataworks_emulator, statuses=("Running", "Running", "Success"), advance=3600.0)
    task = operator(wait_for_downstream=True)
    assert task.poke(context()).is_done is False  # fired; the downstream nodes run for an hour
    dataworks_emulator.set_clock("2025-01-16T03:00:00+08:00")
    assert task.poke(context()).is_done
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Success"
    assert len(trigger_calls(dataworks_emulator)) == 1


def test_a_node_that_is_not_a_trigger_node_fails_before_any_trigger(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    scheduled(dataworks_emulator)
    with pytest.raises(DataWorksConfigError, match=r"dataworks_task_id 22 .* not an HTTP trigger node"):
        operator(dataworks_task_id=22).poke(context())
    assert dataworks_emulator.calls("TriggerSchedulerTaskInstance") == []


def test_a_backfill_instance_fails_before_any_trigger(dataworks_emulator: DataWorksEmulator, connection: None) -> None:
    dataworks_emulator.add_workflow(id=7, name="orders", tasks=[TRIGGER, DOWNSTREAM])
    dataworks_emulator.add_workflow_instance(workflow_id=7, type="SupplementData", biz_date="2025-01-15")
    with pytest.raises(DataWorksConfigError, match="backfill"):
        operator(instance_types=("SupplementData",)).poke(context())
    assert dataworks_emulator.calls("TriggerSchedulerTaskInstance") == []


def test_deferrable_waits_in_the_trigger_then_fires_on_the_worker(
    dataworks_emulator: DataWorksEmulator, connection: None
) -> None:
    scheduled(dataworks_emulator, clock="2025-01-16T00:10:00+08:00")
    task = operator(deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, DataWorksTriggerNodeTrigger)
    assert dataworks_emulator.calls("TriggerSchedulerTaskInstance") == []
    dataworks_emulator.set_clock("2025-01-16T00:40:00+08:00")
    trigger.poll_interval = 0.1
    event = asyncio.run(anext(trigger.run())).payload
    assert event["status"] == "success" and event["instances"][0]["Status"] == "WaitTrigger"
    node = operator(deferrable=True).execute_complete(context(), event)
    assert node["Status"] == "Success"
    assert len(trigger_calls(dataworks_emulator)) == 1


def test_deferrable_defers_again_for_the_downstream_nodes(
    dataworks_emulator: DataWorksEmulator, connection: None, stats_recorder: Any
) -> None:
    scheduled(dataworks_emulator, statuses=("Running", "Running", "Success"), advance=3600.0)
    task = operator(deferrable=True, wait_for_downstream=True)
    with pytest.raises(TaskDeferred) as deferred:
        task.execute(context())
    event = asyncio.run(anext(deferred.value.trigger.run())).payload  # the node is already past WaitTrigger
    with pytest.raises(TaskDeferred) as again:
        operator(deferrable=True, wait_for_downstream=True).execute_complete(context(), event)
    dataworks_emulator.set_clock("2025-01-16T03:00:00+08:00")
    workflow_trigger = again.value.trigger
    workflow_trigger.poll_interval = 0.1
    done = asyncio.run(anext(workflow_trigger.run())).payload
    node = operator(deferrable=True, wait_for_downstream=True).execute_complete(context(), done)
    assert node["Status"] == "Success" and node["TaskId"] == 21
    assert len(trigger_calls(dataworks_emulator)) == 1
    # one wait across both deferrals: its start travels through each trigger, and it is timed once, at its end
    started = deferred.value.trigger.wait_started
    assert workflow_trigger.wait_started == started == event["wait_started"] == done["wait_started"]
    (timing,) = stats_recorder.tagged("dataworks.wait.duration")
    assert timing.tags == {"kind": "trigger_node", "outcome": "success"}
