"""Choosing the instance an Airflow run gates on: type, workflow, and scheduling time among several."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.waits.lookup import (
    WorkflowInstanceLookup,
    afind_workflow_instance,
    check_instance_types,
    find_workflow_instance,
)

BIZ = 1736870400000  # 2025-01-15 00:00 UTC+8
HOUR = 3_600_000
DAY_AFTER = BIZ + 24 * HOUR  # 2025-01-16 00:00 UTC+8


def wf(instance_id: int, type_: str = "Normal", workflow_id: int = 501) -> dict[str, Any]:
    return {"Id": instance_id, "WorkflowId": workflow_id, "Type": type_, "Status": "Running", "BizDate": BIZ}


class Hook:
    """The two list calls of the real hook, answered from fixed data, counting calls."""

    def __init__(self, instances: list[dict[str, Any]], trigger_times: dict[int, int] | None = None) -> None:
        self.instances = instances
        self.trigger_times = trigger_times or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list_workflow_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(("ListWorkflowInstances", kwargs))
        return self.instances

    def list_task_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(("ListTaskInstances", kwargs))
        return [
            {"Id": 90000 + i, "WorkflowInstanceId": i, "TriggerTime": t, "WorkflowId": 501}
            for i, t in self.trigger_times.items()
        ]

    async def alist_workflow_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.list_workflow_instances(**kwargs)

    async def alist_task_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.list_task_instances(**kwargs)


def lookup(**changes: Any) -> WorkflowInstanceLookup:
    values: dict[str, Any] = {"workflow_id": 501, "biz_date": BIZ, "project_id": 7, "env_type": "Prod"}
    return WorkflowInstanceLookup(**{**values, **changes})


def test_daily_workflow_one_call_and_the_list_answer_carries_the_status() -> None:
    hook = Hook([wf(1)])
    assert find_workflow_instance(hook, lookup(due_time=DAY_AFTER)) == wf(1)
    assert [c[0] for c in hook.calls] == ["ListWorkflowInstances"]
    assert hook.calls[0][1]["instance_type"] == "Normal"


def test_nothing_yet_is_none() -> None:
    assert find_workflow_instance(Hook([]), lookup()) is None


def test_types_filter_on_the_client_too() -> None:
    hook = Hook([wf(1, "SupplementData"), wf(2, "Manual"), wf(3, "Normal", workflow_id=999)])
    assert find_workflow_instance(hook, lookup()) is None
    backfill = find_workflow_instance(hook, lookup(instance_types=("Normal", "SupplementData")))
    assert backfill is not None and backfill["Id"] == 1
    assert hook.calls[-1][1]["instance_type"] is None  # several types: List cannot filter by one


def test_hourly_workflow_is_chosen_by_the_runs_data_interval_end() -> None:
    hourly = {100 + h: DAY_AFTER + h * HOUR for h in range(6)}
    hook = Hook([wf(i) for i in hourly], hourly)
    found = find_workflow_instance(hook, lookup(due_time=DAY_AFTER + 3 * HOUR))
    assert found is not None and found["Id"] == 103
    assert [c[0] for c in hook.calls] == ["ListWorkflowInstances", "ListTaskInstances"]
    assert hook.calls[1][1]["workflow_id"] == 501 and hook.calls[1][1]["biz_date"] == BIZ


def test_explicit_scheduled_time_wins_over_the_due_time_even_for_one_candidate() -> None:
    hook = Hook([wf(100)], {100: DAY_AFTER})
    assert find_workflow_instance(hook, lookup(scheduled_time=DAY_AFTER, due_time=0)) == wf(100)
    assert find_workflow_instance(hook, lookup(scheduled_time=DAY_AFTER + HOUR)) is None  # not created yet


def test_hour_not_created_yet_waits() -> None:
    hourly = {100 + h: DAY_AFTER + h * HOUR for h in range(3)}
    assert find_workflow_instance(Hook([wf(i) for i in hourly], hourly), lookup(due_time=DAY_AFTER + 5 * HOUR)) is None


def test_ambiguous_choice_fails_naming_ids_and_times() -> None:
    hourly = {100: DAY_AFTER + 5 * 60_000, 101: DAY_AFTER + HOUR + 5 * 60_000}
    with pytest.raises(DataWorksConfigError) as raised:
        find_workflow_instance(Hook([wf(100), wf(101)], hourly), lookup(due_time=DAY_AFTER))
    message = str(raised.value)
    assert "100 (scheduled 2025-01-16T00:05:00+08:00)" in message
    assert "101 (scheduled 2025-01-16T01:05:00+08:00)" in message
    assert "scheduled_time" in message and "workflow_instance_id" in message


def test_two_instances_at_the_same_time_fail() -> None:
    with pytest.raises(DataWorksConfigError, match="several share that time"):
        find_workflow_instance(Hook([wf(1), wf(2)], {1: DAY_AFTER, 2: DAY_AFTER}), lookup(due_time=DAY_AFTER))


def test_lookup_round_trips_through_plain_values() -> None:
    original = lookup(instance_types=("Normal", "SupplementData"), scheduled_time=DAY_AFTER, due_time=DAY_AFTER)
    assert WorkflowInstanceLookup.from_dict(original.as_dict()) == original
    assert original.as_dict()["instance_types"] == ["Normal", "SupplementData"]


@pytest.mark.parametrize("value", [(), ["Normal", "Hourly"], None, "Weekly"])
def test_instance_types_are_validated(value: Any) -> None:
    with pytest.raises(DataWorksConfigError, match="instance_types"):
        check_instance_types(value)
    assert check_instance_types("SupplementData") == ("SupplementData",)


async def test_the_async_lookup_makes_the_same_calls_and_choice() -> None:
    times = {1: DAY_AFTER, 2: DAY_AFTER + 3 * HOUR}
    blocking, awaiting = Hook([wf(1), wf(2)], times), Hook([wf(1), wf(2)], times)
    wanted = lookup(due_time=DAY_AFTER + 3 * HOUR)
    assert await afind_workflow_instance(awaiting, wanted) == find_workflow_instance(blocking, wanted) == wf(2)
    assert awaiting.calls == blocking.calls


def test_messages_show_the_data_date_and_times_in_the_connections_time_zone() -> None:
    # 2025-01-15 00:00 in Asia/Shanghai is 2025-01-14 in UTC and in America/Los_Angeles
    lookup = WorkflowInstanceLookup(
        workflow_id=501,
        biz_date=1736870400000,
        project_id=100,
        env_type="Prod",
        timezone="America/Los_Angeles",
        scheduled_time=1736870400000,
    )
    assert "data date 2025-01-14" in lookup.describe()
    assert "scheduled at 2025-01-14T08:00:00-08:00" in lookup.describe()
    assert (
        "data date 2025-01-15"
        in WorkflowInstanceLookup.from_dict({**lookup.as_dict(), "timezone": "Asia/Shanghai"}).describe()
    )
