"""DataWorksWorkflowInstanceEventTrigger against the emulator: each finish once, restarts, faults, one shared poll."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

# Airflow 2: skipped with the module's own reason ("... needs Airflow 3 ...")
event = pytest.importorskip("airflow_provider_dataworks.triggers.event", exc_type=ImportError)
DataWorksWorkflowInstanceEventTrigger = event.DataWorksWorkflowInstanceEventTrigger
Snapshot = pytest.importorskip("airflow_provider_dataworks.waits.watching").Snapshot

pytestmark = pytest.mark.timeout(120)

POLL = 0.2
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
YESTERDAY = TODAY - timedelta(days=1)


class MemoryStateStore:
    """The asset state store's async accessor surface, kept in a dict (survives a trigger object, as Airflow's)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.dumps(value)  # the real store keeps JSON: a non-JSON value must fail here


@pytest.fixture
def connection(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))


def make_trigger(workflow_ids, store=None, **kwargs):
    trigger = DataWorksWorkflowInstanceEventTrigger(
        workflow_ids, poll_interval=POLL, retry_limit=1, retry_delay=0.01, **kwargs
    )
    trigger.asset_state_store = store
    return trigger


class Collector:
    """Runs an event stream in the background and records the payloads it yields."""

    def __init__(self, stream) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.task = asyncio.create_task(self._consume(stream))

    async def _consume(self, stream) -> None:
        async for event in stream:
            self.payloads.append(event.payload)

    def ids(self) -> list[int]:
        return [p["workflow_instance_id"] for p in self.payloads]

    async def until(self, count: int, timeout: float = 30.0) -> list[int]:
        """Wait for `count` events, then a few more polls to catch any duplicate."""
        async with asyncio.timeout(timeout):
            while len(self.payloads) < count:
                if self.task.done():
                    self.task.result()
                await asyncio.sleep(0.05)
        await asyncio.sleep(POLL * 4)
        return self.ids()

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


async def polled(dw, count: int = 1, timeout: float = 30.0) -> None:
    """Wait until the emulator answered `count` more complete polls (three data dates each)."""
    start = len(dw.calls("ListWorkflowInstances"))
    async with asyncio.timeout(timeout):
        while len(dw.calls("ListWorkflowInstances")) < start + 3 * count:
            await asyncio.sleep(0.02)


async def test_each_finish_is_reported_once_with_the_instance(dataworks_emulator, connection):
    dw = dataworks_emulator
    before = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    store = MemoryStateStore()
    collector = Collector(make_trigger([7, 8], store).run())
    await polled(dw, 2)  # the baseline: `before` had finished already and is not news
    finishing = dw.add_workflow_instance(
        workflow_id=7, biz_date=YESTERDAY, statuses=["Running", "Success"], advance=0.5
    )
    today = dw.add_workflow_instance(workflow_id=8, biz_date=TODAY, statuses=["Success"])
    older = dw.add_workflow_instance(workflow_id=8, biz_date=TODAY - timedelta(days=2), statuses=["Success"])
    dw.add_workflow_instance(workflow_id=9, biz_date=YESTERDAY, statuses=["Success"])  # not watched
    dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, type="SupplementData", statuses=["Success"])
    failed = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Failure"])
    dw.add_workflow_instance(workflow_id=7, biz_date=TODAY - timedelta(days=5), statuses=["Success"])  # too old

    assert sorted(await collector.until(3)) == sorted([finishing, today, older])
    # a rerun of the failed instance that succeeds later is reported then, once
    dw.rerun_workflow_instance(failed, statuses=["Success"])
    assert (await collector.until(4))[3:] == [failed]
    await collector.stop()

    event = next(p for p in collector.payloads if p["workflow_instance_id"] == finishing)
    assert event["instance"]["Status"] == "Success" and event["instance"]["WorkflowId"] == 7
    assert event["biz_date"] == YESTERDAY.isoformat() and event["status"] == "Success"
    json.dumps(collector.payloads)  # payloads become asset-event extras: JSON only
    assert before not in collector.ids()


async def test_a_finish_during_the_first_poll_is_reported(dataworks_emulator, connection):
    dw = dataworks_emulator
    before = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    await asyncio.sleep(0.05)  # `before` finished well before the watch starts
    dw.inject_fault("ListWorkflowInstances", "slow", delay=0.8)  # the first poll's first call (read timeout: 1 s)
    collector = Collector(make_trigger([7], MemoryStateStore()).run())
    await asyncio.sleep(0.3)  # the watch has started; its first poll is in flight
    during = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    assert not dw.calls("ListWorkflowInstances")  # no poll has answered yet: the first snapshot shows `during` done
    assert await collector.until(1, timeout=10) == [during]
    assert before not in collector.ids()
    await collector.stop()


