"""Shared polling: in one triggerer process, waits on the same connection, workspace, environment and data date
are answered by one list call (`Ids`, pages of 100) per round instead of one Get call each.

A registry of pollers, keyed by (list call, connection, workspace, environment, data date), each with its kind's
batch fetch (an `InstanceKind`'s `fetch_batch`): workflow waits use ListWorkflowInstances, node waits
ListTaskInstances. A wait
reads its instance by its own Get first (which tells it workspace, environment and date), then from its group's
batch; an instance missing from the batch answer, or a batch call that fails, falls back to the wait's own Get, so
sharing never costs a wait more than polling alone would.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_dataworks.hooks.dataworks import LIST_PAGE_SIZE, DataWorksHook
from airflow_provider_dataworks.hooks.retry import is_retryable
from airflow_provider_dataworks.utils.fanout import FanOut

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from airflow_provider_dataworks.waits.kinds import GroupKey, InstanceKind

log = logging.getLogger(__name__)

#: Reads that arrive within this many seconds of the first of a round share its batch call. Waits sharing a
#: poller sleep to the same wall-clock grid (loop.py's `aligned_delay`), so their reads arrive together.
BATCH_WINDOW_SECONDS = 0.2
#: A group nobody has read for this long is forgotten (with its hook and client): data dates move on.
IDLE_POLLER_SECONDS = 3600.0


class InstanceReader(Protocol):
    """How a wait reads one instance's current state."""

    async def read(self, instance_id: int, deadline: float) -> dict[str, Any]:
        """The instance as DataWorks reports it now."""


@dataclass
class DirectReader:
    """One Get call per read (the run operator's blocking wait, which has no neighbours to share with)."""

    hook: DataWorksHook
    kind: InstanceKind

    async def read(self, instance_id: int, deadline: float) -> dict[str, Any]:
        """The kind's own Get (GetWorkflowInstance, GetTaskInstance)."""
        return await self.kind.aget(self.hook, instance_id, deadline)


@dataclass
class _Round:
    ids: set[int]
    #: The batch answer by instance id (None if the batch failed) and the API calls it took, handed to the round's
    #: readers a slice per loop iteration (a FanOut: see utils/fanout.py for what that is worth).
    answers: FanOut[tuple[dict[int, dict[str, Any]] | None, int]]


class SharedPoller:
    """One group's batch reads: the first read of a round opens it, reads arriving within the window join it."""

    def __init__(self, key: GroupKey, fetch: Callable[..., Awaitable[dict[int, dict[str, Any]]]]) -> None:
        self.key = key
        self.fetch = fetch
        # No retries inside the batch: a failure sends each wait to its own Get, which retries as it would alone.
        self.hook = DataWorksHook(key[1], retry_limit=0)
        self._round: _Round | None = None
        self.last_read = time.monotonic()

    async def read(self, instance_id: int) -> tuple[dict[str, Any] | None, float]:
        """The instance from this round's batch answer (None if absent or the batch failed), and this read's share
        of the round's API calls."""
        self.last_read = time.monotonic()
        current = self._round
        if current is None:
            ids: set[int] = set()
            current = self._round = _Round(ids, FanOut(self._run(ids)))
        current.ids.add(instance_id)
        answers, calls = await current.answers.wait()
        return (answers or {}).get(instance_id), calls / len(current.ids)

    async def _run(self, round_ids: set[int]) -> tuple[dict[int, dict[str, Any]] | None, int]:
        await asyncio.sleep(BATCH_WINDOW_SECONDS)
        self._round = None
        ids = sorted(round_ids)
        before = self.hook.api_calls
        answers: dict[int, dict[str, Any]] | None = None
        try:
            found: dict[int, dict[str, Any]] = {}
            for start in range(0, len(ids), LIST_PAGE_SIZE):
                found.update(await self.fetch(self.hook, self.key, ids[start : start + LIST_PAGE_SIZE]))
            answers = found
        except Exception as err:
            # A transient failure is each wait's to log, as its own read fails too (at most once a minute)
            level = logging.DEBUG if is_retryable(err) else logging.WARNING
            log.log(level, "Shared poll of %d instance(s) failed (%s); each wait reads its own instead.", len(ids), err)
        return answers, self.hook.api_calls - before


_pollers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[GroupKey, SharedPoller]] = (
    weakref.WeakKeyDictionary()
)


def shared_poller(key: GroupKey, fetch: Callable[..., Awaitable[dict[int, dict[str, Any]]]]) -> SharedPoller:
    """The running loop's poller of `key` (the triggerer runs every trigger of the process on one loop)."""
    pollers = _pollers.setdefault(asyncio.get_running_loop(), {})
    idle_since = time.monotonic() - IDLE_POLLER_SECONDS
    for stale in [k for k, p in pollers.items() if p.last_read < idle_since and p._round is None]:
        del pollers[stale]
    poller = pollers.get(key)
    if poller is None:
        poller = pollers[key] = SharedPoller(key, fetch)
    return poller


# -- a wait's reads -----------------------------------------------------------------------------------------------


@dataclass
class SharedReader:
    """A trigger's reads of its instances: its own Get first, then its group's shared list call (any kind)."""

    hook: DataWorksHook
    conn_id: str
    kind: InstanceKind
    groups: dict[int, GroupKey] = field(default_factory=dict)
    #: This wait's share of the shared list calls (each round's calls divided among the instances it read).
    shared_calls: float = 0.0

    def learn(self, instance: dict[str, Any]) -> None:
        """Remember which group an instance belongs to, from any answer that carries it."""
        key = self.kind.group(self.conn_id, instance)
        if key is not None and instance.get("Id") is not None:
            self.groups[int(instance["Id"])] = key

    async def read(self, instance_id: int, deadline: float) -> dict[str, Any]:
        """From the group's batch when the group is known and the batch has it; else by the wait's own Get."""
        key = self.groups.get(instance_id)
        if key is not None:
            answer, share = await shared_poller(key, self.kind.fetch_batch).read(instance_id)
            self.shared_calls += share
            if answer is not None:
                return answer
        instance = await self.kind.aget(self.hook, instance_id, deadline)
        self.learn(instance)
        return instance
