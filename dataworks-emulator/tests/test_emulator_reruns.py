"""Reruns: the same instance id goes Failure -> Running -> final again, failed nodes run again (RunNumber + 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

JAN_1 = to_biz_date_ms("2025-01-01")
FAILED_RUN_TASKS = [{"name": "ods"}, {"name": "dws", "status": "Failure"}]


def _status(client: Any, models: Any, instance_id: int) -> str:
    """Read an instance's status with GetWorkflowInstance."""
    return client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.workflow_instance.status


def _rerun(client: Any, models: Any, workflow_id: int, ids: list[int] | None, **fields: Any) -> str:
    """Send RerunWorkflowInstances for failed tasks and return its OperationId."""
    request = models.RerunWorkflowInstancesRequest(
        project_id=100,
        type="ManualWorkflow",
        workflow_id=workflow_id,
        ids=ids,
        env_type="Prod",
        filter=models.RerunWorkflowInstancesRequestFilter(task_instance_statuses=["Failure"]),
        **fields,
    )
    return str(client.rerun_workflow_instances(request).body.operation_id)


def _result(client: Any, models: Any, operation_id: str) -> dict[str, Any]:
    """Read GetRerunWorkflowInstancesResult's Result."""
    request = models.GetRerunWorkflowInstancesResultRequest(operation_id=operation_id)
    return dict(client.get_rerun_workflow_instances_result(request).body.to_map()["Result"])


def _tasks(emulator: DataWorksEmulator, instance_id: int) -> dict[str, tuple[str, int]]:
    """Return {task name: (status, RunNumber)} of an instance's task instances."""
    return {t["TaskName"]: (t["Status"], t["RunNumber"]) for t in emulator.task_instances(instance_id)}


def test_rerun_failed_tasks_over_the_wire(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders", rerun_statuses=("Running", "Success"))
    failed = dataworks_emulator.add_workflow_instance(
        workflow_id=5, type="ManualWorkflow", biz_date="2025-01-01", statuses=("Failure",), tasks=FAILED_RUN_TASKS
    )
    assert _status(client, models, failed) == "Failure"
    assert _tasks(dataworks_emulator, failed) == {"ods": ("Success", 1), "dws": ("Failure", 1)}
    operation_id = _rerun(client, models, 5, [failed], bizdate=JAN_1)
    assert _result(client, models, operation_id) == {"Status": "NotRun", "FailureMessage": ""}
    assert _status(client, models, failed) == "Failure"  # nothing happens before the operation runs
    assert _result(client, models, operation_id)["Status"] == "Success"
    assert _tasks(dataworks_emulator, failed) == {"ods": ("Success", 1), "dws": ("Running", 2)}
    assert [_status(client, models, failed) for _ in range(3)] == ["Running", "Success", "Success"]
    assert _tasks(dataworks_emulator, failed) == {"ods": ("Success", 1), "dws": ("Success", 2)}
    assert _result(client, models, operation_id)["Status"] == "Success"  # read again: no second rerun
    assert _tasks(dataworks_emulator, failed)["dws"] == ("Success", 2)
    (call,) = dataworks_emulator.calls("RerunWorkflowInstances")
    assert call.params["Filter"] == '{"TaskInstanceStatuses":["Failure"]}' and call.params["Ids"] == f"[{failed}]"
    dws = next(t for t in dataworks_emulator.task_instances(failed) if t["TaskName"] == "dws")
    log = client.get_task_instance_log(models.GetTaskInstanceLogRequest(id=dws["Id"], run_number=2)).body
    assert "run 2" in log.task_instance_log


def test_rerun_that_fails_again_and_rerun_by_workflow_and_date(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_workflow(id=6, name="flaky", rerun_statuses=("Running", "Failure"))
    failed = dataworks_emulator.add_workflow_instance(
        workflow_id=6, type="ManualWorkflow", biz_date="2025-01-01", statuses=("Failure",), tasks=FAILED_RUN_TASKS
    )
    operation_id = _rerun(client, models, 6, None, bizdate=JAN_1)
    assert [_result(client, models, operation_id)["Status"] for _ in range(2)] == ["NotRun", "Success"]
    assert [_status(client, models, failed) for _ in range(2)] == ["Running", "Failure"]
    assert _tasks(dataworks_emulator, failed) == {"ods": ("Success", 1), "dws": ("Failure", 2)}


def test_rerun_refused_for_running_or_unknown_instances(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    running = dataworks_emulator.add_workflow_instance(
        workflow_id=5, type="ManualWorkflow", statuses=("Running", "Success")
    )
    operation_id = _rerun(client, models, 5, [running])
    _result(client, models, operation_id)
    result = _result(client, models, operation_id)
    assert result["Status"] == "Failure" and str(running) in result["FailureMessage"]
    with pytest.raises(ClientException) as excinfo:
        _rerun(client, models, 5, [424242])
    assert (excinfo.value.code, "424242" in excinfo.value.message) == ("InvalidParameter", True)
    with pytest.raises(ClientException) as missing:
        client.rerun_workflow_instances(models.RerunWorkflowInstancesRequest(project_id=100, workflow_id=5))
    assert missing.value.code == "MissingParameter" and "Type" in missing.value.message


def test_python_rerun_and_instance_rerun_statuses(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    scheduled = dataworks_emulator.add_workflow_instance(
        workflow_id=9,
        statuses=("Running", "Failure"),
        rerun_statuses=("Running", "Running", "Success"),
        tasks=[{"name": "only", "status": "Failure"}],
    )
    assert [_status(client, models, scheduled) for _ in range(2)] == ["Running", "Failure"]
    dataworks_emulator.rerun_workflow_instance(scheduled)
    assert dataworks_emulator.workflow_instance(scheduled)["Status"] == "Running"
    assert dataworks_emulator.workflow_instance(scheduled)["FinishedTime"] is None
    assert [_status(client, models, scheduled) for _ in range(3)] == ["Running", "Running", "Success"]
    assert _tasks(dataworks_emulator, scheduled) == {"only": ("Success", 2)}
    dataworks_emulator.rerun_workflow_instance(scheduled, statuses=("Failure",))
    assert _status(client, models, scheduled) == "Failure"
    assert _tasks(dataworks_emulator, scheduled) == {"only": ("Failure", 3)}
