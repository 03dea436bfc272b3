"""One awaited result shared by many waits, handed to them a slice per event-loop iteration.

A thousand triggers awaiting one future (a connection lookup, a shared poll's answer) all wake in the same loop
iteration and each runs its next step there. A `FanOut` wakes its waiters `SLICE` at a time and yields to the loop
in between (what that is worth for 1,000 waits: `./dev bench`'s ablation, docs/benchmarks.md). Cancelling a
waiter cancels only its own wait, never the shared work.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable

T = TypeVar("T")

#: Waiters woken per event-loop iteration.
SLICE = 50


class FanOut(Generic[T]):
    """Run `work` once on the running loop; every `wait()` gets its result, or raises its exception."""

    def __init__(self, work: Awaitable[T]) -> None:
        self.loop = asyncio.get_running_loop()
        self._waiters: deque[asyncio.Future[T]] = deque()
        self._result: T | None = None
        self._error: BaseException | None = None
        self._task = self.loop.create_task(self._run(work))

    def done(self) -> bool:
        """The work has ended and every waiter has been handed its outcome."""
        return self._task.done()

    def failed(self) -> bool:
        """The work ended with an exception or was cancelled (a caller may then start it again)."""
        return self._task.done() and (self._task.cancelled() or self._error is not None)

    async def wait(self) -> T:
        """The work's result: at once if it has been handed out already, else when this waiter's slice is woken."""
        waiter = self.loop.create_future()
        if self._task.done():
            self._settle(waiter)
        else:
            self._waiters.append(waiter)
        return await waiter

    async def _run(self, work: Awaitable[T]) -> None:
        try:
            self._result = await work
        except (Exception, asyncio.CancelledError) as err:
            self._error = err
        woken = 0
        while self._waiters:  # waiters arriving during the hand-out are served too
            waiter = self._waiters.popleft()
            if waiter.done():  # its wait was cancelled
                continue
            self._settle(waiter)
            woken += 1
            if woken % SLICE == 0:
                await asyncio.sleep(0)

    def _settle(self, waiter: asyncio.Future[T]) -> None:
        """Give one waiter the work's outcome: its result, its exception, or its cancellation."""
        if isinstance(self._error, asyncio.CancelledError) or self._task.cancelled():
            waiter.cancel()
        elif self._error is not None:
            waiter.set_exception(self._error)
        else:
            waiter.set_result(self._result)  # type: ignore[arg-type]
