"""DataWorks' scheduler as modelled: the emulator clock, daily/hourly scheduled instances, backfills, node lists."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator import DataWorksEmulator
from dataworks_emulator.models.state import FIRST_INSTANCE_ID, to_biz_date_ms

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.timeout(30)

CST = timezone(timedelta(hours=8))
JAN_15 = to_biz_date_ms("2025-01-15")


def _ms(text: str) -> int:
    """Epoch ms of an ISO-8601 time with offset."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _listed(client: Any, models: Any, biz_date: int = JAN_15, **filters: Any) -> list[dict[str, Any]]:
    """ListWorkflowInstances of workspace 100 on one data date."""
    request = models.ListWorkflowInstancesRequest(project_id=100, biz_date=biz_date, page_size=100, **filters)
    return list(client.list_workflow_instances(request).body.to_map()["PagingInfo"]["WorkflowInstances"])


def _tasks(client: Any, models: Any, biz_date: int = JAN_15, **filters: Any) -> list[dict[str, Any]]:
    """ListTaskInstances of workspace 100 on one data date."""
    request = models.ListTaskInstancesRequest(project_id=100, bizdate=biz_date, page_size=500, **filters)
    return list(client.list_task_instances(request).body.to_map()["PagingInfo"]["TaskInstances"])


def test_clock_defaults_to_real_time_and_can_be_set(dataworks_emulator: DataWorksEmulator) -> None:
    assert abs(dataworks_emulator.now().timestamp() - time.time()) < 1
    assert dataworks_emulator.now().utcoffset() == timedelta(hours=8)
    dataworks_emulator.set_clock("2025-01-16T00:29:00+08:00")
    first = dataworks_emulator.now()
    assert timedelta(0) <= first - datetime(2025, 1, 16, 0, 29, tzinfo=CST) < timedelta(seconds=1)
    time.sleep(0.2)
    assert dataworks_emulator.now() - first >= timedelta(seconds=0.2)
    dataworks_emulator.set_clock(datetime(2025, 1, 15, 16, 31, tzinfo=UTC))
    assert dataworks_emulator.now() - datetime(2025, 1, 16, 0, 31, tzinfo=CST) < timedelta(seconds=1)
    with pytest.raises(ValueError, match="time zone"):
        dataworks_emulator.set_clock("2025-01-16T00:29:00")


def test_daily_instance_is_generated_the_evening_before_and_starts_at_its_scheduling_time(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    earlier, due = dataworks_emulator.add_scheduled_workflow(
        501, "sales_daily", at="00:30", biz_dates=["2025-01-14", "2025-01-15"], statuses=("Success",)
    )
    dataworks_emulator.set_clock("2025-01-15T23:29:50+08:00")
    assert _listed(client, models) == []
    with pytest.raises(ClientException) as excinfo:
        client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=due))
    assert excinfo.value.code == "InvalidParameter.NotExist.WorkflowInstance"
    assert [i["Id"] for i in _listed(client, models, to_biz_date_ms("2025-01-14"))] == [earlier]
    dataworks_emulator.set_clock("2025-01-16T00:29:50+08:00")  # generated at 23:30 (T+1), not due yet
    (waiting,) = _listed(client, models)
    assert (waiting["Id"], waiting["Status"], waiting["CreateTime"]) == (
        due,
        "NotRun",
        _ms("2025-01-15T23:30:00+08:00"),
    )
    assert [t["Status"] for t in _tasks(client, models, workflow_instance_id=due)] == ["NotRun"]
    assert client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=due)).body.workflow_instance.status == (
        "NotRun"
    )
    dataworks_emulator.set_clock("2025-01-16T00:30:00+08:00")
    (instance,) = _listed(client, models)
    assert (instance["Id"], instance["Type"], instance["Name"], instance["BizDate"]) == (
        due,
        "Normal",
        "sales_daily",
        JAN_15,
    )
    assert "TriggerTime" not in instance  # workflow instances carry no scheduling time
    (task,) = _tasks(client, models, workflow_instance_id=due)
    assert (task["TaskName"], task["TriggerTime"], task["Bizdate"]) == (
        "sales_daily",
        _ms("2025-01-16T00:30:00+08:00"),
        JAN_15,
    )
    assert (task["TriggerType"], task["WorkflowInstanceType"]) == ("Scheduler", "Normal")
    assert dataworks_emulator.state.workflow(501).name == "sales_daily"  # type: ignore[union-attr]


