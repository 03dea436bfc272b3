"""A result many waits await is handed out a slice per loop iteration, so a thousand waits never wake at once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from airflow_provider_dataworks.utils import fanout
from airflow_provider_dataworks.utils.fanout import FanOut
from airflow_provider_dataworks.waits import polling

WAITERS = 3 * fanout.SLICE + 7


class LoopTicks:
    """Counts event-loop iterations: a task that yields once per iteration."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.count += 1

    def stop(self) -> None:
        self._task.cancel()


async def test_every_waiter_gets_the_result_of_one_run_a_slice_per_iteration() -> None:
    runs = 0

    async def work() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.01)
        return "settings"

    shared = FanOut(work())
    ticks = LoopTicks()
    woken_at: list[int] = []

    async def waiter() -> str:
        result = await shared.wait()
        woken_at.append(ticks.count)
        return result

    results = await asyncio.gather(*(waiter() for _ in range(WAITERS)))
    ticks.stop()
    assert results == ["settings"] * WAITERS
    assert runs == 1
    per_iteration = Counter(woken_at)
    assert max(per_iteration.values()) <= fanout.SLICE
    assert len(per_iteration) >= WAITERS // fanout.SLICE
    assert shared.done() and not shared.failed()
    assert await shared.wait() == "settings"  # a later waiter gets it at once


async def test_every_waiter_gets_the_exception_and_the_work_counts_as_failed() -> None:
    async def work() -> str:
        await asyncio.sleep(0)
        raise OSError("lookup failed")

    shared = FanOut(work())
    outcomes = await asyncio.gather(*(shared.wait() for _ in range(WAITERS)), return_exceptions=True)
    assert all(isinstance(o, OSError) and str(o) == "lookup failed" for o in outcomes)
    assert shared.failed()
    with pytest.raises(OSError, match="lookup failed"):
        await shared.wait()


async def test_a_cancelled_waiter_cancels_only_its_own_wait() -> None:
    release = asyncio.Event()

    async def work() -> int:
        await release.wait()
        return 7

    shared = FanOut(work())
    cancelled = asyncio.ensure_future(shared.wait())
    kept = asyncio.ensure_future(shared.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    assert await kept == 7
    assert cancelled.cancelled()


async def test_readers_of_one_shared_round_wake_in_slices() -> None:
    async def fetch(hook: object, key: object, ids: list[int]) -> dict[int, dict[str, object]]:
        return {i: {"Id": i, "Status": "Running"} for i in ids}

    poller = polling.SharedPoller(("workflow_instances", "c", 1, "Prod", 1), fetch)
    ticks = LoopTicks()
    woken_at: list[int] = []

    async def read(instance_id: int) -> dict[str, object] | None:
        answer, _ = await poller.read(instance_id)
        woken_at.append(ticks.count)
        return answer

    answers = await asyncio.gather(*(read(i) for i in range(WAITERS)))
    ticks.stop()
    assert [a["Id"] for a in answers if a] == list(range(WAITERS))
    assert max(Counter(woken_at).values()) <= fanout.SLICE
