"""Every emulated action, through DataWorksHook and the real SDK, over HTTP."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(60)


def test_get_workflow_instance_returns_api_field_names(dataworks_emulator, hook):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=501, name="daily_sales", biz_date="2026-11-27", statuses=["Running"], advance="reads"
    )
    instance = hook.get_workflow_instance(instance_id)
    assert instance["Id"] == instance_id
    assert instance["WorkflowId"] == 501
    assert instance["Name"] == "daily_sales"
    assert instance["Status"] == "Running"
    assert instance["BizDate"] == 1795708800000  # 2026-11-27 00:00 UTC+8
    assert {"Type", "ProjectId", "EnvType", "Owner", "StartedTime", "WorkflowParameters", "Tags"} <= set(instance)
    assert dataworks_emulator.calls("GetWorkflowInstance")[-1].params["Id"] == str(instance_id)


async def test_aget_workflow_instance_follows_the_timeline(dataworks_emulator, hook):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=501, name="daily", biz_date="2026-11-27", statuses=["Running", "Success"], advance="reads"
    )
    first = await hook.aget_workflow_instance(instance_id)
    second = await hook.aget_workflow_instance(instance_id)
    assert (first["Status"], second["Status"]) == ("Running", "Success")


def test_list_workflow_instances_reads_every_page(dataworks_emulator, hook):
    for n in range(130):
        dataworks_emulator.add_workflow_instance(
            workflow_id=777, name=f"hourly_{n}", biz_date="2026-11-27", statuses=["Success"]
        )
    dataworks_emulator.add_workflow_instance(workflow_id=777, name="other_day", biz_date="2026-11-26")
    dataworks_emulator.reset_calls()
    found = hook.list_workflow_instances(biz_date="2026-11-27", workflow_id=777, project_id=100)
    assert len(found) == 130
    assert {i["Name"] for i in found} == {f"hourly_{n}" for n in range(130)}
    pages = dataworks_emulator.calls("ListWorkflowInstances")
    assert [c.params["PageNumber"] for c in pages] == ["1", "2"]


def test_list_needs_a_project_id(make_hook):
    from airflow_provider_dataworks.exceptions import DataWorksConfigError

    hook = make_hook(extra={"project_id": None})
    with pytest.raises(DataWorksConfigError, match="project_id is required"):
        hook.list_workflow_instances(biz_date="2026-11-27", workflow_id=1)


def test_create_run_then_result_then_stop(dataworks_emulator, hook):
    dataworks_emulator.add_workflow(id=900, name="sales", statuses=["Running"], creating_reads=1)
    operation_id = hook.create_workflow_instances(
        900,
        name="airflow-run",
        run_type="SupplementData",
        biz_dates=[("2026-11-25", "2026-11-27")],
        workflow_parameters={"k": "v"},
        root_task_ids=[11],
    )
    assert hook.get_create_workflow_instances_result(operation_id)["Status"] == "Creating"
    dataworks_emulator.advance_clock(dataworks_emulator.state.creation_delay)  # DataWorks finishes creating
    result = hook.get_create_workflow_instances_result(operation_id)
    assert result["Status"] == "Created"
    ids = result["WorkflowInstanceIds"]
    assert len(ids) == 3
    created = [hook.get_workflow_instance(i) for i in ids]
    assert {i["Type"] for i in created} == {"SupplementData"}
    assert all('"k": "v"' in i["WorkflowParameters"] or '"k":"v"' in i["WorkflowParameters"] for i in created)
    sent = dataworks_emulator.calls("CreateWorkflowInstances")[-1].params
    assert sent["Type"] == "SupplementData" and sent["ProjectId"] == "100"

    stopped = hook.stop_workflow_instances(ids[:2])
    assert {k: v["Success"] for k, v in stopped.items()} == {str(ids[0]): True, str(ids[1]): True}
    assert dataworks_emulator.is_stopped(ids[0]) and not dataworks_emulator.is_stopped(ids[2])
    assert hook.get_workflow_instance(ids[0])["Status"] == "Failure"


async def test_async_stop(dataworks_emulator, hook):
    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=1, name="x", biz_date="2026-11-27")
    result = await hook.astop_workflow_instances([instance_id, 999_999])
    assert result[str(instance_id)]["Success"] is True
    assert result["999999"]["Success"] is False
    assert dataworks_emulator.is_stopped(instance_id)


def test_create_failure_is_reported(dataworks_emulator, hook):
    dataworks_emulator.add_workflow(
        id=901, name="broken", creating_reads=0, create_result="CreateFailure", failure_message="no resource group"
    )
    operation_id = hook.create_workflow_instances(901, name="r", biz_dates=[("2026-11-27", "2026-11-27")])
    dataworks_emulator.advance_clock(dataworks_emulator.state.creation_delay)
    result = hook.get_create_workflow_instances_result(operation_id)
    assert result["Status"] == "CreateFailure"
    assert result["FailureMessage"] == "no resource group"


def test_task_instances_and_logs_of_a_failed_run(dataworks_emulator, hook):
    dataworks_emulator.add_workflow(
        id=902,
        name="etl",
        statuses=["Failure"],
        creating_reads=0,
        tasks=[{"name": "extract"}, {"name": "load", "status": "Failure", "log": "line 1\nORA-00942: table missing"}],
    )
    operation_id = hook.create_workflow_instances(902, name="r", biz_dates=[("2026-11-27", "2026-11-27")])
    dataworks_emulator.advance_clock(dataworks_emulator.state.creation_delay)
    (instance_id,) = hook.get_create_workflow_instances_result(operation_id)["WorkflowInstanceIds"]
    instance = hook.get_workflow_instance(instance_id)
    assert instance["Status"] == "Failure"
    tasks = hook.list_task_instances(workflow_instance_id=instance_id, biz_date=instance["BizDate"])
    assert {t["TaskName"]: t["Status"] for t in tasks} == {"extract": "Success", "load": "Failure"}
    failed = next(t for t in tasks if t["Status"] == "Failure")
    assert hook.get_task_instance(failed["Id"])["TaskName"] == "load"
    assert "ORA-00942" in hook.get_task_instance_log(failed["Id"])


def test_test_connection_makes_a_real_call(dataworks_emulator, hook):
    ok, message = hook.test_connection()
    assert ok, message
    assert "Connected to DataWorks" in message
    assert len(dataworks_emulator.calls("ListProjects")) == 1


def test_test_connection_reports_failure(make_hook):
    ok, message = make_hook(password="wrong-secret", retry_limit=0).test_connection()
    assert not ok
    assert "SignatureDoesNotMatch" in message
    assert "wrong-secret" not in message


def test_client_is_built_once_per_hook(hook):
    assert hook.get_conn() is hook.get_conn()


async def test_hooks_of_one_connection_share_one_client_and_a_changed_connection_gets_its_own(
    dataworks_emulator, monkeypatch
):
    import asyncio

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    monkeypatch.setenv("AIRFLOW_CONN_DW_SHARED", dataworks_emulator.connection_json(read_timeout=1))
    lookups: list[str] = []
    look_up = DataWorksHook.get_connection
    monkeypatch.setattr(
        DataWorksHook, "get_connection", classmethod(lambda cls, conn_id: lookups.append(conn_id) or look_up(conn_id))
    )
    hooks = [DataWorksHook("dw_shared") for _ in range(200)]
    clients = await asyncio.gather(*(hook.aget_conn() for hook in hooks))
    assert len({id(client) for client in clients}) == 1
    assert lookups == ["dw_shared"]  # waits starting together share one connection lookup
    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=1, biz_date="2026-11-27")
    assert [(await hook.aget_workflow_instance(instance_id))["Id"] for hook in hooks[:3]] == [instance_id] * 3
    monkeypatch.setenv("AIRFLOW_CONN_DW_SHARED", dataworks_emulator.connection_json(read_timeout=2))
    assert DataWorksHook("dw_shared").get_conn() is not clients[0]


# -- blocking methods and their awaitable twins take the same arguments and send the same request ----------

TWINS = [
    "get_workflow_instance",
    "list_workflow_instances",
    "create_workflow_instances",
    "get_create_workflow_instances_result",
    "rerun_workflow_instances",
    "get_rerun_workflow_instances_result",
    "stop_workflow_instances",
    "list_task_instances",
    "get_task_instance",
    "get_task_instance_log",
    "trigger_scheduler_task_instance",
]


@pytest.mark.parametrize("name", TWINS)
def test_every_action_has_an_awaitable_twin_with_the_same_signature(name):
    import inspect

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    blocking, awaitable = getattr(DataWorksHook, name), getattr(DataWorksHook, f"a{name}")
    assert inspect.iscoroutinefunction(awaitable) and not inspect.iscoroutinefunction(blocking)
    assert inspect.signature(blocking) == inspect.signature(awaitable)
    assert "deadline" in inspect.signature(blocking).parameters


async def test_awaitable_lists_take_every_filter_the_blocking_ones_take(dataworks_emulator, hook):
    dataworks_emulator.add_workflow_instance(workflow_id=601, name="sales_daily", biz_date="2026-11-27")
    dataworks_emulator.add_workflow_instance(workflow_id=601, name="other", biz_date="2026-11-27")
    failed = dataworks_emulator.add_workflow_instance(
        workflow_id=602,
        biz_date="2026-11-27",
        statuses=["Failure"],
        tasks=[{"name": "ok"}, {"name": "bad", "status": "Failure"}],
    )
    dataworks_emulator.reset_calls()
    by_name = await hook.alist_workflow_instances(biz_date="2026-11-27", workflow_id=601, name="sales_daily")
    assert [i["Name"] for i in by_name] == ["sales_daily"]
    assert dataworks_emulator.calls("ListWorkflowInstances")[-1].params["Name"] == "sales_daily"
    bad = await hook.alist_task_instances(biz_date="2026-11-27", workflow_instance_id=failed, status="Failure")
    assert [t["TaskName"] for t in bad] == ["bad"]
    assert dataworks_emulator.calls("ListTaskInstances")[-1].params["Status"] == "Failure"
    assert [await hook.aget_task_instance_log(t["Id"]) for t in bad] == [hook.get_task_instance_log(bad[0]["Id"])]


async def test_awaitable_stop_honours_its_deadline(dataworks_emulator, hook):
    import time

    from airflow_provider_dataworks.exceptions import DataWorksTransientError

    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=1, name="x", biz_date="2026-11-27")
    dataworks_emulator.inject_fault("StopWorkflowInstances", "throttle", times=10, retry_after_ms=30_000)
    with pytest.raises(DataWorksTransientError):
        await hook.astop_workflow_instances([instance_id], deadline=time.time() + 1)
    assert len(dataworks_emulator.calls("StopWorkflowInstances")) == 1  # the 30 s retry-after would pass it


async def test_awaitable_create_retries_only_refusals(dataworks_emulator, hook):
    from airflow_provider_dataworks.exceptions import DataWorksTransportError

    dataworks_emulator.add_workflow(id=903, name="sales", statuses=["Running"])
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "throttle", times=1)
    operation_id = await hook.acreate_workflow_instances(903, name="r1", biz_dates=[("2026-11-27", "2026-11-27")])
    assert operation_id
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "drop", times=1)
    with pytest.raises(DataWorksTransportError):  # the run may exist: never created twice blindly
        await hook.acreate_workflow_instances(903, name="r2", biz_dates=[("2026-11-27", "2026-11-27")])
    assert len(dataworks_emulator.calls("CreateWorkflowInstances")) == 3
