"""DataWorks' timing as modelled: asynchronous creation, backfill TriggerTime, 19-digit ids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from emulator_requests import create_run

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)


def _listed(client: Any, models: Any) -> list[dict[str, Any]]:
    request = models.ListWorkflowInstancesRequest(project_id=100, biz_date=to_biz_date_ms("2025-01-01"), page_size=100)
    return list(client.list_workflow_instances(request).body.to_map()["PagingInfo"]["WorkflowInstances"])


def test_created_instances_appear_only_when_the_operation_is_created(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=120)
    poll = models.GetCreateWorkflowInstancesResultRequest(
        operation_id=create_run(client, models, type="SupplementData")
    )
    for _ in range(3):
        assert client.get_create_workflow_instances_result(poll).body.result.status == "Creating"
        assert _listed(client, models) == []
    dataworks_emulator.advance_clock(119)
    assert client.get_create_workflow_instances_result(poll).body.result.status == "Creating"
    dataworks_emulator.advance_clock(1)
    result = client.get_create_workflow_instances_result(poll).body.result
    assert result.status == "Created"
    (listed,) = _listed(client, models)
    assert listed["Id"] == result.workflow_instance_ids[0]


def test_backfill_instances_carry_their_creation_time(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders", tasks=[{"name": "ods"}], creating_reads=0, creation_delay=30)
    dataworks_emulator.set_clock("2025-03-01T10:00:00+08:00")
    poll = models.GetCreateWorkflowInstancesResultRequest(
        operation_id=create_run(client, models, type="SupplementData")
    )
    dataworks_emulator.advance_clock(30)
    (instance_id,) = client.get_create_workflow_instances_result(poll).body.result.workflow_instance_ids
    request = models.ListTaskInstancesRequest(project_id=100, bizdate=to_biz_date_ms("2025-01-01"), page_size=10)
    (task,) = client.list_task_instances(request).body.to_map()["PagingInfo"]["TaskInstances"]
    created = dataworks_emulator.workflow_instance(instance_id)["CreateTime"]
    assert task["WorkflowInstanceType"] == "SupplementData"
    assert abs(task["TriggerTime"] - created) < 1000
    assert abs(created - (dataworks_emulator.state.time_ms("2025-03-01T10:00:30+08:00"))) < 2000  # not 2025-01-02 00:00


def test_ids_above_2_to_the_53_round_trip_through_every_action(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders", tasks=[{"name": "ods"}], statuses=("Running",))
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=create_run(client, models))
    dataworks_emulator.advance_clock(dataworks_emulator.state.creation_delay)
    client.get_create_workflow_instances_result(poll)
    result = client.get_create_workflow_instances_result(poll).body.to_map()["Result"]
    (instance_id,) = result["WorkflowInstanceIds"]
    (workflow_task_instance_id,) = result["WorkflowTaskInstanceIds"]
    assert instance_id > 2**53 and len(str(instance_id)) == 19 and workflow_task_instance_id > 2**53
    got = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.to_map()
    assert got["WorkflowInstance"]["Id"] == instance_id
    assert [i["Id"] for i in _listed(client, models)] == [instance_id]
    request = models.ListTaskInstancesRequest(
        project_id=100, bizdate=to_biz_date_ms("2025-01-01"), workflow_instance_id=instance_id
    )
    (task,) = client.list_task_instances(request).body.to_map()["PagingInfo"]["TaskInstances"]
    assert task["Id"] > 2**53 and task["WorkflowInstanceId"] == instance_id
    fetched = client.get_task_instance(models.GetTaskInstanceRequest(id=task["Id"])).body.to_map()["TaskInstance"]
    assert fetched["Id"] == task["Id"]
    log = client.get_task_instance_log(models.GetTaskInstanceLogRequest(id=task["Id"])).body.task_instance_log
    assert str(task["Id"]) in log
    stopped = client.stop_workflow_instances(models.StopWorkflowInstancesRequest(ids=[instance_id])).body.to_map()
    assert stopped["SuccessInfo"][str(instance_id)]["Success"] is True
    assert dataworks_emulator.is_stopped(instance_id)
