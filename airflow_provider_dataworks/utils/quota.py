"""DataWorks API quota: the floor under polling intervals, the daily-quota warning, and call accounting in logs.

DataWorks Basic Edition allows 100 OpenAPI calls a day per account and region (and 5 calls a second); higher
editions bill per call. A poll interval of 0 in deferrable mode was measured busy-polling at about 300 calls a
second, so intervals have a floor, and an interval that would spend a day's Basic Edition quota warns once.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.utils.compat import conf

if TYPE_CHECKING:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

log = logging.getLogger(__name__)

#: Default floor (seconds) under every poll interval: one wait then makes at most 0.2 calls a second, 1/25 of
#: Basic Edition's 5 calls a second, and DataWorks statuses change on a scale of seconds anyway.
DEFAULT_MIN_POLL_INTERVAL = 5.0
#: Basic Edition's daily OpenAPI allowance per account and region.
BASIC_EDITION_DAILY_CALLS = 100
SECONDS_PER_DAY = 86_400

_warned: set[tuple[str, float]] = set()
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


def warn_if_over_daily_quota(field: str, interval: float) -> None:
    """Warn once per process and interval when polling all day would spend more than Basic Edition's daily calls."""
    per_day = calls_per_day(interval)
    if per_day <= BASIC_EDITION_DAILY_CALLS:
        return
    with _warned_lock:
        if (field, interval) in _warned:
            return
        _warned.add((field, interval))
    log.warning(
        "%s=%g s polls up to %d DataWorks API calls a day per wait, more than Basic Edition's %d a day; "
        "use %d s or more there (waits in one triggerer on the same workspace and date share their polls).",
        field,
        interval,
        per_day,
        BASIC_EDITION_DAILY_CALLS,
        SECONDS_PER_DAY // BASIC_EDITION_DAILY_CALLS,
    )


def log_api_calls(logger: Any, who: str, hook: DataWorksHook | None) -> None:
    """Log the DataWorks API calls (attempts, retries included) `who` spent: every task and trigger does at its end."""
    logger.info("%s spent %d DataWorks API call(s).", who, hook.api_calls if hook is not None else 0)
