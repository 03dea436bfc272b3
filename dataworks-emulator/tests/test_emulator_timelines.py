"""Status timelines (by reads and by seconds), asynchronous creation, and stopping."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)


def _status(client: Any, models: Any, instance_id: int) -> str:
    """Read an instance's status with GetWorkflowInstance."""
    return client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.workflow_instance.status


def test_timeline_by_reads(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        biz_date="2025-01-01", statuses=("WaitResource", "Running", "Success"), tasks=[{"name": "t"}]
    )
    listing = models.ListWorkflowInstancesRequest(project_id=100, biz_date=to_biz_date_ms("2025-01-01"))

    def listed_status() -> str:
        return client.list_workflow_instances(listing).body.paging_info.workflow_instances[0].status

    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "WaitResource"
    assert (
        "StartedTime"
        not in client.get_workflow_instance(
            models.GetWorkflowInstanceRequest(id=instance_id)
        ).body.workflow_instance.to_map()
    )
    assert listed_status() == "WaitResource"
    assert dataworks_emulator.task_instances(instance_id)[0]["Status"] == "NotRun"
    assert _status(client, models, instance_id) == "Running"
    assert listed_status() == "Running" == dataworks_emulator.workflow_instance(instance_id)["Status"]
    assert dataworks_emulator.task_instances(instance_id)[0]["Status"] == "Running"
    assert [_status(client, models, instance_id) for _ in range(2)] == ["Success", "Success"]
    finished = dataworks_emulator.workflow_instance(instance_id)
    assert finished["FinishedTime"] >= finished["StartedTime"]
    assert dataworks_emulator.task_instances(instance_id)[0]["Status"] == "Success"


def test_timeline_by_seconds(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(statuses=("Running", "Success"), advance=0.3)
    assert [_status(client, models, instance_id) for _ in range(3)] == ["Running"] * 3
    time.sleep(0.35)
    instance = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.workflow_instance
    assert instance.status == "Success"
    assert instance.finished_time - instance.create_time == 300


def test_supplement_data_over_three_days(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow(
        id=9, name="backfill", creating_reads=2, statuses=("Running", "Success"), advance=0.3, creation_delay=0
    )
    request = models.CreateWorkflowInstancesRequest(
        name="backfill-jan",
        project_id=100,
        type="SupplementData",
        workflow_id=9,
        periods=models.CreateWorkflowInstancesRequestPeriods(
            biz_dates=[
                models.CreateWorkflowInstancesRequestPeriodsBizDates(
                    start_biz_date="2025-01-01", end_biz_date="2025-01-03"
                )
            ]
        ),
    )
    operation_id = client.create_workflow_instances(request).body.operation_id
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=operation_id)
    results = [client.get_create_workflow_instances_result(poll).body.result for _ in range(3)]
    assert [result.status for result in results] == ["Creating", "Creating", "Created"]
    ids = results[2].workflow_instance_ids
    assert len(ids) == 3 == len(set(ids))
    instances = [dataworks_emulator.workflow_instance(instance_id) for instance_id in ids]
    assert [i["BizDate"] for i in instances] == [to_biz_date_ms(f"2025-01-0{day}") for day in (1, 2, 3)]
    assert {i["Type"] for i in instances} == {"SupplementData"}
    assert {i["Status"] for i in instances} == {"Running"}
    time.sleep(0.35)
    assert {_status(client, models, instance_id) for instance_id in ids} == {"Success"}


def test_create_failure_and_no_auto_start(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow(
        id=1,
        name="broken",
        create_result="CreateFailure",
        failure_message="Quota exceeded.",
        creating_reads=0,
        creation_delay=0,
    )
    dataworks_emulator.add_workflow(id=2, name="paused", creating_reads=0, creation_delay=0)
    base = {"name": "run", "project_id": 100, "type": "ManualWorkflow"}
    failing = client.create_workflow_instances(models.CreateWorkflowInstancesRequest(workflow_id=1, **base)).body
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=failing.operation_id)
    result = client.get_create_workflow_instances_result(poll).body.result
    assert (result.status, result.failure_message, result.workflow_instance_ids) == (
        "CreateFailure",
        "Quota exceeded.",
        [],
    )
    paused = client.create_workflow_instances(
        models.CreateWorkflowInstancesRequest(workflow_id=2, auto_start_enabled=False, **base)
    ).body
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=paused.operation_id)
    (instance_id,) = client.get_create_workflow_instances_result(poll).body.result.workflow_instance_ids
    assert [_status(client, models, instance_id) for _ in range(3)] == ["NotRun"] * 3


def test_stop_freezes_a_seconds_timeline(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        statuses=("Running", "Success"),
        advance=1.5,  # long enough that the stop lands while Running, even on a loaded machine
        tasks=[{"name": "a"}, {"name": "b", "status": "Success"}],
    )
    info = client.stop_workflow_instances(models.StopWorkflowInstancesRequest(ids=[instance_id])).body.success_info
    assert info[str(instance_id)].success is True
    time.sleep(1.6)
    assert _status(client, models, instance_id) == "Failure"
    assert dataworks_emulator.is_stopped(instance_id)
    assert {t["TaskName"]: t["Status"] for t in dataworks_emulator.task_instances(instance_id)} == {
        "a": "Failure",
        "b": "Success",
    }
    again = client.stop_workflow_instances(models.StopWorkflowInstancesRequest(ids=[instance_id])).body.success_info
    assert again[str(instance_id)].success is False
