"""An instance id that DataWorks does not know, through the real SDK over HTTP to the emulator: the task's error names
the argument and the fix ahead of DataWorks' answer (its code, HTTP status and RequestId kept), and is an
`AirflowFailException`, which Airflow does not retry, in poke and in deferrable mode (through the trigger too)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from airflow_compat import TaskDeferred
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksInstanceIdNotFoundError
from airflow_provider_dataworks.operators.dataworks import DataWorksGetWorkflowInstanceOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor, DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.utils.compat import AirflowFailException

pytestmark = pytest.mark.timeout(60)

UNKNOWN = 987654
#: DataWorks' RequestId: an upper-case UUID, as the emulator sends it.
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
FAST = {"poke_interval": 0.2, "api_retry_delay": 0.01, "timeout": 30}


@pytest.fixture
def where(dataworks_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """`dataworks_default` on the emulator; how the sentence names where DataWorks was asked."""
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))
    return f"(http://{dataworks_emulator.endpoint}, connection 'dataworks_default')"


def context() -> dict[str, Any]:
    return {"ti": FakeTaskInstance()}


def assert_named(err: BaseException, sentence: str, action: str, noun: str) -> None:
    """The argument's sentence, then DataWorks' own answer; the class, code, status and RequestId kept."""
    assert type(err) is DataWorksInstanceIdNotFoundError
    assert isinstance(err, AirflowFailException)  # Airflow fails the task at once: its retries do not apply
    code = f"InvalidParameter.NotExist.{noun}"
    assert (err.action, err.code, err.status_code) == (action, code, 400)
    assert err.request_id is not None and REQUEST_ID.match(err.request_id)
    assert str(err) == (
        f"{sentence} (DataWorks {action} failed: {code} (HTTP 400): {err.dataworks_message} "
        f"[RequestId: {err.request_id}])"
    )
    assert str(UNKNOWN) in err.dataworks_message  # DataWorks' own words follow


def workflow_sentence(where: str) -> str:
    return (
        f"workflow_instance_id {UNKNOWN} does not exist in DataWorks {where}: check the id and the connection's "
        "region, or wait by workflow_id and data date instead."
    )


def node_sentence(where: str) -> str:
    return (
        f"task_instance_id {UNKNOWN} does not exist in DataWorks {where}: check the id and the connection's "
        "region, or wait by dataworks_task_id and data date instead."
    )


def run_deferral(task: Any, deferred: TaskDeferred) -> Any:
    """Run the deferred trigger to its event, as the triggerer does, and resume the task with it (JSON round trip)."""
    import asyncio

    async def first_event() -> dict[str, Any]:
        return (await anext(deferred.trigger.run())).payload

    event = json.loads(json.dumps(asyncio.run(first_event())))
    assert (event["status"], event["error_class"]) == ("error", "DataWorksInstanceNotFoundError")
    return task.resume_execution(deferred.method_name, {"event": event}, context())


@pytest.mark.parametrize("soft_fail", [False, True])
def test_workflow_sensor_in_poke_mode(dataworks_emulator: Any, where: str, soft_fail: bool) -> None:
    gate = DataWorksWorkflowInstanceSensor(
        task_id="gate", workflow_instance_id=str(UNKNOWN), soft_fail=soft_fail, **FAST
    )
    with pytest.raises(DataWorksAPIError) as raised:
        gate.execute(context())
    assert_named(raised.value, workflow_sentence(where), "GetWorkflowInstance", "WorkflowInstance")
    assert len(dataworks_emulator.calls("GetWorkflowInstance")) == 1  # a permanent answer: no hook retry either


def test_workflow_sensor_deferrable_fails_on_its_first_check(dataworks_emulator: Any, where: str) -> None:
    gate = DataWorksWorkflowInstanceSensor(task_id="gate", workflow_instance_id=UNKNOWN, deferrable=True, **FAST)
    with pytest.raises(DataWorksAPIError) as raised:
        gate.execute(context())  # no deferral: the worker's own first check already knows
    assert_named(raised.value, workflow_sentence(where), "GetWorkflowInstance", "WorkflowInstance")


def test_workflow_sensor_deferrable_through_the_trigger(dataworks_emulator: Any, where: str) -> None:
    """The worker's first check meets an outage and defers; the trigger's Get learns the id does not exist."""
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=1)
    gate = DataWorksWorkflowInstanceSensor(
        task_id="gate", workflow_instance_id=UNKNOWN, deferrable=True, soft_fail=True, api_retry_limit=0, **FAST
    )
    with pytest.raises(TaskDeferred) as deferred:
        gate.execute(context())
    with pytest.raises(DataWorksAPIError) as raised:
        run_deferral(gate, deferred.value)
    assert_named(raised.value, workflow_sentence(where), "GetWorkflowInstance", "WorkflowInstance")
    first, second = dataworks_emulator.calls("GetWorkflowInstance")
    assert (first.fault, second.status, second.code) == ("server_error", 400, raised.value.code)


def test_node_sensor_in_poke_mode(dataworks_emulator: Any, where: str) -> None:
    gate = DataWorksTaskInstanceSensor(task_id="gate", task_instance_id=UNKNOWN, **FAST)
    with pytest.raises(DataWorksAPIError) as raised:
        gate.execute(context())
    assert_named(raised.value, node_sentence(where), "GetTaskInstance", "TaskInstance")


def test_node_sensor_deferrable_through_the_trigger(dataworks_emulator: Any, where: str) -> None:
    dataworks_emulator.inject_fault("GetTaskInstance", "server_error", times=1)
    gate = DataWorksTaskInstanceSensor(
        task_id="gate", task_instance_id=UNKNOWN, deferrable=True, api_retry_limit=0, **FAST
    )
    with pytest.raises(TaskDeferred) as deferred:
        gate.execute(context())
    with pytest.raises(DataWorksAPIError) as raised:
        run_deferral(gate, deferred.value)
    assert_named(raised.value, node_sentence(where), "GetTaskInstance", "TaskInstance")


def test_get_operator(dataworks_emulator: Any, where: str) -> None:
    get = DataWorksGetWorkflowInstanceOperator(task_id="get", workflow_instance_id=UNKNOWN)
    with pytest.raises(DataWorksAPIError) as raised:
        get.execute(context())
    sentence = (
        f"workflow_instance_id {UNKNOWN} does not exist in DataWorks {where}: check the id and the connection's region."
    )
    assert_named(raised.value, sentence, "GetWorkflowInstance", "WorkflowInstance")
