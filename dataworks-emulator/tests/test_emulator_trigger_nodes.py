"""HTTP trigger nodes: WaitTrigger until TriggerSchedulerTaskInstance, once per instance, early triggers held 24 h."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

TRIGGER = {"name": "wait_for_airflow", "task_id": 21, "type": "SCHEDULER_TRIGGER"}
DOWNSTREAM = {"name": "dws_orders", "task_id": 22}


def _trigger(client: Any, models: Any, task_id: int, trigger_ms: int, env_type: str | None = "Prod") -> bool:
    """TriggerSchedulerTaskInstance through the real SDK; its Success flag."""
    request = models.TriggerSchedulerTaskInstanceRequest(task_id=task_id, trigger_time=trigger_ms, env_type=env_type)
    return bool(client.trigger_scheduler_task_instance(request).body.success)


def _statuses(emulator: DataWorksEmulator, instance_id: int) -> dict[str, str]:
    """Status of each node of a workflow instance, by node name."""
    return {task["TaskName"]: task["Status"] for task in emulator.task_instances(instance_id)}


def _scheduled(emulator: DataWorksEmulator, tasks: list[dict[str, Any]], **schedule: Any) -> int:
    """A daily workflow scheduled for data date 2025-01-15 (due 2025-01-16 00:30); the clock is then 01:00."""
    (instance_id,) = emulator.add_scheduled_workflow(7, "orders", biz_dates=["2025-01-15"], tasks=tasks, **schedule)
    emulator.set_clock("2025-01-16T01:00:00+08:00")
    return instance_id


def test_trigger_node_waits_then_releases_its_downstream(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    instance_id = _scheduled(dataworks_emulator, [TRIGGER, DOWNSTREAM])
    assert _statuses(dataworks_emulator, instance_id) == {"wait_for_airflow": "WaitTrigger", "dws_orders": "NotRun"}
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Running"
    node = dataworks_emulator.task_instances(instance_id)[0]
    assert node["TaskType"] == "SCHEDULER_TRIGGER" and node["StartedTime"] is None

    assert _trigger(client, models, 21, node["TriggerTime"]) is True
    assert _statuses(dataworks_emulator, instance_id) == {"wait_for_airflow": "Success", "dws_orders": "Success"}
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Success"
    assert _trigger(client, models, 21, node["TriggerTime"]) is False  # each instance triggers once
    assert dataworks_emulator.held_triggers() == []


def test_other_trigger_time_or_environment_does_not_fire(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    instance_id = _scheduled(dataworks_emulator, [TRIGGER, DOWNSTREAM])
    trigger_ms = dataworks_emulator.task_instances(instance_id)[0]["TriggerTime"]
    assert _trigger(client, models, 21, trigger_ms + 3_600_000) is True  # held for an instance yet to come
    assert _trigger(client, models, 21, trigger_ms, "Dev") is True
    assert _statuses(dataworks_emulator, instance_id)["wait_for_airflow"] == "WaitTrigger"
    assert [(held["TriggerTime"], held["EnvType"]) for held in dataworks_emulator.held_triggers()] == [
        (trigger_ms + 3_600_000, "Prod"),
        (trigger_ms, "Dev"),
    ]


def test_trigger_waits_for_its_upstream(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    upstream = {"name": "ods_orders", "task_id": 20, "statuses": ["Running", "Running", "Success"]}
    instance_id = _scheduled(dataworks_emulator, [upstream, TRIGGER, DOWNSTREAM])
    assert _statuses(dataworks_emulator, instance_id) == {
        "ods_orders": "Running",
        "wait_for_airflow": "NotRun",
        "dws_orders": "NotRun",
    }
    trigger_ms = dataworks_emulator.task_instances(instance_id)[1]["TriggerTime"]
    assert _trigger(client, models, 21, trigger_ms) is True  # early: held
    assert _trigger(client, models, 21, trigger_ms) is False  # already held
    assert len(dataworks_emulator.held_triggers()) == 1
    for _ in range(3):  # the third read of the upstream node finishes it
        client.get_task_instance(
            models.GetTaskInstanceRequest(id=dataworks_emulator.task_instances(instance_id)[0]["Id"])
        )
    assert _statuses(dataworks_emulator, instance_id) == {
        "ods_orders": "Success",
        "wait_for_airflow": "Success",
        "dws_orders": "Success",
    }
    assert dataworks_emulator.held_triggers() == []


def test_trigger_before_the_instance_exists_is_held_and_applied(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_scheduled_workflow(7, "orders", biz_dates=["2025-01-15"], tasks=[TRIGGER, DOWNSTREAM])
    dataworks_emulator.set_clock("2025-01-15T23:00:00+08:00")  # before T+1 generation at 23:30
    trigger_ms = dataworks_emulator.state.time_ms("2025-01-16T00:30:00+08:00")
    assert dataworks_emulator.state.task_instances() == []
    assert _trigger(client, models, 21, trigger_ms) is True
    dataworks_emulator.set_clock("2025-01-16T00:31:00+08:00")
    (instance,) = dataworks_emulator.state.workflow_instances()
    assert _statuses(dataworks_emulator, instance["Id"])["wait_for_airflow"] == "Success"
    assert dataworks_emulator.workflow_instance(instance["Id"])["Status"] == "Success"


def test_a_held_trigger_expires_after_24_hours(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_scheduled_workflow(7, "orders", biz_dates=["2025-01-20"], tasks=[TRIGGER, DOWNSTREAM])
    dataworks_emulator.set_clock("2025-01-16T00:00:00+08:00")
    trigger_ms = dataworks_emulator.state.time_ms("2025-01-21T00:30:00+08:00")
    assert _trigger(client, models, 21, trigger_ms) is True
    dataworks_emulator.set_clock("2025-01-17T00:00:01+08:00")
    assert dataworks_emulator.held_triggers() == []
    dataworks_emulator.set_clock("2025-01-21T00:31:00+08:00")
    (instance,) = dataworks_emulator.state.workflow_instances()
    assert _statuses(dataworks_emulator, instance["Id"])["wait_for_airflow"] == "WaitTrigger"


def test_failure_after_the_trigger(dataworks_emulator: DataWorksEmulator) -> None:
    failing = {**DOWNSTREAM, "status": "Failure"}
    instance_id = _scheduled(dataworks_emulator, [TRIGGER, failing], statuses=("Running", "Failure"))
    node = dataworks_emulator.task_instances(instance_id)[0]
    assert dataworks_emulator.trigger_task_instance(21, node["TriggerTime"]) is True
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Failure"
    assert _statuses(dataworks_emulator, instance_id) == {"wait_for_airflow": "Success", "dws_orders": "Failure"}


def test_refusals(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    instance_id = _scheduled(dataworks_emulator, [TRIGGER, DOWNSTREAM])
    backfill = dataworks_emulator.add_workflow_instance(
        workflow_id=7, type="SupplementData", biz_date="2025-01-14", trigger_time="2025-01-16T00:50:00+08:00"
    )
    backfill_ms = dataworks_emulator.task_instances(backfill)[0]["TriggerTime"]
    trigger_ms = dataworks_emulator.task_instances(instance_id)[0]["TriggerTime"]
    cases = [(21, backfill_ms, "OperationDenied.SupplementInstance"), (22, trigger_ms, "InvalidParameter")]
    cases.append((99, trigger_ms, "InvalidParameter.NotExist.Task"))
    for task_id, when, code in cases:
        with pytest.raises(ClientException) as caught:
            _trigger(client, models, task_id, when)
        assert (caught.value.code, caught.value.status_code) == (code, 400)
    assert _statuses(dataworks_emulator, backfill)["wait_for_airflow"] == "Running"  # a backfill does not wait
    with pytest.raises(ValueError, match="at most one SCHEDULER_TRIGGER"):
        dataworks_emulator.add_workflow(id=8, name="two", tasks=[TRIGGER, {**TRIGGER, "task_id": 23}])
