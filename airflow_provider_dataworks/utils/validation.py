"""Argument checks the hook, sensors, operators and triggers share: a value that can never work is refused before
any API call (at DAG parse time where the argument is not templated), in one sentence naming it and the fix."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.status import ENV_TYPES


def positive_int(name: str, value: Any) -> int:
    """Validate an id-like argument early, naming it, instead of letting DataWorks reject it later."""
    if isinstance(value, bool):
        raise DataWorksConfigError(f"{name} must be a positive integer id, not {value!r}.")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DataWorksConfigError(
            f"{name} is empty; give a positive integer id (if it is a template, check what it renders to)."
        )
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0:
        raise DataWorksConfigError(f"{name} must be a positive integer id, not {value!r}.")
    return value


def positive_seconds(name: str, value: float | timedelta) -> float:
    """A duration argument in seconds, which must be positive and finite: a wait of zero or less could never
    succeed."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < math.inf:
        raise DataWorksConfigError(f"{name} must be a positive number of seconds or a timedelta, not {value!r}.")
    return float(seconds)


def env_type_or_none(value: Any) -> str | None:
    """`Prod` or `Dev`, or None when left blank (the connection's `env_type` extra then applies)."""
    if value in (None, ""):
        return None
    if value not in ENV_TYPES:
        raise DataWorksConfigError(f"env_type must be {' or '.join(repr(e) for e in ENV_TYPES)}, not {value!r}.")
    return str(value)
