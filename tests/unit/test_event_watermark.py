"""The event trigger's watermark under a crash: an event handed over is recorded only a poll later, so a crash
between recording and Airflow storing the event repeats the event instead of losing it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

try:
    from airflow.triggers.base import BaseEventTrigger  # noqa: F401
except ImportError:
    pytest.skip("event triggers need Airflow 3", allow_module_level=True)

from airflow_provider_dataworks.triggers.event import DataWorksWorkflowInstanceEventTrigger
from airflow_provider_dataworks.watching import Snapshot


class MemoryStateStore:
    """The asset state store's async accessors, kept in a dict that outlives a trigger object."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.dumps(value)


def instance(id_: int, status: str) -> dict[str, Any]:
    finished = 2000 if status == "Success" else None
    return {"Id": id_, "WorkflowId": 7, "Type": "Normal", "Status": status, "FinishedTime": finished, "BizDate": 0}


def snapshot(*instances: dict[str, Any]) -> Snapshot:
    return Snapshot(instances=instances, biz_dates=("2026-12-05",), timezone="Asia/Shanghai", polled_at=0.0)


async def stream(*snapshots: Snapshot, then_block: asyncio.Event) -> Any:
    for item in snapshots:
        yield item
    await then_block.wait()


def watcher(store: MemoryStateStore) -> DataWorksWorkflowInstanceEventTrigger:
    trigger = DataWorksWorkflowInstanceEventTrigger(7, poll_interval=60)
    trigger.asset_state_store = store  # type: ignore[attr-defined]
    return trigger


async def test_a_crash_right_after_an_event_repeats_it_on_restart() -> None:
    store, blocked = MemoryStateStore(), asyncio.Event()
    events = watcher(store).filter_shared_stream(
        stream(snapshot(instance(1, "Running")), snapshot(instance(1, "Success")), then_block=blocked)
    )
    first = await anext(events)
    assert first.payload["workflow_instance_id"] == 1
    with pytest.raises(TimeoutError):  # the triggerer asks for more; no new snapshot yet, then it crashes
        await asyncio.wait_for(anext(events), timeout=0.2)
    restarted = watcher(store).filter_shared_stream(stream(snapshot(instance(1, "Success")), then_block=blocked))
    again = await asyncio.wait_for(anext(restarted), timeout=5)
    assert again.payload["workflow_instance_id"] == 1  # repeated, not lost


async def test_the_watermark_records_an_event_once_the_next_poll_arrives() -> None:
    store, blocked = MemoryStateStore(), asyncio.Event()
    trigger = watcher(store)
    snapshots = (snapshot(instance(1, "Running")), snapshot(instance(1, "Success")), snapshot(instance(1, "Success")))
    events = trigger.filter_shared_stream(stream(*snapshots, then_block=blocked))
    await anext(events)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(events), timeout=0.5)  # the third snapshot records the second's event
    restarted = watcher(store).filter_shared_stream(stream(snapshot(instance(1, "Success")), then_block=blocked))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(restarted), timeout=0.2)  # already recorded: not reported twice
