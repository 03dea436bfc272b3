"""Finding and judging one node's instance: `find_task_instance` and DataWorksTaskInstanceSensor's decisions.

The hook's API methods are patched (no network, no database); everything between them and the sensor is real.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from unittest import mock

import pendulum
import pytest
from airflow_compat import SENSOR_SLEEP, AirflowSensorTimeout, AirflowSkipException, TaskDeferred

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor
from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger
from airflow_provider_dataworks.utils.compat import AirflowException, AirflowFailException
from airflow_provider_dataworks.waits.lookup import TaskInstanceLookup, afind_task_instance, find_task_instance

from .conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, PROJECT_ID, REGION

if TYPE_CHECKING:
    from fake_task_instance import FakeTaskInstance

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
HOUR = 3_600_000
#: The run the tests pretend to be: due at 2026-11-28 00:00 UTC (08:00 in DataWorks' zone), data date 2026-11-27.
DUE = pendulum.datetime(2026, 11, 28, tz="UTC")
DUE_MS = int(DUE.timestamp() * 1000)
CONSOLE = f"https://dataworks.data.aliyun.com/{REGION}/ops?defaultProjectId={PROJECT_ID}&env=prod"
NODE = 9001


def node(instance_id: int, status: str = "Running", **fields: Any) -> dict[str, Any]:
    """A TaskInstance dict as ListTaskInstances / GetTaskInstance answer it."""
    return {
        "Id": instance_id,
        "TaskId": NODE,
        "TaskName": "ods_orders",
        "Status": status,
        "Bizdate": BIZ_DATE,
        "TriggerTime": DUE_MS,
        "WorkflowInstanceType": "Normal",
        **fields,
    }


# -- find_task_instance: the pure choice ------------------------------------------------------------------


class Hook:
    """ListTaskInstances of the real hook, answered from fixed data, counting calls."""

    def __init__(self, instances: list[dict[str, Any]]) -> None:
        self.instances = instances
        self.calls: list[dict[str, Any]] = []

    def list_task_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        return self.instances

    async def alist_task_instances(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self.list_task_instances(**kwargs)


def lookup(**changes: Any) -> TaskInstanceLookup:
    values: dict[str, Any] = {"task_id": NODE, "biz_date": BIZ_DATE, "project_id": 7, "env_type": "Prod"}
    return TaskInstanceLookup(**{**values, **changes})


def hourly(hours: range, first_id: int = 100) -> list[dict[str, Any]]:
    """Instances of an hourly node, scheduled on the hour from 00:00 UTC+8 of the day after the data date."""
    start = BIZ_DATE + 24 * HOUR
    return [node(first_id + h, TriggerTime=start + h * HOUR) for h in hours]


def test_daily_node_costs_one_list_call_that_carries_the_status() -> None:
    hook = Hook([node(1, "WaitTrigger")])
    assert find_task_instance(hook, lookup(due_time=DUE_MS)) == node(1, "WaitTrigger")
    assert hook.calls == [
        {"biz_date": BIZ_DATE, "task_id": NODE, "project_id": 7, "env_type": "Prod", "instance_type": "Normal"}
    ]


def test_no_instance_yet_is_none() -> None:
    assert find_task_instance(Hook([]), lookup()) is None


def test_type_and_node_are_filtered_on_the_client_too() -> None:
    hook = Hook(
        [node(1, WorkflowInstanceType="SupplementData"), node(2, WorkflowInstanceType="Manual"), node(3, TaskId=1)]
    )
    assert find_task_instance(hook, lookup()) is None
    backfill = find_task_instance(hook, lookup(instance_types=("Normal", "SupplementData")))
    assert backfill is not None and backfill["Id"] == 1
    assert hook.calls[-1]["instance_type"] is None  # several types: the list call cannot filter by one


def test_an_answer_without_workflow_instance_type_counts_as_scheduled() -> None:
    plain = {k: v for k, v in node(5).items() if k != "WorkflowInstanceType"}
    assert find_task_instance(Hook([plain]), lookup()) == plain


def test_hourly_node_is_chosen_by_the_runs_data_interval_end_in_one_call() -> None:
    hook = Hook(hourly(range(6)))
    found = find_task_instance(hook, lookup(due_time=BIZ_DATE + 27 * HOUR))
    assert found is not None and found["Id"] == 103
    assert len(hook.calls) == 1  # the node's own TriggerTime decides: no second call


def test_explicit_scheduled_time_wins_over_the_due_time_even_for_one_candidate() -> None:
    one = hourly(range(1))
    assert find_task_instance(Hook(one), lookup(scheduled_time=BIZ_DATE + 24 * HOUR, due_time=0)) == one[0]
    assert find_task_instance(Hook(one), lookup(scheduled_time=BIZ_DATE + 25 * HOUR)) is None
    several = hourly(range(6))
    chosen = find_task_instance(Hook(several), lookup(scheduled_time=BIZ_DATE + 26 * HOUR, due_time=DUE_MS))
    assert chosen is not None and chosen["Id"] == 102


def test_hour_not_created_yet_keeps_waiting() -> None:
    assert find_task_instance(Hook(hourly(range(3))), lookup(due_time=BIZ_DATE + 29 * HOUR)) is None


def test_ambiguous_choice_fails_naming_ids_and_times() -> None:
    minutes = [
        node(100, TriggerTime=BIZ_DATE + 24 * HOUR + 300_000),
        node(101, TriggerTime=BIZ_DATE + 25 * HOUR + 300_000),
    ]
    with pytest.raises(exc.DataWorksConfigError) as raised:
        find_task_instance(Hook(minutes), lookup(due_time=BIZ_DATE + 24 * HOUR))
    message = str(raised.value)
    assert message.startswith(f"node {NODE} (data date 2026-11-27, Normal) has 2 instances")
    assert "100 (scheduled 2026-11-28T00:05:00+08:00)" in message
    assert "101 (scheduled 2026-11-28T01:05:00+08:00)" in message
    assert "scheduled_time" in message and "task_instance_id" in message
    assert "workflow_instance_id" not in message


def test_two_instances_at_the_same_time_fail() -> None:
    with pytest.raises(exc.DataWorksConfigError, match="several share that time"):
        find_task_instance(Hook([node(1), node(2)]), lookup(due_time=DUE_MS))


def test_several_instances_and_no_time_to_choose_by_fail() -> None:
    with pytest.raises(exc.DataWorksConfigError, match="2 instances"):
        find_task_instance(Hook(hourly(range(2))), lookup())


def test_lookup_round_trips_through_plain_values() -> None:
    original = lookup(instance_types=("Normal", "SupplementData"), scheduled_time=DUE_MS, due_time=DUE_MS + 1)
    plain = original.as_dict()
    assert json.loads(json.dumps(plain)) == plain
    assert plain["instance_types"] == ["Normal", "SupplementData"]
    assert TaskInstanceLookup.from_dict(plain) == original
    assert TaskInstanceLookup.from_dict({**plain, "instance_types": None}).instance_types == ("Normal",)
    assert (
        original.describe()
        == f"node {NODE} (data date 2026-11-27, Normal/SupplementData, scheduled at 2026-11-28T08:00:00+08:00)"
    )


async def test_the_async_lookup_makes_the_same_call_and_choice() -> None:
    blocking, awaiting = Hook(hourly(range(5))), Hook(hourly(range(5)))
    wanted = lookup(due_time=BIZ_DATE + 24 * HOUR + 3 * HOUR)
    assert await afind_task_instance(awaiting, wanted) == find_task_instance(blocking, wanted) == hourly(range(5))[3]
    assert awaiting.calls == blocking.calls


# -- the sensor: decisions per poke -----------------------------------------------------------------------


@pytest.fixture
def context(ti: FakeTaskInstance) -> dict[str, Any]:
    """A scheduled run due at 2026-11-28 00:00 UTC (data date 2026-11-27) whose task instance records XComs."""
    return {"ti": ti, "data_interval_end": DUE, "logical_date": DUE}


@pytest.fixture(autouse=True)
def api(dataworks_conn: dict[str, Any]) -> Any:
    """The three node API methods of the hook, patched; no answers unless a test gives them."""
    with (
        mock.patch.object(DataWorksHook, "get_task_instance", autospec=True) as get,
        mock.patch.object(DataWorksHook, "list_task_instances", autospec=True) as listing,
        mock.patch.object(DataWorksHook, "get_task_instance_log", autospec=True, return_value="") as log,
    ):
        get.side_effect = AssertionError("unexpected GetTaskInstance")
        listing.side_effect = AssertionError("unexpected ListTaskInstances")
        yield mock.Mock(get=get, list=listing, log=log)


def answers(patched: mock.Mock, *values: Any) -> mock.Mock:
    patched.side_effect = list(values)
    return patched


def sensor(**kwargs: Any) -> DataWorksTaskInstanceSensor:
    kwargs.setdefault("task_id", "wait_for_node")
    if "dataworks_task_id" not in kwargs:
        kwargs.setdefault("task_instance_id", 77)
    return DataWorksTaskInstanceSensor(**kwargs)


def by_node(**kwargs: Any) -> DataWorksTaskInstanceSensor:
    return sensor(dataworks_task_id=NODE, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"task_instance_id": 77, "dataworks_task_id": NODE}, {"task_instance_id": "", "dataworks_task_id": None}],
)
def test_constructor_needs_exactly_one_of_instance_id_and_node_id(kwargs: dict[str, Any]) -> None:
    with (
        mock.patch.object(DataWorksHook, "get_connection") as get_connection,
        pytest.raises(exc.DataWorksConfigError, match="either task_instance_id, or dataworks_task_id") as raised,
    ):
        DataWorksTaskInstanceSensor(task_id="t", **kwargs)
    assert "'t'" in str(raised.value)
    get_connection.assert_not_called()


@pytest.mark.parametrize(
    "status", ["WaitTrigger", "NotRun", "Running", "WaitTime", "CheckingCondition", "WaitResource", "Checking", "Odd"]
)
def test_poke_keeps_waiting_on_every_unfinished_status(context: dict[str, Any], api: mock.Mock, status: str) -> None:
    answers(api.get, node(77, status))
    result = sensor().poke(context)
    assert (result.is_done, result.xcom_value) == (False, None)
    assert [c.args[1:] for c in api.get.call_args_list] == [(77,)]


def test_poke_success_returns_the_task_instance(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Success"))
    result = sensor().poke(context)
    assert (result.is_done, result.xcom_value) == (True, node(77, "Success"))
    api.log.assert_not_called()


def test_poke_failure_raises_a_retryable_exception_with_the_details(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Failure"))
    api.log.return_value = "line 1\nERROR - FAILED: table not found\n"
    with pytest.raises(exc.DataWorksTaskInstanceFailed) as raised:
        sensor().poke(context)
    # the node may be rerun in DataWorks under the same id: the task's retries may wait such a rerun out
    assert isinstance(raised.value, AirflowException)
    assert not isinstance(raised.value, AirflowFailException)
    message = str(raised.value)
    for part in (
        "task instance 77",
        "node 'ods_orders' (9001)",
        "status Failure",
        "data date 2026-11-27",
        "scheduled 2026-11-28T08:00:00+08:00",
        CONSOLE,
        "ERROR - FAILED: table not found",
    ):
        assert part in message
    assert [c.args[1:] for c in api.log.call_args_list] == [(77,)]


def test_failure_without_a_readable_log_still_fails(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Failure"))
    api.log.side_effect = exc.DataWorksTransientError("503", action="GetTaskInstanceLog", status_code=503)
    with pytest.raises(exc.DataWorksTaskInstanceFailed, match="task instance 77"):
        sensor().poke(context)


def test_execute_poke_mode_waits_through_wait_trigger(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "WaitTrigger"), node(77, "Running"), node(77, "Success"))
    with mock.patch(SENSOR_SLEEP) as sleep:
        assert sensor(poke_interval=5).execute(context) == node(77, "Success")
    assert sleep.call_count == 2
    assert api.get.call_count == 3  # one API call per poke


def test_execute_poke_mode_failure_with_soft_fail_skips(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Failure"))
    with pytest.raises(AirflowSkipException) as raised:
        sensor(soft_fail=True).execute(context)
    assert isinstance(raised.value.__cause__, exc.DataWorksTaskInstanceFailed)


def test_execute_pushes_the_console_link(context: dict[str, Any], ti: FakeTaskInstance, api: mock.Mock) -> None:
    answers(api.get, node(77, "Success"))
    sensor(deferrable=True).execute(context)
    assert ti.xcoms == {CONSOLE_URL_XCOM_KEY: CONSOLE}


@pytest.mark.parametrize(
    "error",
    [
        exc.DataWorksTransportError("reset", action="GetTaskInstance", code="TransportError"),
        exc.DataWorksTransientError("unavailable", action="GetTaskInstance", status_code=503),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient_error_keeps_waiting(context: dict[str, Any], api: mock.Mock, error: Exception) -> None:
    answers(api.get, error)
    assert sensor().poke(context).is_done is False


def test_missing_instance_raises(context: dict[str, Any], api: mock.Mock) -> None:
    gone = exc.DataWorksInstanceNotFoundError("gone", action="GetTaskInstance", code="TaskInstance.Missing")
    answers(api.get, gone)
    with pytest.raises(exc.DataWorksInstanceNotFoundError):
        sensor().poke(context)


# -- the sensor: finding the node's instance --------------------------------------------------------------


def test_lookup_found_then_polled_by_id_one_call_per_poke(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(91, "WaitTrigger")])
    answers(api.get, node(91, "Running"), node(91, "Success"))
    s = by_node()
    assert s.poke(context).is_done is False
    assert s.poke(context).is_done is False
    assert s.poke(context).xcom_value == node(91, "Success")
    assert api.list.call_count == 1
    assert api.list.call_args.kwargs == {
        "biz_date": BIZ_DATE,
        "task_id": NODE,
        "project_id": PROJECT_ID,
        "env_type": "Prod",
        "instance_type": "Normal",
    }
    assert [c.args[1:] for c in api.get.call_args_list] == [(91,), (91,)]


def test_lookup_finished_in_the_list_answer_needs_no_get(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(91, "Success")])
    assert by_node().poke(context).xcom_value == node(91, "Success")
    api.get.assert_not_called()


def test_instance_that_appears_later_is_looked_up_again(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [], [node(91, "Running", TaskId=1)], [node(92, "Success")])
    s = by_node()
    assert s.poke(context).is_done is False
    assert s.poke(context).is_done is False  # another node's instance is not ours
    assert s.poke(context).xcom_value == node(92, "Success")
    assert api.list.call_count == 3
    api.get.assert_not_called()


def test_reschedule_mode_costs_one_call_per_poke(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(91)], [node(91)])
    for _ in range(2):  # each reschedule poke runs a fresh operator
        assert by_node(mode="reschedule").poke(context).is_done is False
    assert (api.list.call_count, api.get.call_count) == (2, 0)


def test_hourly_node_is_chosen_by_the_runs_data_interval_end(context: dict[str, Any], api: mock.Mock) -> None:
    hours = [node(100 + h, "Success", TriggerTime=DUE_MS + (h - 2) * HOUR) for h in range(3)]
    answers(api.list, hours)
    assert by_node().poke(context).xcom_value == hours[2]


def test_explicit_scheduled_time_picks_the_hour(context: dict[str, Any], api: mock.Mock) -> None:
    hours = [node(100 + h, "Success", TriggerTime=DUE_MS + (h - 2) * HOUR) for h in range(3)]
    answers(api.list, hours, hours, hours)
    assert by_node(scheduled_time="2026-11-28T06:00:00+08:00").poke(context).xcom_value == hours[0]
    assert by_node(scheduled_time="2026-11-28T07:00:00").poke(context).xcom_value == hours[1]  # DataWorks' zone
    assert by_node(scheduled_time=datetime(2026, 11, 28, tzinfo=pendulum.UTC)).poke(context).xcom_value == hours[2]


def test_sensor_waits_while_its_hour_is_not_created(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(100, TriggerTime=DUE_MS - HOUR)])
    assert by_node().poke(context).is_done is False


def test_ambiguous_hours_fail_naming_them(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(11, TriggerTime=DUE_MS - 60_000), node(12, TriggerTime=DUE_MS + 60_000)])
    with pytest.raises(exc.DataWorksConfigError, match=r"2 instances \(11 \(scheduled .*\), 12 \(scheduled"):
        by_node().poke(context)


def test_default_data_date_is_the_day_before_the_run_is_due(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [])
    by_node().poke(context)
    assert api.list.call_args.kwargs["biz_date"] == BIZ_DATE


@pytest.mark.parametrize("value", ["2026-11-27", "20261127", 20261127, date(2026, 11, 27)])
def test_explicit_data_date_forms(context: dict[str, Any], api: mock.Mock, value: Any) -> None:
    answers(api.list, [])
    by_node(biz_date=value).poke(context)
    assert api.list.call_args.kwargs["biz_date"] == BIZ_DATE


def test_lookup_uses_given_project_and_env(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [])
    by_node(project_id="8", env_type="Dev").poke(context)
    assert (api.list.call_args.kwargs["project_id"], api.list.call_args.kwargs["env_type"]) == (8, "Dev")


# -- the sensor: bad input fails before any call ----------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-11-27garbage", "2026-02-30", 1795708800000, "yesterday"])
def test_bad_data_date_fails_before_any_call(context: dict[str, Any], api: mock.Mock, value: Any) -> None:
    with pytest.raises(exc.DataWorksConfigError) as raised:
        by_node(biz_date=value).poke(context)
    assert str(raised.value).startswith(f"biz_date {value!r} is not a")
    assert isinstance(raised.value, AirflowFailException)
    api.list.assert_not_called()


@pytest.mark.parametrize("value", ["tomorrow", "2026-11-28 25:00", 1795708800000])
def test_bad_scheduled_time_fails_before_any_call(context: dict[str, Any], api: mock.Mock, value: Any) -> None:
    with pytest.raises(exc.DataWorksConfigError, match=r"^scheduled_time .* is not a date and time"):
        by_node(scheduled_time=value).poke(context)
    api.list.assert_not_called()


@pytest.mark.parametrize("bad_id", ["abc", "0", "-7", 7.5, True])
def test_bad_task_instance_id_fails_before_any_call(context: dict[str, Any], api: mock.Mock, bad_id: Any) -> None:
    with pytest.raises(exc.DataWorksConfigError, match="task_instance_id must be a positive"):
        sensor(task_instance_id=bad_id).poke(context)
    api.get.assert_not_called()


@pytest.mark.parametrize("bad_id", ["abc", "0", "-7"])
def test_bad_node_id_fails_before_any_call(context: dict[str, Any], api: mock.Mock, bad_id: Any) -> None:
    with pytest.raises(exc.DataWorksConfigError, match="dataworks_task_id must be a positive"):
        sensor(dataworks_task_id=bad_id).poke(context)
    api.list.assert_not_called()


def test_instance_id_sensor_needs_no_run_dates(ti: FakeTaskInstance, api: mock.Mock) -> None:
    answers(api.get, node(77, "Success"))
    assert sensor().poke({"ti": ti}).is_done  # a manual run without a logical date or data interval


# -- the sensor: deferrable -------------------------------------------------------------------------------


def test_deferrable_unfinished_node_defers_with_plain_kwargs(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "WaitTrigger"))
    s = sensor(deferrable=True, timeout=600, poke_interval=45, api_retry_limit=2, api_retry_delay=1.5)
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        s.execute(context)
    after = time.time()
    trigger = deferred.value.trigger
    assert isinstance(trigger, DataWorksTaskInstanceTrigger)
    assert deferred.value.method_name == "execute_complete"
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_dataworks.triggers.dataworks.DataWorksTaskInstanceTrigger"
    assert before + 600 <= kwargs.pop("end_time") <= after + 600
    assert before <= kwargs.pop("wait_started") <= after  # no start date on this task instance: the execution's
    assert kwargs == {
        "task_instance_ids": [77],
        "lookup": None,
        "dataworks_conn_id": "dataworks_default",
        "poll_interval": 45.0,
        "retry_limit": 2,
        "retry_delay": 1.5,
        "reached": True,
    }
    text = json.dumps(kwargs)
    assert ACCESS_KEY_SECRET not in text and ACCESS_KEY_ID not in text


def test_deferrable_lookup_not_found_defers_with_the_lookup(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [])
    with pytest.raises(TaskDeferred) as deferred:
        by_node(deferrable=True, scheduled_time="2026-11-28T08:00:00+08:00").execute(context)
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["task_instance_ids"] == []
    assert kwargs["lookup"] == {
        "task_id": NODE,
        "biz_date": BIZ_DATE,
        "project_id": PROJECT_ID,
        "env_type": "Prod",
        "instance_types": ["Normal"],
        "scheduled_time": DUE_MS,
        "due_time": DUE_MS,
        "sub_daily": False,
        "timezone": "Asia/Shanghai",
    }
    assert TaskInstanceLookup.from_dict(kwargs["lookup"]).task_id == NODE


def test_deferrable_lookup_found_defers_on_the_found_instance(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.list, [node(91, "Running")])
    with pytest.raises(TaskDeferred) as deferred:
        by_node(deferrable=True).execute(context)
    _, kwargs = deferred.value.trigger.serialize()
    assert (kwargs["task_instance_ids"], kwargs["lookup"]) == ([91], None)
    api.get.assert_not_called()


def test_deferrable_already_succeeded_returns_without_deferring(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Success"))
    assert sensor(deferrable=True).execute(context) == node(77, "Success")


def test_deferrable_already_failed_with_soft_fail_skips(context: dict[str, Any], api: mock.Mock) -> None:
    answers(api.get, node(77, "Failure"))
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).execute(context)


FAILURE_EVENT = {"status": "failure", "instances": [node(77, "Failure")], "failed_ids": [77]}


def test_resume_success_returns_the_task_instance(context: dict[str, Any]) -> None:
    event = {"status": "success", "instances": [node(77, "Success")], "failed_ids": []}
    assert sensor(deferrable=True).execute_complete(context, event) == node(77, "Success")


def test_resume_failure_fails_with_the_log_tail(context: dict[str, Any], api: mock.Mock) -> None:
    api.log.return_value = "boom at line 3"
    with pytest.raises(exc.DataWorksTaskInstanceFailed) as raised:
        sensor(deferrable=True).resume_execution("execute_complete", {"event": FAILURE_EVENT}, context)
    assert "node 'ods_orders' (9001)" in str(raised.value) and "boom at line 3" in str(raised.value)


def test_resume_failure_with_soft_fail_skips(context: dict[str, Any]) -> None:
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).resume_execution("execute_complete", {"event": FAILURE_EVENT}, context)


def test_resume_timeout_names_the_node(context: dict[str, Any]) -> None:
    event = {"status": "timeout", "instances": [], "pending_ids": []}
    with pytest.raises(AirflowSensorTimeout, match=rf"reached its timeout \(600(\.0)? s\) .* task instance {NODE}"):
        by_node(deferrable=True, timeout=600).execute_complete(context, event)


def test_resume_error_reraises_the_family_member(context: dict[str, Any]) -> None:
    event = {
        "status": "error",
        "error_class": "DataWorksAuthError",
        "message": "User not authorized.",
        "action": "GetTaskInstance",
        "code": "Forbidden.RAM",
        "status_code": 403,
        "request_id": "RID-N",
    }
    with pytest.raises(exc.DataWorksAuthError) as raised:
        sensor(deferrable=True, soft_fail=True).execute_complete(context, event)
    assert (raised.value.code, raised.value.request_id) == ("Forbidden.RAM", "RID-N")
