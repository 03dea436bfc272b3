"""DataWorksWorkflowInstanceTrigger against the emulator: real async polling, restarts and the kill path."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def connection(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def make_trigger(ids, end_time, **kwargs):
    return DataWorksWorkflowInstanceTrigger(
        workflow_instance_ids=ids, end_time=end_time, poll_interval=0.2, retry_delay=0.01, **kwargs
    )


async def first_event(trigger):
    return (await anext(trigger.run())).payload


async def test_success_event_carries_the_instances(dataworks_emulator, connection):
    ids = [
        dataworks_emulator.add_workflow_instance(
            workflow_id=1, name=f"i{n}", biz_date="2026-11-27", statuses=["Running", "Running", "Success"]
        )
        for n in range(2)
    ]
    event = await first_event(make_trigger(ids, time.time() + 30))
    assert event["status"] == "success"
    assert [i["Id"] for i in event["instances"]] == ids
    json.dumps(event)  # events cross process boundaries as JSON


async def test_transient_errors_inside_the_trigger_do_not_end_the_wait(dataworks_emulator, connection):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Running", "Success"]
    )
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=4)
    trigger = make_trigger([instance_id], time.time() + 30, retry_limit=1)
    event = await first_event(trigger)
    assert event["status"] == "success"
    assert sum(1 for c in dataworks_emulator.calls("GetWorkflowInstance") if c.fault) == 4


async def test_permanent_error_ends_in_an_error_event_with_code_and_request_id(dataworks_emulator, connection):
    instance_id = dataworks_emulator.add_workflow_instance(workflow_id=1, name="x", biz_date="2026-11-27")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "error", status=403, code="Forbidden.RAM")
    event = await first_event(make_trigger([instance_id], time.time() + 30))
    assert event["status"] == "error"
    assert event["code"] == "Forbidden.RAM" and event["request_id"]
    assert event["error_class"] == "DataWorksAuthError"


async def test_restarted_trigger_resumes_without_restarting_its_deadline(dataworks_emulator, connection):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="slow", biz_date="2026-11-27", statuses=["Running"]
    )
    started = time.time()
    original = make_trigger([instance_id], started + 2.0)
    with pytest.raises(TimeoutError):  # the triggerer dies mid-wait
        await asyncio.wait_for(first_event(original), timeout=1.0)
    classpath, kwargs = original.serialize()
    assert classpath == "airflow_provider_dataworks.triggers.dataworks.DataWorksWorkflowInstanceTrigger"
    rebuilt = DataWorksWorkflowInstanceTrigger(**json.loads(json.dumps(kwargs)))
    event = await first_event(rebuilt)
    assert event["status"] == "timeout"
    assert event["pending_ids"] == [instance_id]
    assert time.time() - started < 2.9  # the original deadline, not a fresh 2 s from the restart


async def test_restarted_trigger_finishes_with_the_right_event(dataworks_emulator, connection):
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="later", biz_date="2026-11-27", statuses=["Running", "Failure"], advance=1.5
    )
    original = make_trigger([instance_id], time.time() + 30)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(first_event(original), timeout=0.5)
    event = await first_event(DataWorksWorkflowInstanceTrigger(**original.serialize()[1]))
    assert event["status"] == "failure"
    assert event["failed_ids"] == [instance_id]


async def test_lookup_waits_for_the_scheduled_instance_to_appear(dataworks_emulator, connection):
    lookup = {"workflow_id": 42, "biz_date": 1795708800000, "project_id": 100, "env_type": "Prod"}
    trigger = make_trigger([], time.time() + 30, lookup=lookup)
    task = asyncio.create_task(first_event(trigger))
    await asyncio.sleep(0.5)
    assert not task.done()
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=42, name="daily", biz_date="2026-11-27", statuses=["Running", "Success"]
    )
    event = await task
    assert event["status"] == "success"
    assert event["instances"][0]["Id"] == instance_id


async def test_on_kill_stops_the_instances(dataworks_emulator, connection):
    ids = [dataworks_emulator.add_workflow_instance(workflow_id=1, name="x", biz_date="2026-11-27") for _ in range(2)]
    await make_trigger(ids, time.time() + 30, stop_on_kill=True).on_kill()
    assert all(dataworks_emulator.is_stopped(i) for i in ids)
    await make_trigger(ids, time.time() + 30).on_kill()  # without stop_on_kill: no call at all
    assert len(dataworks_emulator.calls("StopWorkflowInstances")) == 1


async def test_the_deadline_holds_while_dataworks_does_not_answer(dataworks_emulator, monkeypatch):
    """Slow answers and retries never carry a wait past its deadline, so the sensor's own timeout message wins
    over the scheduler's generic deferral timeout (which comes a grace period later)."""
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=30))
    instance_id = dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Running"]
    )
    dataworks_emulator.inject_fault("GetWorkflowInstance", "slow", times=10, delay=4)
    started = time.monotonic()
    event = await first_event(make_trigger([instance_id], time.time() + 1.5, retry_limit=5))
    assert event["status"] == "timeout"
    assert event["pending_ids"] == [instance_id]
    assert time.monotonic() - started < 3
