"""Unreachable DataWorks through the real SDK: a wait that never reached it (a port nothing listens on) fails its try
within the limit, naming the endpoint and the last error; a wait that did reach it (the emulator answered, then
dropped every connection) rides the outage out, logging it once per interval, not on every poll.

The limit and the log interval are shortened (module constants), the connect timeout too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Any

import pytest
from airflow_compat import TaskDeferred
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.exceptions import DataWorksUnreachableError
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger
from airflow_provider_dataworks.waits import reachability

pytestmark = pytest.mark.timeout(60)

#: The shortened limit after which a wait that never reached DataWorks fails.
LIMIT = 1.0
SECRET = "UnreachableTestSecret-9f3b"
#: How a refused connection reads in the last error (requests' words).
REFUSED = "Connection refused"
OUTAGE = "still waiting until the timeout"
ANSWERED = "DataWorks answers again after"


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", LIMIT)
    monkeypatch.setattr(reachability, "OUTAGE_LOG_INTERVAL_SECONDS", 1.0)


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch) -> str:
    """`dataworks_default` pointing at a local port nothing listens on; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conn = {
        "conn_type": "dataworks",
        "host": f"127.0.0.1:{port}",
        "login": "LTAI5tUnreachableKey",
        "password": SECRET,
        "extra": {"region_id": "cn-hangzhou", "protocol": "http", "project_id": 100, "connect_timeout": 0.5},
    }
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", json.dumps(conn))
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def emulator_connection(dataworks_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def gate(**kwargs: Any) -> DataWorksWorkflowInstanceSensor:
    defaults = {"task_id": "gate", "workflow_instance_id": 7, "poke_interval": 0.2, "api_retry_delay": 0.01}
    return DataWorksWorkflowInstanceSensor(**{**defaults, "api_retry_limit": 1, **kwargs})


def make_trigger(ids: list[int], **kwargs: Any) -> DataWorksWorkflowInstanceTrigger:
    defaults = {"end_time": time.time() + 30, "poll_interval": 0.2, "retry_limit": 1, "retry_delay": 0.01}
    return DataWorksWorkflowInstanceTrigger(workflow_instance_ids=ids, **{**defaults, **kwargs})


async def first_event(trigger: DataWorksWorkflowInstanceTrigger) -> dict[str, Any]:
    return (await anext(trigger.run())).payload


def outage_log(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> tuple[int, bool]:
    """How often the outage was logged, and whether its end was. Airflow 3 task loggers print through structlog,
    Airflow 2's go to logging (and are printed too)."""
    printed, records = capsys.readouterr().out, [r.getMessage() for r in caplog.records]
    warnings = max(printed.count(OUTAGE), sum(OUTAGE in m for m in records))
    return warnings, ANSWERED in printed or any(ANSWERED in m for m in records)


def assert_names_endpoint_and_last_error(message: str, url: str) -> None:
    assert message.startswith(f"DataWorks at {url} did not answer any call of this wait for ")
    assert "(last error, GetWorkflowInstance: no response from DataWorks" in message
    assert REFUSED in message
    assert SECRET not in message


# -- never reached: the try fails within the limit ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["poke", "reschedule"])
def test_a_sensor_that_never_reaches_dataworks_fails_within_the_limit(nowhere: str, short_limits: None, mode: str):
    sensor = gate(mode=mode)
    started = time.monotonic()
    with pytest.raises(DataWorksUnreachableError) as raised:
        if mode == "poke":
            sensor.execute({"ti": FakeTaskInstance()})  # Airflow's poke loop
        else:  # the first poke of a try (the context of Airflow 3; Airflow 2 reads the same from its database)
            sensor.poke({"ti": FakeTaskInstance(), "task_reschedule_count": 0})
    assert time.monotonic() - started < LIMIT + 5
    assert_names_endpoint_and_last_error(str(raised.value), nowhere)


async def test_a_trigger_of_a_wait_that_never_reached_dataworks_fails_within_the_limit(
    nowhere: str, short_limits: None
):
    started = time.monotonic()
    event = await first_event(make_trigger([7], reached=False))
    assert time.monotonic() - started < LIMIT + 5
    assert (event["status"], event["error_class"], event["workflow_instance_ids"]) == (
        "error",
        "DataWorksUnreachableError",
        [7],
    )
    assert_names_endpoint_and_last_error(event["message"], nowhere)


def test_a_deferrable_sensor_that_never_reached_dataworks_fails_in_its_trigger(nowhere: str, short_limits: None):
    sensor = gate(deferrable=True)
    context = {"ti": FakeTaskInstance()}
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    trigger = deferred.value.trigger
    assert trigger.reached is False  # its one check got no answer
    event = asyncio.run(first_event(trigger))
    with pytest.raises(DataWorksUnreachableError) as raised:
        sensor.execute_complete(context, event)
    assert_names_endpoint_and_last_error(str(raised.value), nowhere)


# -- reached, then unreachable: the wait rides the outage out -------------------------------------------------


def test_a_sensor_that_reached_dataworks_rides_out_dropped_connections(
    dataworks_emulator: Any,
    emulator_connection: None,
    short_limits: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
):
    caplog.set_level(logging.INFO)
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Running", "Success"]
    )
    sensor, context = gate(workflow_instance_id=instance_id), {"ti": FakeTaskInstance()}
    assert sensor.poke(context).is_done is False  # DataWorks answers: Running
    dataworks_emulator.inject_fault("GetWorkflowInstance", "drop", times=30)  # 15 polls of two attempts
    outage_started, polls = time.monotonic(), 0
    while not (done := sensor.poke(context)).is_done:
        polls += 1
        time.sleep(0.2)
    assert time.monotonic() - outage_started > LIMIT * 2  # a wait never answered would have failed by now
    assert done.xcom_value["Status"] == "Success"
    assert polls == 15
    warnings, answered = outage_log(caplog, capsys)
    assert 2 <= warnings <= 5  # when it began, then once a (shortened) minute: not on every poll
    assert answered


async def test_a_trigger_that_reached_dataworks_rides_out_dropped_connections(
    dataworks_emulator: Any,
    emulator_connection: None,
    short_limits: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
):
    caplog.set_level(logging.INFO)
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Running", "Success"]
    )
    wait = asyncio.create_task(first_event(make_trigger([instance_id], reached=False)))
    while not dataworks_emulator.calls("GetWorkflowInstance"):  # its first read answers: Running
        await asyncio.sleep(0.01)
    dataworks_emulator.inject_fault("*", "drop", times=45)  # then every call is dropped for about three limits
    event = await wait
    assert event["status"] == "success"
    drops = [c for c in dataworks_emulator.calls() if c.fault]
    assert len(drops) == 45
    warnings, answered = outage_log(caplog, capsys)
    assert 2 <= warnings <= 5  # not once per failed poll (each is three dropped calls)
    assert answered


