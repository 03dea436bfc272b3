"""An instance id a task was given that DataWorks does not know: one sentence naming the argument and the fix ahead
of DataWorks' answer, and an error Airflow does not retry (nor `soft_fail` skip); an id a lookup found is not that.

The hook's API methods are patched (no network, no database)."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest import mock

import pendulum
import pytest
from airflow_compat import AirflowSkipException

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.dates import biz_date_ms, dataworks_zone
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.operators.dataworks import DataWorksGetWorkflowInstanceOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor, DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.utils.compat import AirflowFailException

from .conftest import REGION

pytestmark = pytest.mark.usefixtures("dataworks_conn")

DUE = pendulum.datetime(2026, 11, 28, tz="UTC")
BIZ_DATE = biz_date_ms(date(2026, 11, 27), dataworks_zone())
WHERE = f"(https://dataworks.{REGION}.aliyuncs.com, connection 'dataworks_default')"


@pytest.fixture
def context(ti: Any) -> dict[str, Any]:
    return {"ti": ti, "data_interval_end": DUE, "logical_date": DUE}


def missing(action: str, noun: str, instance_id: int) -> exc.DataWorksInstanceNotFoundError:
    """DataWorks' answer to a Get of an id it does not know, as the hook raises it."""
    code = f"InvalidParameter.NotExist.{noun}"
    return exc.DataWorksInstanceNotFoundError(
        f"The {noun} does not exist: {instance_id}.", action=action, code=code, status_code=400, request_id="RID-404"
    )


def workflow_missing(instance_id: int = 123) -> exc.DataWorksInstanceNotFoundError:
    return missing("GetWorkflowInstance", "WorkflowInstance", instance_id)


def node_missing(instance_id: int = 77) -> exc.DataWorksInstanceNotFoundError:
    return missing("GetTaskInstance", "TaskInstance", instance_id)


def patch(method: str, *answers: Any) -> Any:
    return mock.patch.object(DataWorksHook, method, autospec=True, side_effect=list(answers))


def assert_blamed(err: BaseException, sentence: str, action: str) -> None:
    """The argument's sentence first, then DataWorks' answer, the class and what support needs kept."""
    assert type(err) is exc.DataWorksInstanceIdNotFoundError
    assert isinstance(err, exc.DataWorksInstanceNotFoundError)
    assert isinstance(err, AirflowFailException)  # Airflow fails the task without its retries
    assert str(err).startswith(sentence + f" (DataWorks {action} failed: ")
    assert str(err).endswith(f"(HTTP 400): {err.dataworks_message} [RequestId: RID-404])")
    assert (err.action, err.status_code, err.request_id) == (action, 400, "RID-404")


WORKFLOW_SENTENCE = (
    f"workflow_instance_id 123 does not exist in DataWorks {WHERE}: check the id and the connection's region, "
    "or wait by workflow_id and data date instead."
)
NODE_SENTENCE = (
    f"task_instance_id 77 does not exist in DataWorks {WHERE}: check the id and the connection's region, "
    "or wait by dataworks_task_id and data date instead."
)


# -- the workflow sensor ----------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [123, "123", " 123 "])  # a templated id renders to a string
def test_poke_names_workflow_instance_id(context: dict[str, Any], given: Any) -> None:
    with patch("get_workflow_instance", workflow_missing()), pytest.raises(exc.DataWorksAPIError) as raised:
        DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=given).poke(context)
    assert_blamed(raised.value, WORKFLOW_SENTENCE, "GetWorkflowInstance")
    assert raised.value.code == "InvalidParameter.NotExist.WorkflowInstance"


def test_execute_fails_even_with_soft_fail(context: dict[str, Any]) -> None:
    """Airflow's poke loop would skip an AirflowFailException with soft_fail: a wrong id fails, as when deferred."""
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=123, soft_fail=True)
    with patch("get_workflow_instance", workflow_missing()) as get, pytest.raises(exc.DataWorksAPIError) as raised:
        gate.execute(context)
    assert_blamed(raised.value, WORKFLOW_SENTENCE, "GetWorkflowInstance")
    assert get.call_count == 1


def test_never_fail_still_skips(context: dict[str, Any]) -> None:
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=123, never_fail=True)
    with patch("get_workflow_instance", workflow_missing()), pytest.raises(AirflowSkipException):
        gate.execute(context)


def test_soft_fail_in_poke_mode_still_skips_a_failed_instance(context: dict[str, Any]) -> None:
    failed = {"Id": 123, "Name": "etl", "Status": "Failure", "BizDate": BIZ_DATE}
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=123, soft_fail=True)
    with (
        patch("get_workflow_instance", failed),
        mock.patch.object(DataWorksHook, "list_task_instances", return_value=[]),
        pytest.raises(AirflowSkipException),
    ):
        gate.execute(context)


