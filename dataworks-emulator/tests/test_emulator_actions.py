"""Every emulated action round-trips through the real SDK with the documented response shapes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

JAN_1 = to_biz_date_ms("2025-01-01")
WORKFLOW_INSTANCE_FIELDS = {
    "Id",
    "WorkflowId",
    "WorkflowTaskInstanceId",
    "UnifiedWorkflowInstanceId",
    "Name",
    "Type",
    "Status",
    "BizDate",
    "StartedTime",
    "FinishedTime",
    "ProjectId",
    "EnvType",
    "Owner",
    "CreateTime",
    "ModifyTime",
    "CreateUser",
    "ModifyUser",
    "WorkflowParameters",
    "Tags",
}


def test_biz_dates_are_midnight_utc8() -> None:
    assert JAN_1 == 1735660800000
    assert to_biz_date_ms(JAN_1) == JAN_1


def test_get_workflow_instance_sync_and_async(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=7,
        name="daily_sales",
        biz_date="2025-01-01",
        statuses=("Success",),
        workflow_parameters="k1=v1 k2=v2",
        tags=[{"Key": "team", "Value": "data"}],
    )
    body = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.to_map()
    instance = body["WorkflowInstance"]
    assert set(instance) == WORKFLOW_INSTANCE_FIELDS
    assert body["RequestId"]
    assert instance["Id"] == instance_id >= 1000
    assert (instance["WorkflowId"], instance["Name"], instance["Type"]) == (7, "daily_sales", "Normal")
    assert (instance["Status"], instance["BizDate"], instance["ProjectId"]) == ("Success", JAN_1, 100)
    assert instance["FinishedTime"] >= instance["StartedTime"] >= instance["CreateTime"] > JAN_1
    assert instance["Tags"] == [{"Key": "team", "Value": "data"}]
    assert instance["WorkflowParameters"] == "k1=v1 k2=v2"
    assert instance["EnvType"] == "Prod" and instance["Owner"] == "1000"
    response = asyncio.run(client.get_workflow_instance_async(models.GetWorkflowInstanceRequest(id=instance_id)))
    assert response.body.workflow_instance.status == "Success"
    assert response.headers["x-acs-request-id"] == response.body.request_id


def test_unknown_ids_and_missing_parameters(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as excinfo:
        client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=424242))
    assert (excinfo.value.status_code, excinfo.value.code) == (
        400,
        "InvalidParameter.NotExist.WorkflowInstance",
    )
    assert "424242" in excinfo.value.message
    with pytest.raises(ClientException) as excinfo:
        client.get_workflow_instance(models.GetWorkflowInstanceRequest())
    assert excinfo.value.code == "MissingParameter"
    assert 'The input parameter "Id" that is mandatory' in excinfo.value.message
    with pytest.raises(ClientException) as excinfo:
        client.get_task_instance(models.GetTaskInstanceRequest(id=1))
    assert excinfo.value.code == "InvalidParameter.NotExist.TaskInstance"
    with pytest.raises(ClientException) as excinfo:
        client.list_workflow_instances(
            models.ListWorkflowInstancesRequest(project_id=100, biz_date=JAN_1, page_size=101)
        )
    assert excinfo.value.code == "InvalidParameter" and '"PageSize"' in excinfo.value.message
    with pytest.raises(ClientException) as excinfo:
        client.get_create_workflow_instances_result(models.GetCreateWorkflowInstancesResultRequest(operation_id="x"))
    assert excinfo.value.code == "InvalidParameter.NotExist.Operation"


def test_list_workflow_instances_matches_the_utc8_day(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    midnight = dataworks_emulator.add_workflow_instance(biz_date="2025-01-01", name="orders_a")
    late = dataworks_emulator.add_workflow_instance(biz_date=JAN_1 + 86_399_000, name="orders_b", env_type="Dev")
    dataworks_emulator.add_workflow_instance(biz_date="2025-01-02", name="orders_c")
    dataworks_emulator.add_workflow_instance(biz_date="2025-01-01", project_id=200, name="other_project")

    def listed(**filters: Any) -> list[int]:
        request = models.ListWorkflowInstancesRequest(project_id=100, **filters)
        paging = client.list_workflow_instances(request).body.to_map()["PagingInfo"]
        return [item["Id"] for item in paging["WorkflowInstances"]]

    assert listed(biz_date=JAN_1 + 3_600_000) == [late, midnight]
    assert listed(biz_date=JAN_1, env_type="Dev") == [late]
    assert listed(biz_date=JAN_1, name="orders_a") == [midnight]
    assert listed(biz_date=JAN_1, ids=[midnight]) == [midnight]
    assert listed(biz_date=JAN_1, sort_by="Id Asc") == [midnight, late]
    page = client.list_workflow_instances(
        models.ListWorkflowInstancesRequest(project_id=100, biz_date=JAN_1, page_number=2, page_size=1)
    ).body.to_map()["PagingInfo"]
    assert {k: v for k, v in page.items() if k != "WorkflowInstances"} == {
        "PageNumber": 2,
        "PageSize": 1,
        "TotalCount": 2,
    }
    assert [item["Id"] for item in page["WorkflowInstances"]] == [midnight]
    assert set(page["WorkflowInstances"][0]) == WORKFLOW_INSTANCE_FIELDS - {"FinishedTime"}  # still running


def test_create_and_poll_a_manual_workflow(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders_pipeline", tasks=[{"name": "ods"}, {"name": "dwd"}])
    request = models.CreateWorkflowInstancesRequest(
        name="airflow-run",
        project_id=100,
        type="ManualWorkflow",
        workflow_id=5,
        env_type="Prod",
        periods=models.CreateWorkflowInstancesRequestPeriods(
            biz_dates=[
                models.CreateWorkflowInstancesRequestPeriodsBizDates(
                    start_biz_date="2025-01-01", end_biz_date="2025-01-01"
                )
            ]
        ),
        default_run_properties=models.CreateWorkflowInstancesRequestDefaultRunProperties(
            priority=5, root_task_ids=[11]
        ),
        workflow_parameters='{"k":"v"}',
        auto_start_enabled=True,
        comment="from airflow",
    )
    body = client.create_workflow_instances(request).body.to_map()
    assert set(body) == {"RequestId", "OperationId"}
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=body["OperationId"])
    creating = client.get_create_workflow_instances_result(poll).body.to_map()["Result"]
    assert creating["Status"] == "Creating" and creating["WorkflowInstanceIds"] == []
    assert dataworks_emulator.state.workflow_instances() == []  # DataWorks creates them in the background
    dataworks_emulator.advance_clock(dataworks_emulator.state.creation_delay)
    created = client.get_create_workflow_instances_result(poll).body.to_map()["Result"]
    assert created["Status"] == "Created"
    (instance_id,) = created["WorkflowInstanceIds"]
    assert created["UnifiedWorkflowInstanceIds"] == [instance_id]
    assert len(created["WorkflowTaskInstanceIds"]) == 1
    instance = dataworks_emulator.workflow_instance(instance_id)
    assert (instance["Type"], instance["WorkflowId"], instance["BizDate"]) == ("ManualWorkflow", 5, JAN_1)
    assert (instance["Name"], instance["WorkflowParameters"]) == ("airflow-run", '{"k":"v"}')
    assert [t["TaskName"] for t in dataworks_emulator.task_instances(instance_id)] == ["ods", "dwd"]
    again = client.get_create_workflow_instances_result(poll).body.to_map()["Result"]
    assert again["WorkflowInstanceIds"] == [instance_id]


def test_create_rejects_unknown_workflow_and_bad_periods(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    dataworks_emulator.add_workflow(id=5, name="orders_pipeline")
    base = {"name": "run", "project_id": 100, "type": "ManualWorkflow"}
    with pytest.raises(ClientException) as excinfo:
        client.create_workflow_instances(models.CreateWorkflowInstancesRequest(workflow_id=6, **base))
    assert excinfo.value.code == "InvalidParameter" and '"WorkflowId"' in excinfo.value.message
    bad_range = models.CreateWorkflowInstancesRequestPeriods(
        biz_dates=[
            models.CreateWorkflowInstancesRequestPeriodsBizDates(start_biz_date="2025-01-03", end_biz_date="2025-01-01")
        ]
    )
    with pytest.raises(ClientException) as excinfo:
        client.create_workflow_instances(
            models.CreateWorkflowInstancesRequest(workflow_id=5, periods=bad_range, **base)
        )
    assert excinfo.value.code == "InvalidParameter" and '"Periods"' in excinfo.value.message
    with pytest.raises(ClientException) as excinfo:
        client.create_workflow_instances(
            models.CreateWorkflowInstancesRequest(workflow_id=5, name="run", project_id=100)
        )
    assert excinfo.value.code == "MissingParameter" and '"Type"' in excinfo.value.message
    with pytest.raises(ClientException) as excinfo:
        client.create_workflow_instances(
            models.CreateWorkflowInstancesRequest(workflow_id=5, name="run", project_id=100, type="Normal")
        )
    assert excinfo.value.code == "InvalidParameter" and '"Type"' in excinfo.value.message


def test_stop_workflow_instances(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    running = dataworks_emulator.add_workflow_instance(statuses=("Running", "Running", "Success"))
    done = dataworks_emulator.add_workflow_instance(statuses=("Success",))
    request = models.StopWorkflowInstancesRequest(ids=[running, done, 7], comment="stopped by airflow")
    info = client.stop_workflow_instances(request).body.to_map()["SuccessInfo"]
    assert info[str(running)] == {"Success": True, "Message": ""}
    assert info[str(done)]["Success"] is False and info[str(done)]["Message"]
    assert info["7"] == {"Success": False, "Message": "The instance does not exist."}
    assert dataworks_emulator.is_stopped(running) and not dataworks_emulator.is_stopped(done)
    stopped = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=running)).body.workflow_instance
    assert stopped.status == "Failure" and stopped.finished_time
    assert dataworks_emulator.calls("StopWorkflowInstances")[0].params["Comment"] == "stopped by airflow"


def test_task_instances_and_logs_of_a_failed_instance(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(
        biz_date="2025-01-01",
        statuses=("Failure",),
        tasks=[
            {"name": "ods"},
            {"name": "dws", "status": "Failure"},
            {"name": "ads", "status": "NotRun", "log": "skipped"},
        ],
    )
    dataworks_emulator.add_workflow_instance(biz_date="2025-01-01", tasks=[{"name": "unrelated"}])
    request = models.ListTaskInstancesRequest(project_id=100, bizdate=JAN_1, workflow_instance_id=instance_id)
    paging = client.list_task_instances(request).body.to_map()["PagingInfo"]
    assert paging["TotalCount"] == 3 and paging["PageNumber"] == 1
    statuses = {task["TaskName"]: task["Status"] for task in paging["TaskInstances"]}
    assert statuses == {"ods": "Success", "dws": "Failure", "ads": "NotRun"}
    failed_request = models.ListTaskInstancesRequest(project_id=100, bizdate=JAN_1, status="Failure")
    (failed,) = client.list_task_instances(failed_request).body.to_map()["PagingInfo"]["TaskInstances"]
    assert failed["TaskType"] == "ODPS_SQL" and failed["RunNumber"] == 1
    assert (failed["WorkflowInstanceId"], failed["Bizdate"]) == (instance_id, JAN_1)
    assert failed["Id"] >= 50000
    task = client.get_task_instance(models.GetTaskInstanceRequest(id=failed["Id"])).body.to_map()["TaskInstance"]
    assert {k: v for k, v in task.items() if k != "Tags"} == failed  # the List model has no Tags
    log = client.get_task_instance_log(models.GetTaskInstanceLogRequest(id=failed["Id"], run_number=1)).body
    assert "ERROR" in log.task_instance_log and "dws" in log.task_instance_log
    ads = next(t for t in paging["TaskInstances"] if t["TaskName"] == "ads")
    ads_log = client.get_task_instance_log(models.GetTaskInstanceLogRequest(id=ads["Id"])).body
    assert ads_log.to_map() == {"RequestId": ads_log.request_id, "TaskInstanceLog": "skipped"}


def test_list_projects(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow_instance(project_id=200)
    paging = client.list_projects(models.ListProjectsRequest(page_size=1)).body.to_map()["PagingInfo"]
    assert (paging["PageNumber"], paging["PageSize"], paging["TotalCount"]) == (1, 1, 2)
    (project,) = paging["Projects"]
    assert (project["Id"], project["Status"]) == (100, "Available") and project["Name"]
    only = client.list_projects(models.ListProjectsRequest(ids=[200])).body.to_map()["PagingInfo"]["Projects"]
    assert [p["Id"] for p in only] == [200]


def test_call_recording(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance()
    for _ in range(3):
        client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id))
    client.list_projects(models.ListProjectsRequest())
    assert len(dataworks_emulator.calls()) == 4
    gets = dataworks_emulator.calls("GetWorkflowInstance")
    assert len(gets) == 3 and gets[0].params == {"Id": str(instance_id)}
    assert all(call.status == 200 and call.code is None and call.fault is None for call in gets)
    assert gets[0].access_key_id == dataworks_emulator.access_key_id
    assert gets[0].timestamp <= gets[1].timestamp <= gets[2].timestamp
    dataworks_emulator.reset_calls()
    assert dataworks_emulator.calls() == []


def test_connection_dict(dataworks_emulator: DataWorksEmulator) -> None:
    connection = dataworks_emulator.connection(env_type="Dev")
    assert connection == {
        "conn_type": "dataworks",
        "host": f"127.0.0.1:{dataworks_emulator.port}",
        "login": "LTAI5tEMULATORKEY00001",
        "password": "emulator-secret-not-for-production",
        "extra": {"region_id": "cn-hangzhou", "protocol": "http", "project_id": 100, "env_type": "Dev"},
    }
    assert dataworks_emulator.url == f"http://{dataworks_emulator.endpoint}"
    assert '"conn_type": "dataworks"' in dataworks_emulator.connection_json()
