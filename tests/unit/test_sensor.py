"""DataWorksWorkflowInstanceSensor decisions, with the hook's API methods patched (no network, no database)."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import TYPE_CHECKING, Any
from unittest import mock

import pendulum
import pytest
from airflow_compat import SENSOR_SLEEP, AirflowSensorTimeout, AirflowSkipException, TaskDeferred

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger
from airflow_provider_dataworks.utils.compat import AirflowFailException

from .conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, PROJECT_ID, REGION

if TYPE_CHECKING:
    from fake_task_instance import FakeTaskInstance

pytestmark = pytest.mark.usefixtures("dataworks_conn")

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
#: The run the unit tests pretend to be: due at 2026-11-28 00:00 UTC, so its data date is 2026-11-27.
DUE = pendulum.datetime(2026, 11, 28, tz="UTC")
CONSOLE = f"https://dataworks.data.aliyun.com/{REGION}/ops?defaultProjectId={PROJECT_ID}&env=prod"


def instance(instance_id: int, status: str, **fields: Any) -> dict[str, Any]:
    return {"Id": instance_id, "Name": "nightly_etl", "Status": status, "BizDate": BIZ_DATE, **fields}


@pytest.fixture
def context(ti: FakeTaskInstance) -> dict[str, Any]:
    """A scheduled run due at 2026-11-28 00:00 UTC (data date 2026-11-27) whose task instance records XComs."""
    return {"ti": ti, "data_interval_end": DUE, "logical_date": DUE}


@pytest.fixture(autouse=True)
def no_failed_tasks() -> Any:
    """Failure diagnostics (ListTaskInstances of a failed instance) find nothing: no network in unit tests."""

    def nothing(self: DataWorksHook, **kwargs: Any) -> list[dict[str, Any]]:
        return []

    with mock.patch.object(DataWorksHook, "list_task_instances", nothing):
        yield


def sensor(**kwargs: Any) -> DataWorksWorkflowInstanceSensor:
    kwargs.setdefault("task_id", "wait_for_dw")
    if "workflow_id" not in kwargs:
        kwargs.setdefault("workflow_instance_id", 7)
    return DataWorksWorkflowInstanceSensor(**kwargs)


def patch_get(*answers: dict[str, Any] | Exception) -> Any:
    return mock.patch.object(DataWorksHook, "get_workflow_instance", autospec=True, side_effect=list(answers))


def patch_list(*answers: list[dict[str, Any]] | Exception) -> Any:
    return mock.patch.object(DataWorksHook, "list_workflow_instances", autospec=True, side_effect=list(answers))


# -- construction -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"workflow_instance_id": 7, "workflow_id": 55}, {"workflow_instance_id": "", "workflow_id": None}],
)
def test_constructor_needs_exactly_one_of_instance_id_and_workflow_id(kwargs: dict[str, Any]) -> None:
    with (
        mock.patch.object(DataWorksHook, "get_connection") as get_connection,
        pytest.raises(exc.DataWorksConfigError, match="either workflow_instance_id, or workflow_id") as raised,
    ):
        DataWorksWorkflowInstanceSensor(task_id="t", **kwargs)
    assert "'t'" in str(raised.value)
    get_connection.assert_not_called()


def test_constructor_does_not_touch_the_connection_or_api() -> None:
    with (
        mock.patch.object(DataWorksHook, "get_connection") as get_connection,
        patch_get() as get,
        patch_list() as listing,
    ):
        DataWorksWorkflowInstanceSensor(task_id="a", workflow_instance_id=7)
        DataWorksWorkflowInstanceSensor(task_id="b", workflow_id=55, biz_date="2026-11-27")
    get_connection.assert_not_called()
    get.assert_not_called()
    listing.assert_not_called()


def test_default_poke_interval_is_coarse() -> None:
    assert sensor().poke_interval == 300.0


# -- poke: one status at a time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["NotRun", "Running", "WaitTime", "CheckingCondition", "WaitResource", "Checking", "Frozen"]
)
def test_poke_keeps_waiting_on_unfinished_and_unknown_statuses(context: dict[str, Any], status: str) -> None:
    with patch_get(instance(7, status)) as get:
        result = sensor().poke(context)
    assert result.is_done is False
    assert result.xcom_value is None
    assert get.call_args.args[1:] == (7,)


def test_poke_success_returns_the_instance(context: dict[str, Any]) -> None:
    done = instance(7, "Success", WorkflowId=55)
    with patch_get(done):
        result = sensor().poke(context)
    assert result.is_done is True
    assert result.xcom_value == done


def test_poke_failure_raises_a_retryable_exception_naming_the_instance(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(exc.DataWorksWorkflowInstanceFailed) as raised:
        sensor().poke(context)
    # DataWorks reruns failed instances under the same id: the task's retries may wait such a rerun out.
    assert not isinstance(raised.value, AirflowFailException)
    message = str(raised.value)
    for part in ("workflow instance 7", "'nightly_etl'", "status Failure", "BizDate 2026-11-27", CONSOLE):
        assert part in message


def test_execute_pushes_the_console_link_once_per_run(context: dict[str, Any], ti: FakeTaskInstance) -> None:
    with patch_get(instance(7, "Running")):
        sensor().poke(context)
    assert ti.xcoms == {}  # not an XCom write per poke
    with patch_get(instance(7, "Success")):
        sensor(deferrable=True).execute(context)
    assert ti.xcoms == {CONSOLE_URL_XCOM_KEY: CONSOLE}


def test_string_instance_id_from_a_template_is_accepted(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Success")) as get:
        assert sensor(workflow_instance_id="7").poke(context).is_done
    assert get.call_args.args[1:] == (7,)


@pytest.mark.parametrize("bad_id", ["abc", "0", "-7", "²", 7.5, True])
def test_invalid_instance_id_is_a_config_error(context: dict[str, Any], bad_id: Any) -> None:
    with patch_get() as get, pytest.raises(exc.DataWorksConfigError, match="workflow_instance_id must be a positive"):
        sensor(workflow_instance_id=bad_id).poke(context)
    get.assert_not_called()


@pytest.mark.parametrize(
    "error",
    [
        exc.DataWorksTransportError("reset", action="GetWorkflowInstance", code="TransportError"),
        exc.DataWorksThrottlingError("slow down", action="GetWorkflowInstance", code="Throttling.User"),
        exc.DataWorksTransientError("unavailable", action="GetWorkflowInstance", status_code=503),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient_error_during_poke_keeps_waiting(context: dict[str, Any], error: Exception) -> None:
    with patch_get(error):
        assert sensor().poke(context).is_done is False


@pytest.mark.parametrize(
    "error",
    [
        exc.DataWorksAuthError("denied", action="GetWorkflowInstance", code="Forbidden.RAM", request_id="R1"),
        exc.DataWorksQuotaExceededError("quota", action="GetWorkflowInstance", code="Throttling.Resource"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_permanent_error_during_poke_raises(context: dict[str, Any], error: Exception) -> None:
    with patch_get(error), pytest.raises(type(error)) as raised:
        sensor().poke(context)
    assert raised.value is error


# -- poke: finding the scheduled instance of a data date --------------------------------------------------


def lookup_sensor(**kwargs: Any) -> DataWorksWorkflowInstanceSensor:
    return sensor(workflow_id=55, biz_date="2026-11-27", **kwargs)


def test_lookup_found_then_polled(context: dict[str, Any]) -> None:
    found = [
        instance(90, "Success", Type="Manual", WorkflowId=55),
        instance(91, "Running", Type="Normal", WorkflowId=55),
    ]
    with patch_list(found) as listing, patch_get(instance(91, "Running"), instance(91, "Success")) as get:
        s = lookup_sensor()
        assert s.poke(context).is_done is False
        assert s.poke(context).is_done is False
        assert s.poke(context).xcom_value == instance(91, "Success")
    # one lookup, with the connection's workspace and the default environment; then only GetWorkflowInstance
    assert listing.call_count == 1
    assert listing.call_args.kwargs == {
        "biz_date": BIZ_DATE,
        "project_id": PROJECT_ID,
        "workflow_id": 55,
        "env_type": "Prod",
        "instance_type": "Normal",
    }
    # one API call per poke: the list answer carried the status, so the first poke made no Get
    assert [c.args[1:] for c in get.call_args_list] == [(91,), (91,)]


def test_lookup_uses_given_project_and_env(context: dict[str, Any]) -> None:
    with patch_list([]) as listing:
        lookup_sensor(project_id="8", env_type="Dev").poke(context)
    assert (listing.call_args.kwargs["project_id"], listing.call_args.kwargs["env_type"]) == (8, "Dev")


def test_lookup_not_found_keeps_waiting_and_looks_again(context: dict[str, Any]) -> None:
    with patch_list([], [instance(1, "Success", Type="Manual", WorkflowId=55)]) as listing, patch_get() as get:
        s = lookup_sensor()
        assert s.poke(context).is_done is False
        assert s.poke(context).is_done is False
    assert listing.call_count == 2
    get.assert_not_called()


def test_lookup_with_several_scheduled_instances_fails_naming_them(context: dict[str, Any]) -> None:
    several = [
        instance(11, "Running", Type="Normal", WorkflowId=55),
        instance(12, "Running", Type="Normal", WorkflowId=55),
    ]
    due_ms = int(DUE.timestamp() * 1000)  # neither hour matches the run's data interval end, and both exist
    tasks = [
        {"WorkflowInstanceId": 11, "TriggerTime": due_ms - 60_000},
        {"WorkflowInstanceId": 12, "TriggerTime": due_ms + 60_000},
    ]
    with (
        patch_list(several),
        mock.patch.object(DataWorksHook, "list_task_instances", autospec=True, return_value=tasks),
        pytest.raises(exc.DataWorksConfigError, match=r"2 instances \(11 \(scheduled .*\), 12 \(scheduled"),
    ):
        lookup_sensor().poke(context)


def test_transient_error_during_lookup_keeps_waiting(context: dict[str, Any]) -> None:
    blip = exc.DataWorksTransientError("503", action="ListWorkflowInstances", status_code=503)
    with patch_list(blip):
        assert lookup_sensor().poke(context).is_done is False


def test_lookup_without_any_workspace_is_a_config_error(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAWORKS_DEFAULT",
        json.dumps(
            {
                "conn_type": "dataworks",
                "login": ACCESS_KEY_ID,
                "password": ACCESS_KEY_SECRET,
                "extra": {"region_id": REGION},
            }
        ),
    )
    with patch_list([]) as listing, pytest.raises(exc.DataWorksConfigError, match="project_id is required"):
        lookup_sensor().poke(context)
    listing.assert_not_called()


# -- execute in poke mode (Airflow's sensor loop: soft_fail) ----------------------------------------------


def test_execute_poke_mode_waits_then_returns_the_instance(context: dict[str, Any]) -> None:
    with (
        patch_get(instance(7, "Running"), instance(7, "Success")),
        mock.patch(SENSOR_SLEEP) as sleep,
    ):
        assert sensor(poke_interval=42).execute(context) == instance(7, "Success")
    sleep.assert_called_once_with(42)


def test_execute_poke_mode_failure_fails(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(exc.DataWorksWorkflowInstanceFailed):
        sensor().execute(context)


def test_execute_poke_mode_failure_with_soft_fail_skips(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(AirflowSkipException) as raised:
        sensor(soft_fail=True).execute(context)
    assert isinstance(raised.value.__cause__, exc.DataWorksWorkflowInstanceFailed)


# -- deferrable -------------------------------------------------------------------------------------------


def test_deferrable_running_instance_defers_with_plain_kwargs(context: dict[str, Any]) -> None:
    s = sensor(deferrable=True, timeout=600, poke_interval=45, api_retry_limit=2, api_retry_delay=1.5)
    before = time.time()
    with patch_get(instance(7, "Running")), pytest.raises(TaskDeferred) as deferred:
        s.execute(context)
    after = time.time()
    trigger = deferred.value.trigger
    assert isinstance(trigger, DataWorksWorkflowInstanceTrigger)
    assert deferred.value.method_name == "execute_complete"
    # the time left until the trigger's own deadline, plus a grace so that the trigger's timeout always wins
    assert abs(deferred.value.timeout.total_seconds() - 720) < 5
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_dataworks.triggers.dataworks.DataWorksWorkflowInstanceTrigger"
    assert before + 600 <= kwargs.pop("end_time") <= after + 600
    assert before <= kwargs.pop("wait_started") <= after  # no start date on this task instance: the execution's
    assert kwargs == {
        "workflow_instance_ids": [7],
        "lookup": None,
        "dataworks_conn_id": "dataworks_default",
        "poll_interval": 45.0,
        "retry_limit": 2,
        "retry_delay": 1.5,
        "stop_on_kill": False,
        "stop_on_deadline": False,
        "reached": True,
    }
    text = json.dumps(trigger.serialize()[1])
    assert ACCESS_KEY_SECRET not in text
    assert ACCESS_KEY_ID not in text


def test_deferrable_lookup_not_found_defers_with_the_lookup(context: dict[str, Any]) -> None:
    with patch_list([]), pytest.raises(TaskDeferred) as deferred:
        lookup_sensor(deferrable=True, dataworks_conn_id="dataworks_default").execute(context)
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["workflow_instance_ids"] == []
    assert kwargs["lookup"] == {
        "workflow_id": 55,
        "biz_date": BIZ_DATE,
        "project_id": PROJECT_ID,
        "env_type": "Prod",
        "instance_types": ["Normal"],
        "scheduled_time": None,
        "due_time": int(DUE.timestamp() * 1000),
        "sub_daily": False,
        "timezone": "Asia/Shanghai",
    }
    assert ACCESS_KEY_SECRET not in json.dumps(kwargs)


def test_deferrable_lookup_found_defers_on_the_found_instance(context: dict[str, Any]) -> None:
    with (
        patch_list([instance(91, "Running", Type="Normal", WorkflowId=55)]),
        patch_get(),
        pytest.raises(TaskDeferred) as deferred,
    ):
        lookup_sensor(deferrable=True).execute(context)
    _, kwargs = deferred.value.trigger.serialize()
    assert (kwargs["workflow_instance_ids"], kwargs["lookup"]) == ([91], None)


def test_deferrable_already_succeeded_returns_without_deferring(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Success")):
        assert sensor(deferrable=True).execute(context) == instance(7, "Success")


def test_deferrable_already_failed_fails_without_deferring(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(exc.DataWorksWorkflowInstanceFailed):
        sensor(deferrable=True).execute(context)


def test_deferrable_already_failed_with_soft_fail_skips(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).execute(context)


# -- execute_complete / resume_execution ------------------------------------------------------------------


def test_execute_complete_success_returns_the_instance(context: dict[str, Any]) -> None:
    done = instance(7, "Success")
    event = {"status": "success", "instances": [done], "failed_ids": []}
    assert sensor(deferrable=True).execute_complete(context, event) == done


FAILURE_EVENT = {"status": "failure", "instances": [instance(7, "Failure")], "failed_ids": [7]}


def test_execute_complete_failure_raises(context: dict[str, Any]) -> None:
    with pytest.raises(exc.DataWorksWorkflowInstanceFailed) as raised:
        sensor(deferrable=True).execute_complete(context, FAILURE_EVENT)
    assert "workflow instance 7" in str(raised.value)
    assert CONSOLE in str(raised.value)


def test_execute_complete_timeout_raises_sensor_timeout(context: dict[str, Any]) -> None:
    event = {"status": "timeout", "instances": [instance(7, "Running")], "pending_ids": [7]}
    with pytest.raises(AirflowSensorTimeout, match=r"reached its timeout \(600(\.0)? s\) .* workflow instance \[7\]"):
        sensor(deferrable=True, timeout=600).execute_complete(context, event)


AUTH_ERROR_EVENT = {
    "status": "error",
    "error_class": "DataWorksAuthError",
    "message": "User not authorized.",
    "action": "GetWorkflowInstance",
    "code": "Forbidden.RAM",
    "status_code": 403,
    "request_id": "RID-E",
}


def test_execute_complete_error_reraises_the_family_member(context: dict[str, Any]) -> None:
    with pytest.raises(exc.DataWorksAuthError) as raised:
        sensor(deferrable=True).execute_complete(context, AUTH_ERROR_EVENT)
    assert (raised.value.code, raised.value.request_id, raised.value.status_code) == ("Forbidden.RAM", "RID-E", 403)
    assert "RequestId: RID-E" in str(raised.value)


def test_resume_failure_with_soft_fail_skips(context: dict[str, Any]) -> None:
    s = sensor(deferrable=True, soft_fail=True)
    with pytest.raises(AirflowSkipException):
        s.resume_execution("execute_complete", {"event": FAILURE_EVENT}, context)


def test_resume_failure_without_soft_fail_fails(context: dict[str, Any]) -> None:
    with pytest.raises(exc.DataWorksWorkflowInstanceFailed):
        sensor(deferrable=True).resume_execution("execute_complete", {"event": FAILURE_EVENT}, context)


def test_resume_timeout_with_soft_fail_skips(context: dict[str, Any]) -> None:
    event = {"status": "timeout", "instances": [], "pending_ids": [7]}
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).resume_execution("execute_complete", {"event": event}, context)


def test_deferrable_already_failed_with_never_fail_skips(context: dict[str, Any]) -> None:
    with patch_get(instance(7, "Failure")), pytest.raises(AirflowSkipException):
        sensor(deferrable=True, never_fail=True).execute(context)


def test_deferrable_permanent_error_in_the_first_check_fails_even_with_soft_fail(context: dict[str, Any]) -> None:
    # as in poke mode: soft_fail covers a failed instance, not a broken connection or permission
    denied = exc.DataWorksAuthError("denied", action="GetWorkflowInstance", code="Forbidden.RAM")
    with patch_get(denied), pytest.raises(exc.DataWorksAuthError):
        sensor(deferrable=True, soft_fail=True).execute(context)


# -- data dates and which instance ------------------------------------------------------------------------


def test_default_data_date_is_the_day_before_the_run_is_due(context: dict[str, Any]) -> None:
    with patch_list([]) as listing:
        sensor(workflow_id=55).poke(context)
    assert listing.call_args.kwargs["biz_date"] == BIZ_DATE


@pytest.mark.parametrize("value", ["2026-11-27", "20261127", 20261127, date(2026, 11, 27)])
def test_explicit_data_date_forms(context: dict[str, Any], value: Any) -> None:
    with patch_list([]) as listing:
        sensor(workflow_id=55, biz_date=value).poke(context)
    assert listing.call_args.kwargs["biz_date"] == BIZ_DATE


@pytest.mark.parametrize("value", ["2025-01-15garbage", "2025-02-30", 1736870400000, "yesterday"])
def test_bad_data_date_fails_before_any_call_without_retries(context: dict[str, Any], value: Any) -> None:
    with patch_list() as listing, pytest.raises(exc.DataWorksConfigError) as raised:
        sensor(workflow_id=55, biz_date=value).poke(context)
    assert str(raised.value).startswith(f"biz_date {value!r} is not a")
    assert isinstance(raised.value, AirflowFailException)
    listing.assert_not_called()


def test_instance_id_template_that_rendered_empty_names_that_field(context: dict[str, Any]) -> None:
    s = sensor(workflow_instance_id="{{ dag_run.conf['id'] }}")
    s.workflow_instance_id = ""  # what Airflow's rendering leaves when the conf key is empty
    with patch_get() as get, pytest.raises(exc.DataWorksConfigError, match="workflow_instance_id is empty"):
        s.poke(context)
    get.assert_not_called()


def test_id_based_sensor_needs_no_date(ti: FakeTaskInstance) -> None:
    with patch_get(instance(7, "Success")):
        assert sensor().poke({"ti": ti}).is_done  # a manual run with no logical date or data interval


def test_reschedule_mode_costs_one_call_per_poke(context: dict[str, Any]) -> None:
    listing_answers = [[instance(91, "Running", Type="Normal", WorkflowId=55)]] * 2
    with patch_list(*listing_answers) as listing, patch_get() as get:
        for _ in range(2):  # each reschedule poke runs a fresh operator
            assert lookup_sensor(mode="reschedule").poke(context).is_done is False
    assert (listing.call_count, get.call_count) == (2, 0)


def test_resume_auth_error_with_soft_fail_fails_as_in_poke_mode(context: dict[str, Any]) -> None:
    # Airflow's own resume would turn any error into a skip with soft_fail; poke mode fails on it
    with pytest.raises(exc.DataWorksAuthError):
        sensor(deferrable=True, soft_fail=True).resume_execution(
            "execute_complete", {"event": AUTH_ERROR_EVENT}, context
        )


def test_a_crashed_trigger_with_soft_fail_fails(context: dict[str, Any]) -> None:
    from airflow_provider_dataworks.utils.compat import TaskDeferralError

    with pytest.raises(TaskDeferralError):
        sensor(deferrable=True, soft_fail=True).resume_execution("__fail__", {"error": "Trigger failure"}, context)


@pytest.mark.parametrize("error", ["Trigger timeout", "Trigger/execution timeout"])  # Airflow 3's and 2's words
def test_airflows_deferral_timeout_is_a_sensor_timeout(context: dict[str, Any], error: str) -> None:
    with pytest.raises(AirflowSensorTimeout):
        sensor(deferrable=True).resume_execution("__fail__", {"error": error}, context)
    with pytest.raises(AirflowSkipException):
        sensor(deferrable=True, soft_fail=True).resume_execution("__fail__", {"error": error}, context)


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_bad_data_date_fails_even_with_soft_fail(context: dict[str, Any], deferrable: bool) -> None:
    bad = DataWorksWorkflowInstanceSensor(
        task_id="gate", workflow_id=501, biz_date="2026-13-45", soft_fail=True, deferrable=deferrable, timeout=5
    )
    with patch_list([]) as listed, pytest.raises(exc.DataWorksConfigError, match="biz_date"):
        bad.execute(context)
    listed.assert_not_called()