def test_the_run_operators_blocking_wait_rides_out_an_outage_after_the_create(
    dataworks_emulator: Any, emulator_connection: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", 0.0)  # DataWorks answered the create
    dataworks_emulator.add_workflow(id=501, name="sales", statuses=["Running", "Success"], advance="reads")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "drop", times=6)
    operator = DataWorksRunWorkflowOperator(
        task_id="run",
        workflow_id=501,
        biz_date="2026-11-27",
        poll_interval=0.2,
        api_retry_limit=1,
        api_retry_delay=0.01,
    )
    instances = operator.execute({"ti": FakeTaskInstance()})
    assert [i["Status"] for i in instances] == ["Success"]
    assert len(dataworks_emulator.calls("CreateWorkflowInstances")) == 1


async def test_a_trigger_of_the_run_operator_rides_out_an_outage(
    dataworks_emulator: Any, emulator_connection: None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reachability, "NEVER_REACHED_LIMIT_SECONDS", 0.0)
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="run", biz_date="2026-11-27", statuses=["Running", "Success"], advance="reads"
    )
    dataworks_emulator.inject_fault("GetWorkflowInstance", "drop", times=6)
    # the run operator defers without `reached`: DataWorks named the instances it waits for
    event = await first_event(make_trigger([instance_id], stop_on_deadline=True))
    assert event["status"] == "success"
