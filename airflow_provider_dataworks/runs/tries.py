"""Which try of a task instance runs now, as Airflow's clear cycle defines it, and when its earlier tries began.

Airflow sets ``max_tries = try_number + retries`` when a person clears a task, so the first try since the task
instance was created or last cleared is the one with ``try_number == max_tries - retries + 1``; a larger try
number is an automatic retry. Only the very first try (number 1) can be sure nothing of its own exists yet.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


class TryKind(enum.Enum):
    """What the try running now is, for deciding what to do with the runs of earlier tries."""

    #: The task instance's first try ever: any run of its identity belongs to someone else (a deleted DAG run).
    FIRST = "first try"
    #: An automatic retry: the earlier try's run is adopted in every state, a succeeded one included.
    RETRY = "automatic retry"
    #: The first try after a person cleared the task: a succeeded earlier run is not adopted (the work is asked for
    #: again); a failed or still-going one is handled as on a retry.
    AFTER_CLEAR = "first try after a clear"


def try_kind(ti: Any, retries: int) -> TryKind:
    """The kind of the try running now, from the task instance's `try_number` and `max_tries` and the task's
    `retries`; without `max_tries` (a bare test double) every try past the first counts as a retry."""
    try_number = int(getattr(ti, "try_number", 1) or 1)
    max_tries = getattr(ti, "max_tries", None)
    if try_number <= 1:
        return TryKind.FIRST
    if isinstance(max_tries, int) and try_number == max_tries - retries + 1:
        return TryKind.AFTER_CLEAR
    return TryKind.RETRY


def _timestamp(value: Any) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def earlier_try_starts(ti: Any) -> list[float]:
    """When the earlier tries of this task instance began (epoch s, oldest first), where Airflow lets a worker
    read it: Airflow 2's task instance history. Empty elsewhere (Airflow 3 workers have no database)."""
    try:
        from airflow.models.taskinstancehistory import TaskInstanceHistory
        from airflow.utils.session import create_session
    except ImportError:
        return []
    if not hasattr(ti, "__table__"):
        return []  # not an ORM task instance (Airflow 3's runtime one, a test double): no database to read
    try:
        with create_session() as session:
            rows = (
                session.query(TaskInstanceHistory.start_date)
                .filter_by(dag_id=ti.dag_id, task_id=ti.task_id, run_id=ti.run_id, map_index=ti.map_index)
                .filter(TaskInstanceHistory.try_number < ti.try_number)
                .all()
            )
    except Exception as err:
        log.info("Could not read the earlier tries' start times from the task instance history: %s", err)
        return []
    return sorted(t for (start,) in rows if (t := _timestamp(start)) is not None)


def dag_run_started(context: Any) -> float | None:
    """When this DAG run began running (epoch s), if the context says; a clear of a finished run moves it on."""
    dag_run = context.get("dag_run") if hasattr(context, "get") else None
    return _timestamp(getattr(dag_run, "start_date", None))