def test_deferrable_first_check_names_the_argument_without_deferring(context: dict[str, Any]) -> None:
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=123, deferrable=True, soft_fail=True)
    with patch("get_workflow_instance", workflow_missing()), pytest.raises(exc.DataWorksAPIError) as raised:
        gate.execute(context)
    assert_blamed(raised.value, WORKFLOW_SENTENCE, "GetWorkflowInstance")


def error_event(err: exc.DataWorksAPIError, **ids: Any) -> dict[str, Any]:
    """The trigger's event for a wait its Get ended: the error as the trigger has it (no argument to name)."""
    return {"status": "error", **err.to_dict(), **ids}


def test_resume_from_the_triggers_not_found_names_the_argument(context: dict[str, Any]) -> None:
    event = error_event(workflow_missing(), pending_ids=[123], workflow_instance_ids=[123])
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=123, deferrable=True, soft_fail=True)
    for resume in (
        lambda: gate.execute_complete(context, event),
        lambda: gate.resume_execution("execute_complete", {"event": event}, context),  # soft_fail: no skip
    ):
        with pytest.raises(exc.DataWorksAPIError) as raised:
            resume()
        assert_blamed(raised.value, WORKFLOW_SENTENCE, "GetWorkflowInstance")


def test_an_id_a_lookup_found_that_is_gone_keeps_the_plain_not_found(context: dict[str, Any]) -> None:
    """Not the user's argument: Airflow's retries apply (a retry looks the instance up again)."""
    found = {"Id": 91, "WorkflowId": 55, "Type": "Normal", "Status": "Running", "BizDate": BIZ_DATE}
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_id=55, biz_date="2026-11-27")
    with (
        patch("list_workflow_instances", [found]),
        patch("get_workflow_instance", workflow_missing(91)),
        pytest.raises(exc.DataWorksInstanceNotFoundError) as raised,
    ):
        assert gate.poke(context).is_done is False  # found, running
        gate.poke(context)  # read by its id: gone
    assert type(raised.value) is exc.DataWorksInstanceNotFoundError
    assert not isinstance(raised.value, AirflowFailException)
    event = error_event(workflow_missing(91), pending_ids=[91], workflow_instance_ids=[91])
    with pytest.raises(exc.DataWorksInstanceNotFoundError) as resumed:
        gate.execute_complete(context, event)
    assert type(resumed.value) is exc.DataWorksInstanceNotFoundError


# -- the node sensor --------------------------------------------------------------------------------------


def test_node_poke_names_task_instance_id(context: dict[str, Any]) -> None:
    with patch("get_task_instance", node_missing()), pytest.raises(exc.DataWorksAPIError) as raised:
        DataWorksTaskInstanceSensor(task_id="gate", task_instance_id="77").poke(context)
    assert_blamed(raised.value, NODE_SENTENCE, "GetTaskInstance")
    assert raised.value.code == "InvalidParameter.NotExist.TaskInstance"


def test_node_resume_from_the_triggers_not_found_names_the_argument(context: dict[str, Any]) -> None:
    event = error_event(node_missing(), pending_ids=[77], task_instance_ids=[77])
    gate = DataWorksTaskInstanceSensor(task_id="gate", task_instance_id=77, deferrable=True)
    with pytest.raises(exc.DataWorksAPIError) as raised:
        gate.execute_complete(context, event)
    assert_blamed(raised.value, NODE_SENTENCE, "GetTaskInstance")


def test_node_execute_fails_even_with_soft_fail(context: dict[str, Any]) -> None:
    gate = DataWorksTaskInstanceSensor(task_id="gate", task_instance_id=77, soft_fail=True)
    with patch("get_task_instance", node_missing()), pytest.raises(exc.DataWorksAPIError) as raised:
        gate.execute(context)
    assert_blamed(raised.value, NODE_SENTENCE, "GetTaskInstance")


# -- the get operator -------------------------------------------------------------------------------------


def test_get_operator_names_workflow_instance_id(context: dict[str, Any]) -> None:
    get = DataWorksGetWorkflowInstanceOperator(task_id="get", workflow_instance_id="123")
    with patch("get_workflow_instance", workflow_missing()) as called, pytest.raises(exc.DataWorksAPIError) as raised:
        get.execute(context)
    sentence = f"workflow_instance_id 123 does not exist in DataWorks {WHERE}: check the id and the connection's "
    sentence += "region."
    assert_blamed(raised.value, sentence, "GetWorkflowInstance")
    assert called.call_args.args[1:] == (123,)
