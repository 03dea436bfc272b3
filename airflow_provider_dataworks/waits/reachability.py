"""Whether a wait has ever reached DataWorks, and what a failing poll then means.

A wait that DataWorks has never answered (every call refused, unresolved or timed out: a wrong endpoint, a blocked
network) fails its try once that has gone on for `NEVER_REACHED_LIMIT_SECONDS`, with one sentence naming the
endpoint and the last error. A wait that has had an answer (any HTTP answer, an error answer too) rides an outage
out until its own timeout, logging it when it starts and then at most every `OUTAGE_LOG_INTERVAL_SECONDS`, not on
every poll. Pure logic over a clock: each wait keeps one `Reachability` for as long as it lives in memory.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksUnreachableError
from airflow_provider_dataworks.hooks.errors import is_no_answer

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_dataworks.exceptions import DataWorksAPIError
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

log = logging.getLogger(__name__)

#: A wait that DataWorks has never answered fails once its calls have failed for this long ("within minutes").
NEVER_REACHED_LIMIT_SECONDS = 180.0
#: An outage is logged when it starts, then at most this often while it lasts.
OUTAGE_LOG_INTERVAL_SECONDS = 60.0


class Reachability:
    """One wait's record of DataWorks' answers: it fails a wait never answered for too long, and logs outages sparingly.

    :param hook: the wait's hook, asked for its endpoint only to name it in the error.
    :param reached: DataWorks answered this wait before (e.g. the task's check before it deferred).
    :param clock: the time now, in seconds (the wall clock; a fake one in tests).
    :param logger: where outages are logged (the task's or the trigger's log).
    """

    def __init__(
        self,
        hook: DataWorksHook,
        *,
        reached: bool = False,
        clock: Callable[[], float] = time.time,
        logger: Any = log,
    ) -> None:
        self.hook = hook
        self.reached = reached
        self.clock = clock
        self.log = logger
        self.started = clock()
        self._outage_since: float | None = None
        self._logged_at: float | None = None

    def answered(self) -> None:
        """A poll got its answer: DataWorks is reached, and an outage that was logged is over."""
        if self._outage_since is not None and self._logged_at is not None:
            self.log.info("DataWorks answers again after %s.", _span(self.clock() - self._outage_since))
        self.reached = True
        self._outage_since = self._logged_at = None

    def failed(self, err: DataWorksAPIError) -> None:
        """A poll failed with transient `err` (its retries spent): raise `DataWorksUnreachableError` when DataWorks
        has never answered this wait for too long; otherwise log the outage when it starts, then once a minute."""
        now = self.clock()
        since = self._outage_since = now if self._outage_since is None else self._outage_since
        no_answer = is_no_answer(err)
        self.reached = self.reached or not no_answer
        if not self.reached and now - self.started >= NEVER_REACHED_LIMIT_SECONDS:
            raise DataWorksUnreachableError(
                f"DataWorks at {self.hook.endpoint_url()} did not answer any call of this wait for "
                f"{_span(now - self.started)} (last error, {err.action}: {err.dataworks_message}); check the "
                "connection's host, port, protocol, region_id and network, and that this machine can reach it.",
                action=err.action,
                code="Unreachable",
            )
        if self._logged_at is not None and now - self._logged_at < OUTAGE_LOG_INTERVAL_SECONDS:
            return
        self._logged_at = now
        lasting = f" for {_span(now - since)}" if now > since else ""
        if self.reached:
            state = "unreachable" if no_answer else "failing"
            self.log.warning("DataWorks %s%s (last error: %s); still waiting until the timeout.", state, lasting, err)
        else:
            self.log.warning(
                "DataWorks has not answered this wait yet%s (last error: %s); it fails if DataWorks has not answered "
                "within %s.",
                lasting,
                err,
                _span(NEVER_REACHED_LIMIT_SECONDS),
            )


def _span(seconds: float) -> str:
    """A duration for messages: seconds up to two minutes, then minutes."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
