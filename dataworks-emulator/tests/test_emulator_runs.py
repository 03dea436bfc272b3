"""Run identity on the wire: Tags and Name on CreateWorkflowInstances, List filters, answers lost after effect."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from emulator_requests import create_run

from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

JAN_1 = to_biz_date_ms("2025-01-01")


def _list(client: Any, models: Any, **filters: Any) -> list[dict[str, Any]]:
    """Return ListWorkflowInstances' instances of workspace 100 on 2025-01-01 for the given filters."""
    request = models.ListWorkflowInstancesRequest(project_id=100, biz_date=JAN_1, page_size=100, **filters)
    return list(client.list_workflow_instances(request).body.to_map()["PagingInfo"]["WorkflowInstances"])


def test_create_stores_tags_and_returns_them(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=0)
    tags = [
        models.CreateWorkflowInstancesRequestTags(key="airflow_dag", value="sales"),
        models.CreateWorkflowInstancesRequestTags(key="airflow_map_index", value="3"),
    ]
    operation_id = create_run(client, models, tags=tags)
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=operation_id)
    (instance_id,) = client.get_create_workflow_instances_result(poll).body.result.workflow_instance_ids
    expected = [{"Key": "airflow_dag", "Value": "sales"}, {"Key": "airflow_map_index", "Value": "3"}]
    got = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.to_map()
    assert got["WorkflowInstance"]["Tags"] == expected
    assert _list(client, models)[0]["Tags"] == expected
    assert dataworks_emulator.calls("CreateWorkflowInstances")[0].params["Tags"].startswith('[{"Key"')


def test_create_rejects_names_over_128_characters(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=0)
    create_run(client, models, name="n" * 128)
    with pytest.raises(ClientException) as excinfo:
        create_run(client, models, name="n" * 129)
    assert (excinfo.value.status_code, excinfo.value.code) == (400, "InvalidParameter")
    assert "Name" in excinfo.value.message and "128" in excinfo.value.message
    assert len(_list(client, models)) == 1


def test_list_filters(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    def add(workflow_id: int, name: str, type: str = "Normal", tags: Any = None) -> int:
        return dataworks_emulator.add_workflow_instance(
            workflow_id=workflow_id, name=name, type=type, biz_date="2025-01-01", tags=tags
        )

    scheduled = add(7, "sales_daily")
    backfill = add(7, "sales_daily_backfill", "SupplementData", [{"Key": "airflow_dag", "Value": "x"}])
    manual = add(8, "airflow-sales-run", "ManualWorkflow", [{"Key": "airflow_dag", "Value": "y"}])
    add(8, "other", "ManualWorkflow")

    def ids(**filters: Any) -> set[int]:
        return {instance["Id"] for instance in _list(client, models, **filters)}

    assert ids(ids=[scheduled, manual]) == {scheduled, manual}
    assert ids(type="SupplementData") == {backfill}
    assert ids(workflow_id=7) == {scheduled, backfill}
    assert ids(name="sales") == {scheduled, backfill, manual}  # "contains", not equality
    assert ids(name="sales_daily", type="Normal") == {scheduled}
    assert ids(tags=["airflow_dag"]) == {backfill, manual}
    assert ids(tags=["airflow_dag:y"]) == {manual}
    assert len(ids()) == 4


def test_lost_answer_on_create_still_creates_the_run(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=0, statuses=("Running",))
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "lost_answer")
    with pytest.raises(UnretryableException):
        create_run(client, models, name="lost-run")
    (run,) = _list(client, models, name="lost-run")
    assert (run["Type"], run["Status"]) == ("ManualWorkflow", "Running")
    (call,) = dataworks_emulator.calls("CreateWorkflowInstances")
    assert (call.status, call.fault) == (0, "lost_answer")


def test_late_answer_after_the_read_timeout_still_creates_the_run(
    dataworks_emulator: DataWorksEmulator, make_client: Any, models: Any
) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=0)
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "late_answer", delay=1.0)
    impatient = make_client(dataworks_emulator, read_timeout=300)
    started = time.monotonic()
    with pytest.raises(UnretryableException) as excinfo:
        create_run(impatient, models, name="late-run")
    assert time.monotonic() - started < 1.0
    assert "timed out" in str(excinfo.value).lower()
    assert [run["Name"] for run in _list(make_client(dataworks_emulator), models)] == ["late-run"]


@pytest.mark.parametrize("kind", ["lost_answer", "late_answer"])
def test_answer_faults_on_reads_and_stop_take_effect(
    dataworks_emulator: DataWorksEmulator, make_client: Any, models: Any, kind: str
) -> None:
    from darabonba.exceptions import UnretryableException

    client = make_client(dataworks_emulator, read_timeout=300)
    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=1, creation_delay=0)
    operation_id = create_run(client, models)
    instance_id = dataworks_emulator.add_workflow_instance(
        biz_date="2025-01-01", statuses=("WaitResource", "Running", "Running")
    )
    poll = models.GetCreateWorkflowInstancesResultRequest(operation_id=operation_id)
    get = models.GetWorkflowInstanceRequest(id=instance_id)
    options: dict[str, Any] = {"delay": 0.6} if kind == "late_answer" else {}
    for action in ("GetCreateWorkflowInstancesResult", "GetWorkflowInstance", "ListWorkflowInstances"):
        dataworks_emulator.inject_fault(action, kind, **options)
    dataworks_emulator.inject_fault("StopWorkflowInstances", kind, **options)
    with pytest.raises(UnretryableException):
        client.get_create_workflow_instances_result(poll)
    assert client.get_create_workflow_instances_result(poll).body.result.status == "Created"  # read 1 counted
    with pytest.raises(UnretryableException):
        client.get_workflow_instance(get)
    assert client.get_workflow_instance(get).body.workflow_instance.status == "Running"  # read 1 counted
    with pytest.raises(UnretryableException):
        _list(client, models)
    with pytest.raises(UnretryableException):
        client.stop_workflow_instances(models.StopWorkflowInstancesRequest(ids=[instance_id]))
    assert dataworks_emulator.is_stopped(instance_id)
    assert dataworks_emulator.workflow_instance(instance_id)["Status"] == "Failure"
    faults = [(call.action, call.fault) for call in dataworks_emulator.calls() if call.fault]
    assert faults == [
        ("GetCreateWorkflowInstancesResult", kind),
        ("GetWorkflowInstance", kind),
        ("ListWorkflowInstances", kind),
        ("StopWorkflowInstances", kind),
    ]


def test_drop_has_no_effect(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.add_workflow(id=5, name="orders", creating_reads=0, creation_delay=0)
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "drop")
    with pytest.raises(UnretryableException):
        create_run(client, models)
    assert _list(client, models) == []