async def test_a_restart_before_the_first_poll_keeps_the_stored_start(dataworks_emulator, connection):
    dw = dataworks_emulator
    store = MemoryStateStore()
    dw.inject_fault("ListWorkflowInstances", "slow", delay=0.8)
    first = Collector(make_trigger([7], store).run())
    await asyncio.sleep(0.3)
    during = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    await first.stop()  # the triggerer goes down before the watch's first poll answers
    assert [json.loads(v)["reported"] for v in store.values.values()] == [None]  # only the start is stored

    await asyncio.sleep(0.05)
    second = Collector(make_trigger([7], store).run())  # a new trigger object starting later, as after a restart
    assert await second.until(1, timeout=10) == [during]
    await second.stop()


async def test_failure_is_reported_when_watched(dataworks_emulator, connection):
    dw = dataworks_emulator
    collector = Collector(make_trigger(7, MemoryStateStore(), statuses=["Failure"]).run())
    await polled(dw)
    failed = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Failure"])
    dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    assert await collector.until(1) == [failed]
    assert collector.payloads[0]["status"] == "Failure"
    await collector.stop()


async def test_restart_resumes_from_the_stored_watermark(dataworks_emulator, connection):
    dw = dataworks_emulator
    store = MemoryStateStore()
    first = Collector(make_trigger([7], store).run())
    await polled(dw)
    reported = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    assert await first.until(1) == [reported]
    await first.stop()  # the triggerer goes down

    during_downtime = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    second = Collector(make_trigger([7], store).run())  # a new trigger object, as after a restart
    assert await second.until(1) == [during_downtime]  # the earlier one is not reported again
    await second.stop()


async def test_without_a_state_store_a_restart_starts_afresh(dataworks_emulator, connection):
    dw = dataworks_emulator
    first = Collector(make_trigger([7]).run())
    await polled(dw)
    dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    await first.until(1)
    await first.stop()
    dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])  # missed: documented

    second = Collector(make_trigger([7]).run())
    await polled(dw, 2)
    later = dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])
    assert await second.until(1) == [later]  # never a duplicate, only what finished after the new start
    await second.stop()


async def test_faults_during_polling_delay_events_but_never_lose_or_repeat_them(dataworks_emulator, connection):
    dw = dataworks_emulator
    collector = Collector(make_trigger([7], MemoryStateStore()).run())
    await polled(dw)
    ids = [dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])]
    dw.inject_fault("ListWorkflowInstances", "server_error", times=2)  # the poll's retries are used up
    dw.inject_fault("ListWorkflowInstances", "html_502")
    dw.inject_fault("ListWorkflowInstances", "throttle", times=2)
    dw.inject_fault("ListWorkflowInstances", "error", status=403, code="Forbidden.RAM")  # permanent: next poll
    dw.inject_fault("ListWorkflowInstances", "malformed_json")
    ids.append(dw.add_workflow_instance(workflow_id=7, biz_date=TODAY, statuses=["Success"]))
    assert sorted(await collector.until(2)) == sorted(ids)
    assert not collector.task.done()
    assert sum(1 for c in dw.calls("ListWorkflowInstances") if c.fault) == 7
    await collector.stop()


