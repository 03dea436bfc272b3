"""The one wait loop for every kind of DataWorks instance: poll until all are terminal or a deadline passes.

What is waited on is an `InstanceKind` (kinds.py); how an instance is read is an `InstanceReader` (polling.py:
one Get each, or shared list calls). The triggers run the loop on the triggerer's event loop; the run operator's
blocking mode runs the very same coroutine with `asyncio.run`, so deferrable and blocking waits cannot drift
apart. Every end is a `WaitOutcome` (outcome.py). What a failing poll means (an outage to ride out, or a DataWorks
this wait never reached) is the wait's `Reachability` (reachability.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError, DataWorksUnreachableError
from airflow_provider_dataworks.waits.kinds import WORKFLOW
from airflow_provider_dataworks.waits.outcome import WaitOutcome
from airflow_provider_dataworks.waits.polling import DirectReader
from airflow_provider_dataworks.waits.reachability import Reachability

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.waits.kinds import InstanceKind
    from airflow_provider_dataworks.waits.polling import InstanceReader

log = logging.getLogger(__name__)


async def find_instance_when_created(
    hook: DataWorksHook,
    lookup: Any,
    *,
    poll_interval: float,
    deadline: float,
    kind: InstanceKind = WORKFLOW,
    reachability: Reachability | None = None,
) -> dict[str, Any] | WaitOutcome:
    """Poll the lookup until DataWorks has created the instance; returns it (with its status) or how the wait ended.

    Each list call runs in the provider's thread pool and its retries await their backoff on the loop.
    `reachability` is the wait's record of DataWorks' answers (default: one that rides every outage out).
    """
    reachability = reachability or _ridden_out(hook)
    while True:
        try:
            found = await kind.afind(hook, lookup)
        except DataWorksConfigError as err:
            return WaitOutcome.from_error(err)
        except DataWorksAPIError as err:
            if (ended := _ended_by(err, reachability)) is not None:
                return ended
            found = None
        else:
            reachability.answered()
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
    reachability: Reachability | None = None,
) -> WaitOutcome:
    """Poll each unfinished instance every `poll_interval` s until all are terminal or `deadline` (epoch s).

    `reader` reads an instance (default: one Get call each); `aligned` sleeps to the wall-clock grid of the
    interval, so that waits sharing their polls (see polling.py) read in the same round even when they started at
    different times (without it, 20 waits starting over one interval made 3.0 calls a wait instead of 1.15: see
    docs/benchmarks.md).

    Transient errors are retried inside the hook, but no retry or server retry-after pause runs past the deadline;
    if they outlast the retry budget the wait's `reachability` logs the outage (at most once a minute) and the
    loop polls again next round (one API blip never ends a wait), unless DataWorks has never answered this wait
    for minutes (default: a wait whose instances DataWorks named, which rides every outage out). A permanent error
    ends the wait with an error outcome. Every outcome names the instances it is about.
    """
    read = (reader or DirectReader(hook, kind)).read
    reachability = reachability or _ridden_out(hook)
    latest: dict[int, dict[str, Any]] = {}
    pending = list(instance_ids)
    while True:
        for instance_id in list(pending):
            try:
                instance = await read(instance_id, deadline)
            except DataWorksAPIError as err:
                if (ended := _ended_by(err, reachability, pending)) is not None:
                    return ended
                continue
            reachability.answered()
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
        await asyncio.sleep(min(delay, remaining))


def _ridden_out(hook: DataWorksHook) -> Reachability:
    """The record of a wait that DataWorks has answered already (it named the instances): outages are ridden out."""
    return Reachability(hook, reached=True, clock=time.time, logger=log)


def _ended_by(
    err: DataWorksAPIError, reachability: Reachability, pending: Sequence[int] | None = None
) -> WaitOutcome | None:
    """How a failed poll ends the wait: a permanent error, or a DataWorks this wait never reached; None: poll again."""
    if not err.retryable:
        return WaitOutcome.from_error(err, pending)
    try:
        reachability.failed(err)
    except DataWorksUnreachableError as unreachable:
        return WaitOutcome.from_error(unreachable, pending)
    return None


def aligned_delay(interval: float, now: float | None = None) -> float:
    """Seconds to the next multiple of `interval` on the wall clock at least half an interval away (so the mean
    stays `interval`), where every wait polling at this interval wakes."""
    now = time.time() if now is None else now
    delay = interval - now % interval
    return delay + interval if delay < interval / 2 else delay


async def wait_for_workflow_instances(
    hook: DataWorksHook, instance_ids: Sequence[int], *, poll_interval: float, deadline: float
) -> WaitOutcome:
    """`wait_for_instances` for workflow instances (the run operator's blocking wait)."""
    return await wait_for_instances(hook, WORKFLOW, instance_ids, poll_interval=poll_interval, deadline=deadline)