def test_hourly_instances_and_their_trigger_times(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    ids = dataworks_emulator.add_scheduled_workflow(
        601,
        "orders_hourly",
        schedule="hourly",
        at="00:05",
        biz_dates="2025-01-15..2025-01-15",
        tasks=[{"name": "ods_orders_hourly", "task_id": 9001}],
    )
    assert len(ids) == 24
    dataworks_emulator.set_clock("2025-01-16T03:10:00+08:00")
    listed = {i["Id"]: i["Status"] for i in _listed(client, models)}
    assert sorted(listed) == sorted(ids)  # all 24 generated the evening before
    assert [listed[i] for i in ids[3:6]] == ["Running", "NotRun", "NotRun"]
    nodes = _tasks(client, models, task_id=9001, sort_by="TriggerTime Asc")
    assert [t["TriggerTime"] for t in nodes] == [_ms(f"2025-01-16T{h:02d}:05:00+08:00") for h in range(24)]
    assert {t["TaskId"] for t in nodes} == {9001} and len({t["Id"] for t in nodes}) == 24
    assert (
        len(
            dataworks_emulator.add_scheduled_workflow(
                602, "q", schedule="minutes:15", at="00:00", biz_dates=["2025-01-15"]
            )
        )
        == 96
    )


def test_instances_generated_at_their_scheduling_time_appear_one_by_one(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    ids = dataworks_emulator.add_scheduled_workflow(
        601, "orders_hourly", schedule="hourly", at="00:05", biz_dates=["2025-01-15"], generated_at="scheduling_time"
    )
    dataworks_emulator.set_clock("2025-01-16T03:10:00+08:00")
    assert sorted(i["Id"] for i in _listed(client, models)) == ids[:4]
    with pytest.raises(ValueError, match="HH:MM"):
        dataworks_emulator.add_scheduled_workflow(602, "q", biz_dates=["2025-01-15"], generated_at="evening")


def test_seconds_timeline_starts_at_the_scheduling_time(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    (instance_id,) = dataworks_emulator.add_scheduled_workflow(
        501, "sales_daily", biz_dates=["2025-01-15"], statuses=("WaitResource", "Running", "Success"), advance=60
    )
    dataworks_emulator.set_clock("2025-01-16T00:31:30+08:00")
    get = models.GetWorkflowInstanceRequest(id=instance_id)
    instance = client.get_workflow_instance(get).body.workflow_instance
    assert (instance.status, instance.started_time) == ("Running", _ms("2025-01-16T00:31:00+08:00"))
    assert instance.create_time == _ms("2025-01-15T23:30:00+08:00")
    dataworks_emulator.set_clock("2025-01-16T00:33:00+08:00")
    assert client.get_workflow_instance(get).body.workflow_instance.status == "Success"


def test_per_time_overrides(dataworks_emulator: DataWorksEmulator) -> None:
    ids = dataworks_emulator.add_scheduled_workflow(
        700,
        "h",
        schedule="hourly",
        at="00:00",
        biz_dates=["2025-01-14", "2025-01-15"],
        statuses=("Success",),
        statuses_by_time={"02:00": ["Failure"], "2025-01-15 02:00": ["Running"]},
    )
    dataworks_emulator.set_clock("2025-01-20T00:00:00+08:00")
    statuses = [dataworks_emulator.workflow_instance(i)["Status"] for i in ids]
    assert statuses[:4] == ["Success", "Success", "Failure", "Success"]
    assert statuses[24:28] == ["Success", "Success", "Running", "Success"]


def test_backfill_beside_the_scheduled_instance(
    dataworks_emulator: DataWorksEmulator, client: Any, models: Any
) -> None:
    (scheduled,) = dataworks_emulator.add_scheduled_workflow(501, "sales_daily", biz_dates=["2025-01-15"])
    dataworks_emulator.set_clock("2025-01-20T10:00:00+08:00")
    backfill = dataworks_emulator.add_workflow_instance(
        workflow_id=501, name="sales_daily", type="SupplementData", biz_date="2025-01-15"
    )
    assert {i["Id"] for i in _listed(client, models)} == {scheduled, backfill}
    assert [i["Id"] for i in _listed(client, models, type="SupplementData")] == [backfill]
    assert [i["Id"] for i in _listed(client, models, type="Normal")] == [scheduled]
    (task,) = _tasks(client, models, workflow_instance_type="SupplementData")
    assert abs(task["TriggerTime"] - _ms("2025-01-20T10:00:00+08:00")) < 2000


def test_add_workflow_instance_trigger_time(dataworks_emulator: DataWorksEmulator) -> None:
    def trigger(**fields: Any) -> int:
        instance_id = dataworks_emulator.add_workflow_instance(biz_date="2025-01-15", tasks=[{"name": "t"}], **fields)
        return int(dataworks_emulator.task_instances(instance_id)[0]["TriggerTime"])

    assert trigger() == _ms("2025-01-16T00:00:00+08:00")
    assert trigger(trigger_time="2025-01-16T07:00:00+08:00") == _ms("2025-01-16T07:00:00+08:00")
    assert trigger(trigger_time=datetime(2025, 1, 16, tzinfo=UTC)) == _ms("2025-01-16T08:00:00+08:00")
    assert trigger(trigger_time=1737000000000) == 1737000000000
    manual = trigger(type="ManualWorkflow")
    assert abs(manual - time.time() * 1000) < 2000
    dataworks_emulator.set_clock("2025-01-16T06:00:00+08:00")
    hidden = dataworks_emulator.add_workflow_instance(
        biz_date="2025-01-15", trigger_time="2025-01-16T07:00:00+08:00", appear_at_trigger_time=True
    )
    with pytest.raises(KeyError):
        dataworks_emulator.workflow_instance(hidden)
    dataworks_emulator.set_clock("2025-01-16T07:00:01+08:00")
    assert dataworks_emulator.workflow_instance(hidden)["Status"] == "Running"


def test_list_task_instances_filters(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    (scheduled,) = dataworks_emulator.add_scheduled_workflow(
        501,
        "sales",
        biz_dates=["2025-01-15"],
        statuses=("Failure",),
        tasks=[{"name": "ods", "task_id": 11}, {"name": "dws", "task_id": 12, "status": "Failure"}],
    )
    dataworks_emulator.set_clock("2025-01-17T00:00:00+08:00")
    other = dataworks_emulator.add_workflow_instance(workflow_id=8, biz_date="2025-01-15", tasks=[{"name": "x"}])
    every = _tasks(client, models)
    assert len(every) == 3
    by: Callable[..., set[str]] = lambda **f: {t["TaskName"] for t in _tasks(client, models, **f)}  # noqa: E731
    assert by(task_id=12) == {"dws"}
    assert by(ids=[every[0]["Id"]]) == {every[0]["TaskName"]}
    assert by(workflow_id=501) == {"ods", "dws"} == by(workflow_instance_id=scheduled)
    assert by(workflow_instance_id=other) == {"x"}
    assert by(status="Failure") == {"dws"}
    assert by(trigger_recurrence="Normal") == {"ods", "dws", "x"}
    assert by(workflow_instance_type="Normal") == {"ods", "dws", "x"}
    (dws,) = _tasks(client, models, task_id=12)
    got = client.get_task_instance(models.GetTaskInstanceRequest(id=dws["Id"])).body.to_map()["TaskInstance"]
    assert got["TaskId"] == 12 and got["TriggerTime"] == _ms("2025-01-16T00:30:00+08:00")
    with pytest.raises(ClientException, match="PageSize"):
        client.list_task_instances(models.ListTaskInstancesRequest(project_id=100, bizdate=JAN_15, page_size=501))
    with pytest.raises(ClientException, match="Bizdate"):
        client.list_task_instances(models.ListTaskInstancesRequest(project_id=100))


def test_scenario_with_a_clock_and_a_scheduled_workflow() -> None:
    scenario = {
        "clock": "2025-01-16T00:45:00+08:00",
        "scheduled_workflows": [
            {"workflow_id": 501, "name": "sales_daily", "at": "00:30", "biz_dates": "2025-01-14..2025-01-16"}
        ],
    }
    with DataWorksEmulator(scenario) as emulator:
        ids = [FIRST_INSTANCE_ID + n for n in range(3)]
        assert [emulator.workflow_instance(i)["BizDate"] for i in ids[:2]] == [
            to_biz_date_ms("2025-01-14"),
            JAN_15,
        ]
        with pytest.raises(KeyError):
            emulator.workflow_instance(ids[2])  # due 2025-01-17 00:30


def test_bundled_daily_scenario(make_client: Any, models: Any) -> None:
    with DataWorksEmulator("daily") as emulator:
        client = make_client(emulator)
        (instance,) = _listed(client, models, workflow_id=501)
        assert (instance["Id"], instance["Status"], instance["Type"]) == (FIRST_INSTANCE_ID + 5, "Success", "Normal")
        (task,) = _tasks(client, models, task_id=5010)
        assert task["TriggerTime"] == _ms("2025-01-16T00:30:00+08:00")
        every = [emulator.workflow_instance(i)["BizDate"] for i in range(FIRST_INSTANCE_ID, FIRST_INSTANCE_ID + 11)]
        assert every == [to_biz_date_ms(f"2025-01-{day}") for day in range(10, 21)]


def test_demo_scenario_starts_running_and_succeeds_by_seconds(make_client: Any, models: Any) -> None:
    with DataWorksEmulator("demo") as emulator:
        instance = emulator.workflow_instance(1001)
        assert instance["Status"] == "Running"
        emulator.set_clock(emulator.now() + timedelta(seconds=7))
        assert emulator.workflow_instance(1001)["Status"] == "Success"
