"""A wait's outcome: its event form (the keys triggers always fired), and turning it into results or exceptions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.waits.kinds import TASK, WORKFLOW
from airflow_provider_dataworks.waits.outcome import WaitOutcome

BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
CONSOLE = "https://dataworks.data.aliyun.com/cn-shanghai/ops?defaultProjectId=4242&env=prod"


def instance(instance_id: int, status: str, **fields: Any) -> dict[str, Any]:
    return {"Id": instance_id, "Name": f"wf_{instance_id}", "Status": status, "BizDate": BIZ_DATE, **fields}


def raised_by(event: dict[str, Any], kind: Any = WORKFLOW) -> list[dict[str, Any]]:
    return WaitOutcome.from_event(event).instances_or_raise(kind, CONSOLE)


DENIED = exc.DataWorksAuthError(
    "denied", action="GetWorkflowInstance", code="Forbidden.RAM", status_code=403, request_id="R1", hint="Grant it."
)


# -- the event form ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        {"status": "success", "instances": [instance(1, "Success")], "failed_ids": [], "workflow_instance_ids": [1]},
        {"status": "failure", "instances": [instance(1, "Failure")], "failed_ids": [1], "task_instance_ids": [1]},
        {"status": "timeout", "instances": [], "pending_ids": [1], "stopped_ids": [1], "wait_started": 1.5},
        {"status": "success", "instances": [instance(2, "Success")], "failed_ids": [], "end_time": 99.0},
        {**DENIED.to_dict(), "status": "error", "pending_ids": [7], "workflow_instance_ids": [7]},
        {"status": "error", "error_class": "DataWorksConfigError", "message": "set extra 'region_id'."},
    ],
    ids=["success", "failure", "timeout", "deadline", "api-error", "config-error"],
)
def test_an_event_survives_the_round_trip(event: dict[str, Any]) -> None:
    assert WaitOutcome.from_event(json.loads(json.dumps(event))).to_event() == event


def test_finished_outcomes_say_which_failed() -> None:
    done = WaitOutcome.finished([instance(1, "Failure"), instance(2, "Success")], WORKFLOW)
    assert (done.status, done.failed_ids, done.failed_instances()) == ("failure", [1], [instance(1, "Failure")])
    assert WaitOutcome.finished([instance(2, "Success")], WORKFLOW).status == "success"


def test_an_outcome_names_the_ids_it_was_for_under_its_kinds_key() -> None:
    outcome = WaitOutcome.timed_out([], [5]).about(TASK, [5])
    assert outcome.to_event() == {"status": "timeout", "instances": [], "pending_ids": [5], "task_instance_ids": [5]}
    assert WaitOutcome.from_event(outcome.to_event()).instance_ids() == [5]
    assert WaitOutcome.timed_out([], []).about(TASK, []).to_event() == {
        "status": "timeout",
        "instances": [],
        "pending_ids": [],
    }


@pytest.mark.parametrize("event", [{"status": "done"}, {}, {"instances": []}])
def test_an_event_of_no_known_status_is_refused(event: dict[str, Any]) -> None:
    with pytest.raises(exc.DataWorksConfigError, match="Unexpected event"):
        WaitOutcome.from_event(event)


# -- results and exceptions --------------------------------------------------------------------------------


def test_success_returns_the_instances() -> None:
    instances = [instance(1, "Success"), instance(2, "Success")]
    assert raised_by({"status": "success", "instances": instances, "failed_ids": []}) == instances


def test_failure_names_id_name_status_biz_date_and_console() -> None:
    event = {
        "status": "failure",
        "instances": [instance(1, "Success"), instance(2, "Failure", Name="nightly_etl")],
        "failed_ids": [2],
    }
    with pytest.raises(exc.DataWorksWorkflowInstanceFailed) as raised:
        raised_by(event)
    assert str(raised.value) == (
        "DataWorks workflow instance 2 ('nightly_etl') status Failure, BizDate 2026-11-27. Console: " + CONSOLE
    )


def test_failure_names_every_failed_instance() -> None:
    event = {"status": "failure", "instances": [instance(1, "Failure"), instance(2, "Failure")], "failed_ids": [1, 2]}
    with pytest.raises(exc.DataWorksWorkflowInstanceFailed) as raised:
        raised_by(event)
    assert "workflow instance 1 ('wf_1')" in str(raised.value)
    assert "workflow instance 2 ('wf_2')" in str(raised.value)


def test_a_node_failure_raises_the_node_kinds_failure() -> None:
    node = {"Id": 3, "TaskId": 30, "TaskName": "load", "Status": "Failure", "Bizdate": BIZ_DATE}
    with pytest.raises(exc.DataWorksTaskInstanceFailed, match="task instance 3 of node 'load'"):
        raised_by({"status": "failure", "instances": [node], "failed_ids": [3]}, TASK)


@pytest.mark.parametrize(
    "error",
    [
        DENIED,
        exc.DataWorksInstanceNotFoundError("gone", action="GetWorkflowInstance", code="X.NotExist", request_id="R2"),
        exc.DataWorksQuotaExceededError("quota", action="GetWorkflowInstance", code="Throttling.Resource"),
        exc.DataWorksTransientError("still down", action="GetWorkflowInstance", status_code=503, request_id="R3"),
        exc.DataWorksThrottlingError("slow", action="ListTaskInstances", code="Throttling.User", hint="Poll less."),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_error_event_rebuilds_the_same_exception_hint_included(error: exc.DataWorksAPIError) -> None:
    event = json.loads(json.dumps(WaitOutcome.from_error(error).to_event()))
    with pytest.raises(exc.DataWorksAPIError) as raised:
        raised_by(event)
    assert type(raised.value) is type(error)
    assert str(raised.value) == str(error)
    assert raised.value.details() == error.details()


def test_a_config_error_event_rebuilds_a_config_error() -> None:
    with pytest.raises(exc.DataWorksConfigError, match="pass workflow_instance_id"):
        raised_by(WaitOutcome.from_error(exc.DataWorksConfigError("ambiguous; pass workflow_instance_id")).to_event())


def test_an_error_of_an_unknown_class_is_a_config_error_with_its_message() -> None:
    with pytest.raises(exc.DataWorksConfigError, match=r"^trigger crashed$"):
        raised_by({"status": "error", "error_class": "KeyError", "message": "trigger crashed"})


def test_a_timeout_is_not_a_result() -> None:
    with pytest.raises(exc.DataWorksConfigError, match="Unexpected event"):
        raised_by({"status": "timeout", "pending_ids": [1]})


# -- the error family's own dict form --------------------------------------------------------------------------


def test_api_errors_round_trip_through_their_dict_form() -> None:
    rebuilt = exc.DataWorksAPIError.from_dict(DENIED.to_dict())
    assert (type(rebuilt), str(rebuilt), rebuilt.hint) == (exc.DataWorksAuthError, str(DENIED), "Grant it.")


def test_config_errors_round_trip_through_their_dict_form() -> None:
    error = exc.DataWorksConfigError("biz_date 'tomorrow' is not a date; pass YYYY-MM-DD.")
    rebuilt = exc.DataWorksConfigError.from_dict(error.to_dict())
    assert (type(rebuilt), str(rebuilt)) == (exc.DataWorksConfigError, str(error))


def test_an_error_dict_never_names_a_class_outside_the_family() -> None:
    rebuilt = exc.error_from_dict({"error_class": "SystemExit", "message": "no", "action": "GetWorkflowInstance"})
    assert type(rebuilt) is exc.DataWorksConfigError
