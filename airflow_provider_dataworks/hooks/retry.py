"""Retry policy for DataWorks calls: transient errors only, bounded exponential backoff with jitter.

One policy object drives both the blocking hook methods (tenacity `Retrying`, which sleeps) and the async
ones (`AsyncRetrying`, which awaits `asyncio.sleep`, so the triggerer's event loop never blocks).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksThrottlingError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

#: A server-advertised `x-acs-retry-after` longer than this is capped (the SDK caps at 120 s too).
MAX_RETRY_AFTER_SECONDS = 120.0


def is_retryable(err: BaseException) -> bool:
    """Only members of the family that say so are retried; everything else is raised at once."""
    return isinstance(err, DataWorksAPIError) and err.retryable


def is_refused(err: BaseException) -> bool:
    """Throttling answers say DataWorks refused the request: safe to retry even for actions that start work."""
    return isinstance(err, DataWorksThrottlingError)


@dataclass(frozen=True)
class RetryPolicy:
    """`retry_limit` retries after the first attempt, each waiting a random 0..`retry_delay` * 2**n s, capped."""

    retry_limit: int = 5
    retry_delay: float = 2.0
    max_delay: float = 60.0

    def __post_init__(self) -> None:
        if self.retry_limit < 0:
            raise ValueError(f"retry_limit must be 0 or more, not {self.retry_limit}.")
        if self.retry_delay < 0:
            raise ValueError(f"retry_delay must be 0 or more seconds, not {self.retry_delay}.")

    def wait_seconds(self, state: RetryCallState) -> float:
        """Honour the server's retry-after when given; otherwise exponential backoff with full jitter."""
        err = state.outcome.exception() if state.outcome else None
        retry_after = getattr(err, "retry_after", None)
        if retry_after:
            return float(min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return float(wait_random_exponential(multiplier=self.retry_delay, max=self.max_delay)(state))

    def _options(self, deadline: float | None, retry_on: Callable[[BaseException], bool]) -> dict[str, Any]:
        stop: Any = stop_after_attempt(self.retry_limit + 1)
        if deadline is not None:
            stop = stop_any(stop, _stop_before_deadline(deadline))
        return {
            "retry": retry_if_exception(retry_on),
            "stop": stop,
            "wait": self.wait_seconds,
            "before_sleep": _log_retry,
            "reraise": True,
        }

    def retrying(
        self, *, deadline: float | None = None, retry_on: Callable[[BaseException], bool] = is_retryable
    ) -> Retrying:
        """Blocking retry loop, for worker-side hook methods; no pause or retry runs past `deadline` (epoch s)."""
        return Retrying(**self._options(deadline, retry_on))

    def async_retrying(
        self,
        *,
        deadline: float | None = None,
        retry_on: Callable[[BaseException], bool] = is_retryable,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> AsyncRetrying:
        """Awaiting retry loop, for triggers (awaits `sleep`, default asyncio.sleep); bounded by `deadline` like
        `retrying`."""
        options = self._options(deadline, retry_on)
        return AsyncRetrying(**options) if sleep is None else AsyncRetrying(sleep=sleep, **options)


class _stop_before_deadline(stop_base):
    """Give up instead of pausing (backoff or server retry-after) into or past the deadline (epoch s)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.time() + (retry_state.upcoming_sleep or 0.0) >= self.deadline


def _log_retry(state: RetryCallState) -> None:
    """A retry is not a failure yet (INFO): the error after the last one is the caller's to raise or report, as a
    wait's outage warning is (once a minute, not on every poll)."""
    err = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.info("%s; retrying in %.1f s (attempt %d).", err, delay, state.attempt_number + 1)
