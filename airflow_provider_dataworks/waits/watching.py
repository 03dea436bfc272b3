"""Event-driven watching of workflow instances: the recent data dates, one shared poll, each finish reported once.

The poll lists every instance of a workspace and environment on the watched data dates; each watcher then keeps
the instances of its own workflows, types and statuses, and compares them with what it has already reported
(its watermark: instance id -> completion mark). Pure logic plus one awaitable poll; no Airflow trigger here.
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
from airflow_provider_dataworks.hooks.dataworks import positive_int
from airflow_provider_dataworks.status import INSTANCE_TYPES, WorkflowInstanceStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

#: Statuses an event can be about: the terminal ones, which an instance reaches once per run.
WATCHABLE_STATUSES = (WorkflowInstanceStatus.SUCCESS.value, WorkflowInstanceStatus.FAILURE.value)
#: Data dates watched besides today's: yesterday's (today's scheduled runs) and the day before (runs scheduled
#: late yesterday that finish after midnight).
LOOKBACK_DAYS = 2
#: Version of the stored watermark's layout.
WATERMARK_VERSION = 1


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


def select_new(
    instances: Iterable[dict[str, Any]], spec: WatchSpec, reported: dict[str, str] | None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The instances to report now, and the watermark to keep: every watched instance now in a watched status.

    `reported` None means nothing was recorded yet (a first start): what has already finished becomes the
    baseline and is not reported. An instance that leaves a watched status (a rerun starts) drops out of the
    watermark, so its next finish is reported; instances that leave the watched data dates drop out too.
    """
    marks: dict[str, str] = {}
    new: list[dict[str, Any]] = []
    for instance in instances:
        if not spec.keeps(instance) or instance.get("Status") not in spec.statuses:
            continue
        key, mark = str(instance.get("Id")), completion_mark(instance)
        marks[key] = mark
        if reported is not None and reported.get(key) != mark:
            new.append(instance)
    new.sort(key=lambda i: (i.get("FinishedTime") or 0, int(i.get("Id") or 0)))
    return new, marks


def event_payload(instance: dict[str, Any], timezone: str) -> dict[str, Any]:
    """The TriggerEvent payload (an asset event's `extra["payload"]`): the instance dict and its key facts."""
    return {
        "instance": instance,
        "workflow_id": instance.get("WorkflowId"),
        "workflow_instance_id": instance.get("Id"),
        "status": instance.get("Status"),
        "biz_date": format_biz_date(instance.get("BizDate"), dataworks_zone(timezone)),
    }


def dump_watermark(marks: dict[str, str]) -> dict[str, Any]:
    """The watermark as the JSON value stored in the asset state store."""
    return {"version": WATERMARK_VERSION, "reported": dict(sorted(marks.items()))}


def load_watermark(value: Any) -> dict[str, str] | None:
    """A stored watermark, or None when there is none (or it is not one this version wrote)."""
    if not isinstance(value, dict) or value.get("version") != WATERMARK_VERSION:
        return None
    reported = value.get("reported")
    if not isinstance(reported, dict):
        return None
    return {str(k): str(v) for k, v in reported.items()}
