"""DataWorks API quota: the floor under polling intervals, the daily-budget warning, and call accounting in logs.

DataWorks Basic Edition allows 100 OpenAPI calls a day per account and region (and 5 calls a second); higher
editions bill per call. A poll interval of 0 in deferrable mode was measured busy-polling at about 300 calls a
second, so intervals have a floor. Which daily budget applies depends on the edition and on what else calls the
API, so only a budget the deployment configures (``[dataworks] daily_api_call_budget``) is warned about: every
task runs in its own process, so a warning about Airflow's own defaults would come on every task run.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.utils.compat import conf

if TYPE_CHECKING:
    from typing import Protocol

    class CountsApiCalls(Protocol):
        """What counts the API calls it made (a hook)."""

        api_calls: int


log = logging.getLogger(__name__)

#: Default floor (seconds) under every poll interval: one wait then makes at most 0.2 calls a second, 1/25 of
#: Basic Edition's 5 calls a second, and DataWorks statuses change on a scale of seconds anyway.
DEFAULT_MIN_POLL_INTERVAL = 5.0
#: Basic Edition's daily OpenAPI allowance per account and region.
BASIC_EDITION_DAILY_CALLS = 100
SECONDS_PER_DAY = 86_400

_warned: set[tuple[Any, ...]] = set()
_warned_lock = threading.Lock()


def min_poll_interval() -> float:
    """The floor, from ``[dataworks] min_poll_interval`` (lower it only against the local emulator)."""
    return conf.getfloat("dataworks", "min_poll_interval", fallback=DEFAULT_MIN_POLL_INTERVAL)


def check_poll_interval(field: str, value: Any) -> float:
    """`value` as seconds, or a DataWorksConfigError naming `field` when it is not a number at or above the floor."""
    floor = min_poll_interval()
    try:
        seconds = float(value.total_seconds() if hasattr(value, "total_seconds") else value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= floor:
        raise DataWorksConfigError(
            f"{field} must be at least {floor:g} seconds, not {value!r}: each poll is a DataWorks API call "
            "(Basic Edition allows 100 a day); raise it, or lower [dataworks] min_poll_interval for an emulator."
        )
    return seconds


def calls_per_day(interval: float) -> float:
    """API calls one wait polling every `interval` seconds spends in a day."""
    return SECONDS_PER_DAY / interval


def daily_api_call_budget() -> int | None:
    """``[dataworks] daily_api_call_budget``: the API calls a day one wait may spend; None when unset or 0."""
    raw = conf.get("dataworks", "daily_api_call_budget", fallback="")
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        budget = int(text)
    except ValueError:
        if _first_time(("budget", text)):
            log.warning("[dataworks] daily_api_call_budget must be a whole number of calls, not %r; ignored.", text)
        return None
    return budget if budget > 0 else None


def _first_time(key: tuple[Any, ...]) -> bool:
    """True the first time this process sees `key`."""
    with _warned_lock:
        if key in _warned:
            return False
        _warned.add(key)
        return True


def warn_if_over_daily_quota(field: str, interval: float, *, timeout: float | None = None) -> None:
    """Warn (once per process, field and interval) when one wait polling every `interval` seconds may spend more
    calls in a day than ``[dataworks] daily_api_call_budget``; no budget configured (the default), no warning.

    `timeout` (seconds, when the wait has one) bounds how long it polls; without it, it may poll all day.
    """
    budget = daily_api_call_budget()
    if budget is None:
        return
    window = SECONDS_PER_DAY if timeout is None else min(max(float(timeout), 0.0), SECONDS_PER_DAY)
    calls = window / interval if interval > 0 else math.inf
    if calls <= budget or not _first_time((field, interval, window, budget)):
        return
    spent = "a day per wait" if window == SECONDS_PER_DAY else f"per wait in its {window:g} s timeout"
    log.warning(
        "%s=%g s polls up to %s DataWorks API calls %s, more than [dataworks] daily_api_call_budget (%d); "
        "use %d s or more (waits in one triggerer on the same workspace and date share their polls).",
        field,
        interval,
        f"{calls:,.0f}",
        spent,
        budget,
        math.ceil(window / budget),
    )


def log_api_calls(logger: Any, who: str, hook: CountsApiCalls | None) -> None:
    """Log the DataWorks API calls (attempts, retries included) `who` spent: every task and trigger does at its end."""
    logger.info("%s spent %d DataWorks API call(s).", who, hook.api_calls if hook is not None else 0)
