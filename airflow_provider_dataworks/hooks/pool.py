"""The provider's own bounded thread pool for blocking SDK calls made from async code (triggers, async waits).

Not the event loop's default executor: that one is shared with every other trigger in the triggerer, so a hung
DataWorks endpoint could starve them. Threads here only run one SDK attempt each and never sleep through a
backoff (retries await theirs on the loop), so a few threads serve many waits.

Calls of one event loop take a `CallSlot` first, as many as there are threads: a call waiting for a thread is a
bare coroutine, not a queued future with its retry state. 1,000 waits starting together otherwise held about 36
objects per queued call, which outlived their calls in the collector's oldest generation (`./dev bench`).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

#: Worker threads shared by all DataWorks triggers in one process. Few on purpose: each SDK attempt also spends
#: about a millisecond of CPU under the GIL (signing, parsing), and more threads would take it from the event loop;
#: 4 threads still make hundreds of calls a second, far above DataWorks' own rate limits.
MAX_THREADS = 4

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None


def executor() -> ThreadPoolExecutor:
    """The process's pool, created on first use (and again in a forked child, whose threads did not survive)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="dataworks-sdk")
            _pool_pid = os.getpid()
        return _pool


async def run_blocking(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await `func(*args, **kwargs)` run in the provider's pool, leaving the event loop free."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), functools.partial(func, *args, **kwargs))


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


class CallSlot:
    """One of the running loop's `MAX_THREADS` places for an API call, given up while the call's retry backs off."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self._places = _slots.get(loop) or _slots.setdefault(loop, asyncio.Semaphore(MAX_THREADS))
        self._held = False

    async def __aenter__(self) -> CallSlot:
        await self._take()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._give_up()

    async def sleep(self, seconds: float) -> None:
        """Wait out a backoff without the place, then take one again (tenacity's `sleep`)."""
        self._give_up()
        await asyncio.sleep(seconds)
        await self._take()

    async def _take(self) -> None:
        await self._places.acquire()
        self._held = True

    def _give_up(self) -> None:
        if self._held:
            self._held = False
            self._places.release()
