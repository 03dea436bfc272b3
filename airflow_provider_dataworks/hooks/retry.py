"""Retry policy for DataWorks calls: transient errors only, bounded exponential backoff with jitter.

One policy object drives both the blocking hook methods (tenacity `Retrying`, which sleeps) and the async
ones (`AsyncRetrying`, which awaits `asyncio.sleep`, so the triggerer's event loop never blocks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from airflow_provider_dataworks.exceptions import DataWorksAPIError

log = logging.getLogger(__name__)

#: A server-advertised `x-acs-retry-after` longer than this is capped (the SDK caps at 120 s too).
MAX_RETRY_AFTER_SECONDS = 120.0


def is_retryable(err: BaseException) -> bool:
    """Only members of the family that say so are retried; everything else is raised at once."""
    return isinstance(err, DataWorksAPIError) and err.retryable


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

    def _options(self) -> dict[str, Any]:
        return {
            "retry": retry_if_exception(is_retryable),
            "stop": stop_after_attempt(self.retry_limit + 1),
            "wait": self.wait_seconds,
            "before_sleep": _log_retry,
            "reraise": True,
        }

    def retrying(self) -> Retrying:
        """Blocking retry loop, for worker-side hook methods."""
        return Retrying(**self._options())

    def async_retrying(self) -> AsyncRetrying:
        """Awaiting retry loop, for triggers (sleeps with asyncio.sleep)."""
        return AsyncRetrying(**self._options())


def _log_retry(state: RetryCallState) -> None:
    err = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s; retrying in %.1f s (attempt %d).", err, delay, state.attempt_number + 1)
