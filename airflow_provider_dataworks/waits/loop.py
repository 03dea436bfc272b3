"""The one wait loop for every kind of DataWorks instance: poll until all are terminal or a deadline passes.

What is waited on is an `InstanceKind` (kinds.py); how an instance is read is an `InstanceReader` (polling.py:
one Get each, or shared list calls). The triggers run the loop on the triggerer's event loop; the run operator's
blocking mode runs the very same coroutine with `asyncio.run`, so deferrable and blocking waits cannot drift
apart. Every end is a `WaitOutcome` (outcome.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.utils.fanout import FanOut
from airflow_provider_dataworks.waits.kinds import WORKFLOW
from airflow_provider_dataworks.waits.outcome import WaitOutcome
from airflow_provider_dataworks.waits.polling import DirectReader

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.waits.kinds import InstanceKind
    from airflow_provider_dataworks.waits.polling import InstanceReader

log = logging.getLogger(__name__)


async def find_instance_when_created(
    hook: DataWorksHook, lookup: Any, *, poll_interval: float, deadline: float, kind: InstanceKind = WORKFLOW
) -> dict[str, Any] | WaitOutcome:
    """Poll the lookup until DataWorks has created the instance; returns it (with its status) or how the wait ended.

    Each list call runs in the provider's thread pool and its retries await their backoff on the loop.
    """
    while True:
        try:
            found = await kind.afind(hook, lookup)
        except DataWorksConfigError as err:
            return WaitOutcome.from_error(err)
        except DataWorksAPIError as err:
            if not err.retryable:
                return WaitOutcome.from_error(err)
            log.warning("%s; will look again in %s s.", err, poll_interval)
            found = None
        if found is not None:
            return found
        remaining = deadline - time.time()
        if remaining <= 0:
            return WaitOutcome.timed_out([], [])
        log.info("No instance of %s yet; waiting.", lookup.describe())
        await asyncio.sleep(min(poll_interval, remaining))


async def wait_for_instances(
    hook: DataWorksHook,
    kind: InstanceKind,
    instance_ids: Sequence[int],
    *,
    poll_interval: float,
    deadline: float,
    reader: InstanceReader | None = None,
    aligned: bool = False,
) -> WaitOutcome:
    """Poll each unfinished instance every `poll_interval` s until all are terminal or `deadline` (epoch s).

    `reader` reads an instance (default: one Get call each); `aligned` sleeps to the wall-clock grid of the
    interval, so that waits sharing their polls (see polling.py) read in the same round.

    Transient errors are retried inside the hook, but no retry or server retry-after pause runs past the deadline;
    if they outlast the retry budget the loop logs and polls again next round (one API blip never ends a wait).
    A permanent error ends the wait with an error outcome. Every outcome names the instances it is about.
    """
    read = (reader or DirectReader(hook, kind)).read
    latest: dict[int, dict[str, Any]] = {}
    pending = list(instance_ids)
    while True:
        for instance_id in list(pending):
            try:
                instance = await read(instance_id, deadline)
            except DataWorksAPIError as err:
                if not err.retryable:
                    return WaitOutcome.from_error(err, pending)
                log.warning("%s; will poll again in %s s.", err, poll_interval)
                continue
            latest[instance_id] = instance
            log.info("DataWorks %s.", kind.describe(instance, None))
            if kind.is_terminal(instance):
                pending.remove(instance_id)
        if not pending:
            return WaitOutcome.finished([latest[i] for i in instance_ids], kind)
        remaining = deadline - time.time()
        if remaining <= 0:
            return WaitOutcome.timed_out([latest[i] for i in instance_ids if i in latest], pending)
        delay = aligned_delay(poll_interval) if aligned else poll_interval
        if aligned and delay < remaining:
            await sleep_to_grid(delay)
        else:
            await asyncio.sleep(min(delay, remaining))


def aligned_delay(interval: float, now: float | None = None) -> float:
    """Seconds to the next multiple of `interval` on the wall clock at least half an interval away (so the mean
    stays `interval`), where every wait polling at this interval wakes."""
    now = time.time() if now is None else now
    delay = interval - now % interval
    return delay + interval if delay < interval / 2 else delay


_grid_wakes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, FanOut[None]]] = (
    weakref.WeakKeyDictionary()
)


async def sleep_to_grid(delay: float) -> None:
    """Sleep `delay` s to a point of the wall-clock grid. Every wait due at that point wakes from one timer, a slice
    per loop iteration: a thousand timers due at once would wake in one iteration and stall the loop."""
    wakes = _grid_wakes.setdefault(asyncio.get_running_loop(), {})
    at = round(time.time() + delay, 3)
    wake = wakes.get(at)
    if wake is None:
        wake = wakes[at] = FanOut(_sleep_then_forget(wakes, at, delay))
    await wake.wait()


async def _sleep_then_forget(wakes: dict[float, FanOut[None]], at: float, delay: float) -> None:
    """The grid point's one timer; once it is due, later sleepers start a point of their own."""
    await asyncio.sleep(delay)
    del wakes[at]


async def wait_for_workflow_instances(
    hook: DataWorksHook, instance_ids: Sequence[int], *, poll_interval: float, deadline: float
) -> WaitOutcome:
    """`wait_for_instances` for workflow instances (the run operator's blocking wait)."""
    return await wait_for_instances(hook, WORKFLOW, instance_ids, poll_interval=poll_interval, deadline=deadline)