async def test_paging_reads_every_instance(dataworks_emulator, connection):
    dw = dataworks_emulator
    collector = Collector(make_trigger([7], MemoryStateStore()).run())
    await polled(dw)
    ids = [dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"]) for _ in range(150)]
    assert sorted(await collector.until(150)) == sorted(ids)
    await collector.stop()


async def test_watchers_on_one_workspace_share_one_poll(dataworks_emulator, connection):
    from airflow.triggers.shared_stream import SharedStreamManager

    dw = dataworks_emulator
    manager = SharedStreamManager()  # the triggerer's own fan-out
    watchers = {7: make_trigger([7], MemoryStateStore()), 8: make_trigger([8, 9], MemoryStateStore())}
    keys = {w.shared_stream_key() for w in watchers.values()}
    assert len(keys) == 1
    key = keys.pop()
    collectors = {
        wf: Collector(w.filter_shared_stream(manager.subscribe(trigger_id=wf, trigger=w, key=key)))
        for wf, w in watchers.items()
    }
    await polled(dw)
    expected = {
        7: [dw.add_workflow_instance(workflow_id=7, biz_date=YESTERDAY, statuses=["Success"])],
        8: [dw.add_workflow_instance(workflow_id=wf, biz_date=YESTERDAY, statuses=["Success"]) for wf in (8, 9)],
    }
    for wf, collector in collectors.items():
        assert sorted(await collector.until(len(expected[wf]))) == sorted(expected[wf])
    dw.reset_calls()
    await asyncio.sleep(10 * POLL)
    calls = dw.calls("ListWorkflowInstances")
    # one loop: at most one poll (three data dates, in order) per interval; a loop per watcher makes twice that
    assert 3 <= len(calls) / 3 <= 11, len(calls)
    dates = [c.params["BizDate"] for c in calls]
    cycle = sorted(set(dates))
    first = dates.index(cycle[0])  # the window may open mid-poll
    assert len(cycle) == 3 and dates[first:] == (cycle * len(dates))[: len(dates) - first], dates
    assert all(len(c.payloads) == len(expected[wf]) for wf, c in collectors.items())
    for wf, collector in collectors.items():
        await collector.stop()
        await manager.unsubscribe(wf, key)


def test_another_workspace_or_environment_polls_separately():
    a = DataWorksWorkflowInstanceEventTrigger([7])
    assert a.shared_stream_key() == DataWorksWorkflowInstanceEventTrigger([8], statuses=["Failure"]).shared_stream_key()
    assert a.shared_stream_key() != DataWorksWorkflowInstanceEventTrigger([7], project_id=2).shared_stream_key()
    assert a.shared_stream_key() != DataWorksWorkflowInstanceEventTrigger([7], env_type="Dev").shared_stream_key()
    assert (
        a.shared_stream_key()
        != DataWorksWorkflowInstanceEventTrigger([7], dataworks_conn_id="other").shared_stream_key()
    )


# -- the watermark under a crash: an event handed over is recorded only a poll later ---------------------------


def finished(id_: int, status: str) -> dict[str, Any]:
    finished = 2000 if status == "Success" else None
    return {"Id": id_, "WorkflowId": 7, "Type": "Normal", "Status": status, "FinishedTime": finished, "BizDate": 0}


def snapshot(*instances: dict[str, Any]) -> Snapshot:
    return Snapshot(instances=instances, biz_dates=("2026-12-05",), timezone="Asia/Shanghai", polled_at=0.0)


async def stream(*snapshots: Snapshot, then_block: asyncio.Event) -> Any:
    for item in snapshots:
        yield item
    await then_block.wait()


def watcher(store: MemoryStateStore) -> Any:
    trigger = DataWorksWorkflowInstanceEventTrigger(7, poll_interval=60)
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    return trigger


async def test_a_crash_right_after_an_event_repeats_it_on_restart() -> None:
    store, blocked = MemoryStateStore(), asyncio.Event()
    events = watcher(store).filter_shared_stream(
        stream(snapshot(finished(1, "Running")), snapshot(finished(1, "Success")), then_block=blocked)
    )
    first = await anext(events)
    assert first.payload["workflow_instance_id"] == 1
    with pytest.raises(TimeoutError):  # the triggerer asks for more; no new snapshot yet, then it crashes
        await asyncio.wait_for(anext(events), timeout=0.2)
    restarted = watcher(store).filter_shared_stream(stream(snapshot(finished(1, "Success")), then_block=blocked))
    again = await asyncio.wait_for(anext(restarted), timeout=5)
    assert again.payload["workflow_instance_id"] == 1  # repeated, not lost


async def test_the_watermark_records_an_event_once_the_next_poll_arrives() -> None:
    store, blocked = MemoryStateStore(), asyncio.Event()
    trigger = watcher(store)
    snapshots = (snapshot(finished(1, "Running")), snapshot(finished(1, "Success")), snapshot(finished(1, "Success")))
    events = trigger.filter_shared_stream(stream(*snapshots, then_block=blocked))
    await anext(events)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(events), timeout=0.5)  # the third snapshot records the second's event
    restarted = watcher(store).filter_shared_stream(stream(snapshot(finished(1, "Success")), then_block=blocked))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(restarted), timeout=0.2)  # already recorded: not reported twice
