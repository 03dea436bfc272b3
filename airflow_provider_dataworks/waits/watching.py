"""Event-driven watching of workflow instances: the recent data dates, one shared poll, each finish reported once.

The poll lists every instance of a workspace and environment on the watched data dates; each watcher then keeps
the instances of its own workflows, types and statuses, and compares them with what it has already reported
(its watermark: the moment its watch started, and instance id -> completion mark). Pure logic plus one awaitable
poll; no Airflow trigger here.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.dates import dataworks_zone, format_biz_date
from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.status import INSTANCE_TYPES, WorkflowInstanceStatus
from airflow_provider_dataworks.utils.validation import positive_int

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

#: Statuses an event can be about: the terminal ones, which an instance reaches once per run.
WATCHABLE_STATUSES = (WorkflowInstanceStatus.SUCCESS.value, WorkflowInstanceStatus.FAILURE.value)
#: Data dates watched besides today's: yesterday's (today's scheduled runs) and the day before (runs scheduled
#: late yesterday that finish after midnight).
LOOKBACK_DAYS = 2
#: Version of the stored watermark's layout: 2 adds the watch's start moment; `load_watermark` still reads 1.
WATERMARK_VERSION = 2


@dataclass(frozen=True)
class WatchSpec:
    """What one watcher reports: its workflows, statuses and instance types (validated, plain values)."""

    workflow_ids: tuple[int, ...]
    statuses: tuple[str, ...]
    instance_types: tuple[str, ...]

    @classmethod
    def build(cls, workflow_ids: Any, statuses: Any, instance_types: Any) -> WatchSpec:
        """Validate the watcher's arguments, naming the field and the fix in one sentence."""
        if isinstance(workflow_ids, (int, str)):
            workflow_ids = [workflow_ids]
        ids = tuple(sorted({positive_int("workflow_ids", i) for i in workflow_ids or ()}))
        if not ids:
            raise DataWorksConfigError("workflow_ids is empty; give the id of at least one DataWorks workflow.")
        return cls(
            ids,
            _choices("statuses", statuses, WATCHABLE_STATUSES),
            _choices("instance_types", instance_types, INSTANCE_TYPES),
        )

    def keeps(self, instance: dict[str, Any]) -> bool:
        """Whether an instance is one of this watcher's workflows and types (whatever its status)."""
        return _int_or_none(instance.get("WorkflowId")) in self.workflow_ids and instance.get("Type") in (
            self.instance_types
        )

    def digest(self) -> str:
        """A short stable name for this watch, so watchers sharing an asset keep separate watermarks."""
        text = json.dumps([self.workflow_ids, self.statuses, self.instance_types])
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def _choices(field: str, values: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    """A non-empty tuple of allowed strings, in the caller's order without repeats."""
    if isinstance(values, str):
        values = [values]
    chosen = tuple(dict.fromkeys(values or ()))
    wrong = [v for v in chosen if v not in allowed]
    if wrong or not chosen:
        raise DataWorksConfigError(
            f"{field} {list(values or ())!r} is not valid; choose one or more of {', '.join(allowed)}."
        )
    return chosen


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def watched_data_dates(now: datetime, zone: tzinfo) -> list[date]:
    """The data dates polled at `now`: today in DataWorks' zone and the `LOOKBACK_DAYS` before it, oldest first."""
    today = now.astimezone(zone).date()
    return [today - timedelta(days=back) for back in range(LOOKBACK_DAYS, -1, -1)]


@dataclass(frozen=True)
class Snapshot:
    """One complete poll: every instance of the workspace and environment on the watched data dates."""

    instances: tuple[dict[str, Any], ...]
    biz_dates: tuple[str, ...]
    timezone: str
    polled_at: float


async def poll_recent_instances(
    hook: DataWorksHook, *, project_id: Any = None, env_type: str | None = None, now: datetime | None = None
) -> Snapshot:
    """List the instances of every watched data date (all pages, sorted by id so new ones never shift pages)."""
    await hook.aget_conn()  # the connection lookup runs off the event loop; settings are cached after it
    settings = hook.settings
    zone = settings.zone
    days = watched_data_dates(now or datetime.now(zone), zone)
    instances: dict[int, dict[str, Any]] = {}
    for day in days:
        listed = await hook.alist_workflow_instances(
            biz_date=day, project_id=project_id, env_type=env_type, sort_by="Id Asc"
        )
        for instance in listed:
            instances[int(instance["Id"])] = instance
    return Snapshot(
        instances=tuple(instances[i] for i in sorted(instances)),
        biz_dates=tuple(day.isoformat() for day in days),
        timezone=settings.timezone,
        polled_at=time.time(),
    )


def completion_mark(instance: dict[str, Any]) -> str:
    """What makes one finish of an instance distinct: its status and when it finished (a rerun finishes later)."""
    finished = instance.get("FinishedTime") or instance.get("ModifyTime") or ""
    return f"{instance.get('Status')}@{finished}"


@dataclass(frozen=True)
class Watermark:
    """What a watcher keeps: when its watch started (epoch seconds) and what it has reported since.

    `reported` None: no poll recorded yet, so the next poll's baseline is what finished before `started_at`.
    """

    started_at: float
    reported: dict[str, str] | None = None


def finished_before(instance: dict[str, Any], moment: float) -> bool:
    """Whether the instance's `FinishedTime` (epoch ms) proves it finished before `moment` (epoch seconds)."""
    finished = _int_or_none(instance.get("FinishedTime"))
    return finished is not None and finished < moment * 1000


def select_new(
    instances: Iterable[dict[str, Any]], spec: WatchSpec, watermark: Watermark
) -> tuple[list[dict[str, Any]], Watermark]:
    """The instances to report now, and the watermark to keep: every watched instance now in a watched status.

    With nothing reported yet (a first start) only what finished before the watch started is the baseline; an
    instance that finished at or after the start is reported even in the first poll. A missing `FinishedTime`
    cannot prove a finish before the start, so such an instance is reported (once) rather than risk losing it.
    An instance that leaves a watched status (a rerun starts) drops out of the watermark, so its next finish is
    reported; instances that leave the watched data dates drop out too.
    """
    marks: dict[str, str] = {}
    new: list[dict[str, Any]] = []
    for instance in instances:
        if not spec.keeps(instance) or instance.get("Status") not in spec.statuses:
            continue
        key, mark = str(instance.get("Id")), completion_mark(instance)
        marks[key] = mark
        if watermark.reported is None:
            if not finished_before(instance, watermark.started_at):
                new.append(instance)
        elif watermark.reported.get(key) != mark:
            new.append(instance)
    new.sort(key=lambda i: (i.get("FinishedTime") or 0, int(i.get("Id") or 0)))
    return new, Watermark(watermark.started_at, marks)


def without(watermark: Watermark, instances: Iterable[dict[str, Any]]) -> Watermark:
    """The watermark minus `instances`: safe to store before they are reported (a crash repeats them, never loses)."""
    left_out = {str(instance.get("Id")) for instance in instances}
    reported = {key: mark for key, mark in (watermark.reported or {}).items() if key not in left_out}
    return Watermark(watermark.started_at, reported)


def event_payload(instance: dict[str, Any], timezone: str) -> dict[str, Any]:
    """The TriggerEvent payload (an asset event's `extra["payload"]`): the instance dict and its key facts."""
    return {
        "instance": instance,
        "workflow_id": instance.get("WorkflowId"),
        "workflow_instance_id": instance.get("Id"),
        "status": instance.get("Status"),
        "biz_date": format_biz_date(instance.get("BizDate"), dataworks_zone(timezone)),
    }


def dump_watermark(watermark: Watermark) -> dict[str, Any]:
    """The watermark as the JSON value stored in the asset state store."""
    reported = None if watermark.reported is None else dict(sorted(watermark.reported.items()))
    return {"version": WATERMARK_VERSION, "started_at": watermark.started_at, "reported": reported}


def load_watermark(value: Any, started_at: float) -> Watermark | None:
    """A stored watermark, or None when there is none (or it is not one this version can read).

    A version 1 watermark has no start moment; it always holds what was reported, so `started_at` (this watch's
    start) stands in for it and is never used to pick a baseline.
    """
    if not isinstance(value, dict) or value.get("version") not in (1, WATERMARK_VERSION):
        return None
    stored_start = value.get("started_at", started_at)
    if isinstance(stored_start, bool) or not isinstance(stored_start, (int, float)):
        return None
    reported = value.get("reported")
    if reported is None and value["version"] == WATERMARK_VERSION:
        return Watermark(float(stored_start))
    if not isinstance(reported, dict):
        return None
    return Watermark(float(stored_start), {str(k): str(v) for k, v in reported.items()})
