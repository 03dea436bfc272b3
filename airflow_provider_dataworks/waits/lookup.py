"""Find the DataWorks instance an Airflow run gates on: by workflow (or node), data date, type and scheduling time.

A workflow has one instance per data date when it runs daily, and 24 (or more) when it runs hourly or by the
minute; workflow instances carry no scheduling time themselves, so it is read from their task instances'
`TriggerTime` when several instances of the date are candidates, or when the Airflow DAG runs more often than
daily (DataWorks may not have generated the other hours yet: a lone earlier hour is not the one). Node (task)
instances carry their own `TriggerTime`, so a node's list answer decides by itself.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from airflow_provider_dataworks.dates import DEFAULT_TIMEZONE, dataworks_zone, format_biz_date, format_epoch_ms
from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.status import INSTANCE_TYPES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator, Sequence
    from datetime import tzinfo

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class _Lookup:
    """What identifies the instance to wait for, as plain values (it travels in trigger kwargs).

    :param biz_date: the data date as DataWorks' BizDate (epoch ms).
    :param scheduled_time: an explicit scheduling time (`TriggerTime`, epoch ms) the instance must have.
    :param due_time: when the Airflow run is due (its data interval's end, epoch ms): picks among several.
    :param timezone: DataWorks' time zone (the connection's `timezone`), in which messages show dates and times.
    :param sub_daily: the Airflow DAG runs more often than daily: only the instance scheduled at the due time (or
        at `scheduled_time`) is the one, even while it is the only instance of the date so far.
    """

    biz_date: int
    project_id: int
    env_type: str
    instance_types: tuple[str, ...] = ("Normal",)
    scheduled_time: int | None = None
    due_time: int | None = None
    sub_daily: bool = False
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Rebuild from `as_dict()` (a trigger's kwargs)."""
        return cls(**{**values, "instance_types": tuple(values.get("instance_types") or ("Normal",))})

    def as_dict(self) -> dict[str, Any]:
        """JSON-primitive form for trigger kwargs."""
        return {**asdict(self), "instance_types": list(self.instance_types)}

    #: The sensor argument that names one instance directly, for messages.
    id_argument: ClassVar[str]

    @property
    def zone(self) -> tzinfo:
        """DataWorks' time zone, for messages."""
        return dataworks_zone(self.timezone)

    @property
    def needs_scheduling_time(self) -> bool:
        """Whether the scheduling time decides even for a lone candidate (an explicit time, or a sub-daily run)."""
        return self.scheduled_time is not None or self.sub_daily

    @property
    def list_type(self) -> str | None:
        """The `Type` filter of the list call: the one type asked for, else None (several are filtered here)."""
        return self.instance_types[0] if len(self.instance_types) == 1 else None

    def subject(self) -> str:
        """What is looked up, e.g. `workflow 501`."""
        raise NotImplementedError

    def describe(self) -> str:
        """`workflow 501 (data date 2025-01-15, Normal)` for logs and messages."""
        types = "/".join(self.instance_types)
        text = f"{self.subject()} (data date {format_biz_date(self.biz_date, self.zone)}, {types}"
        if self.scheduled_time is not None:
            text += f", scheduled at {format_epoch_ms(self.scheduled_time, self.zone)}"
        return text + ")"


@dataclass(frozen=True, kw_only=True)
class WorkflowInstanceLookup(_Lookup):
    """A workflow's instance of a data date."""

    workflow_id: int
    id_argument = "workflow_instance_id"

    def subject(self) -> str:
        return f"workflow {self.workflow_id}"


@dataclass(frozen=True, kw_only=True)
class TaskInstanceLookup(_Lookup):
    """A node's instance of a data date; `task_id` is the node's id (`TaskId`), not an instance id."""

    task_id: int
    id_argument = "task_instance_id"

    def subject(self) -> str:
        return f"node {self.task_id}"


def check_instance_types(values: Any) -> tuple[str, ...]:
    """Validate `instance_types`: a non-empty list of DataWorks instance types."""
    types = (values,) if isinstance(values, str) else tuple(values or ())
    if not types or any(t not in INSTANCE_TYPES for t in types):
        raise DataWorksConfigError(
            f"instance_types {values!r} must list DataWorks instance types among {', '.join(INSTANCE_TYPES)}."
        )
    return types


def twins(
    plan: Callable[[Any], Generator[tuple[str, dict[str, Any]], Any, dict[str, Any] | None]],
) -> tuple[
    Callable[[DataWorksHook, Any], dict[str, Any] | None],
    Callable[[DataWorksHook, Any], Awaitable[dict[str, Any] | None]],
]:
    """A blocking finder (for workers) and its awaitable twin (for triggers, every call's backoff awaited) from one
    plan, so the two can never make different calls. A plan yields (hook method, keyword arguments) for each API
    call it needs, receives each answer, and returns the instance found (or None)."""

    def find(hook: DataWorksHook, lookup: Any) -> dict[str, Any] | None:
        steps = plan(lookup)
        try:
            method, kwargs = next(steps)
            while True:
                method, kwargs = steps.send(getattr(hook, method)(**kwargs))
        except StopIteration as done:
            found: dict[str, Any] | None = done.value
            return found

    async def afind(hook: DataWorksHook, lookup: Any) -> dict[str, Any] | None:
        steps = plan(lookup)
        try:
            method, kwargs = next(steps)
            while True:
                method, kwargs = steps.send(await getattr(hook, f"a{method}")(**kwargs))
        except StopIteration as done:
            found: dict[str, Any] | None = done.value
            return found

    find.__doc__ = plan.__doc__
    afind.__doc__ = f"Awaitable twin, for triggers: the same calls.\n\n{plan.__doc__}"
    return find, afind


def _find_workflow_instance(
    lookup: WorkflowInstanceLookup,
) -> Generator[tuple[str, dict[str, Any]], Any, dict[str, Any] | None]:
    """The instance `lookup` names, with its current Status; None while DataWorks has not created it yet.

    One ListWorkflowInstances call; one ListTaskInstances more only when the scheduling time must decide.
    """
    candidates = _candidates((yield "list_workflow_instances", _list_args(lookup)), lookup)
    if not candidates or not needs_trigger_times(candidates, lookup, "Type"):
        return latest(candidates)
    tasks = yield "list_task_instances", _task_args(lookup)
    return choose_by_scheduling_time(candidates, _trigger_times(tasks), lookup)


def _find_task_instance(
    lookup: TaskInstanceLookup,
) -> Generator[tuple[str, dict[str, Any]], Any, dict[str, Any] | None]:
    """The node instance `lookup` names, with its current Status; None while DataWorks has not created it yet.

    One ListTaskInstances call (its answer carries each instance's TriggerTime, which decides among several
    instances of an hourly or minute node).
    """
    return _choose_task_instance((yield "list_task_instances", _node_args(lookup)), lookup)


find_workflow_instance, afind_workflow_instance = twins(_find_workflow_instance)
find_task_instance, afind_task_instance = twins(_find_task_instance)


def _node_args(lookup: TaskInstanceLookup) -> dict[str, Any]:
    return {
        "biz_date": lookup.biz_date,
        "task_id": lookup.task_id,
        "project_id": lookup.project_id,
        "env_type": lookup.env_type,
        "instance_type": lookup.list_type,
    }


def _choose_task_instance(instances: Sequence[dict[str, Any]], lookup: TaskInstanceLookup) -> dict[str, Any] | None:
    """The node instance among a list answer, by type and node, then by its own TriggerTime when several."""
    candidates = [
        i
        for i in instances
        if i.get("WorkflowInstanceType", "Normal") in lookup.instance_types
        and str(i.get("TaskId")) == str(lookup.task_id)
    ]
    if not candidates or not needs_trigger_times(candidates, lookup, "WorkflowInstanceType"):
        return latest(candidates)
    times = {int(i["Id"]): int(i["TriggerTime"]) for i in candidates if isinstance(i.get("TriggerTime"), int)}
    return choose_by_scheduling_time(candidates, times, lookup)


def _list_args(lookup: WorkflowInstanceLookup) -> dict[str, Any]:
    return {
        "biz_date": lookup.biz_date,
        "project_id": lookup.project_id,
        "workflow_id": lookup.workflow_id,
        "env_type": lookup.env_type,
        "instance_type": lookup.list_type,
    }


def _task_args(lookup: WorkflowInstanceLookup) -> dict[str, Any]:
    return {
        "biz_date": lookup.biz_date,
        "workflow_id": lookup.workflow_id,
        "project_id": lookup.project_id,
        "env_type": lookup.env_type,
    }


def _candidates(instances: Sequence[dict[str, Any]], lookup: WorkflowInstanceLookup) -> list[dict[str, Any]]:
    return [
        i
        for i in instances
        if i.get("Type") in lookup.instance_types and str(i.get("WorkflowId")) == str(lookup.workflow_id)
    ]


def _trigger_times(tasks: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Scheduling time (TriggerTime, epoch ms) of each workflow instance of the date, read from its tasks."""
    return {
        int(t["WorkflowInstanceId"]): int(t["TriggerTime"])
        for t in tasks
        if t.get("WorkflowInstanceId") is not None and isinstance(t.get("TriggerTime"), int)
    }


def needs_trigger_times(candidates: Sequence[dict[str, Any]], lookup: _Lookup, type_field: str) -> bool:
    """Whether the scheduling time must pick among the candidates: asked for (an explicit time, a sub-daily run),
    or several scheduled (`Normal`) instances of the date, as an hourly workflow has. One scheduled instance and
    its backfills (or several backfills) are chosen by `latest` instead."""
    scheduled = [i for i in candidates if i.get(type_field, "Normal") == "Normal"]
    return lookup.needs_scheduling_time or len(scheduled) > 1


def latest(candidates: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The instance of the data date whose result counts: the one started last, else (none started) the one
    created last; a backfill run after the scheduled instance supersedes it."""
    if not candidates:
        return None
    started = [i for i in candidates if i.get("StartedTime")]
    pool = started or list(candidates)
    key = "StartedTime" if started else "CreateTime"
    return max(pool, key=lambda i: (int(i.get(key) or 0), int(i["Id"])))


def choose_by_scheduling_time(
    candidates: Sequence[dict[str, Any]],
    trigger_times: dict[int, int],
    lookup: WorkflowInstanceLookup | TaskInstanceLookup,
) -> dict[str, Any] | None:
    """Pick the candidate scheduled at `scheduled_time` (else at the run's due time).

    None while that instance may still appear (DataWorks creates each at its scheduling time); a configuration
    error when the choice cannot be made, naming the ids and their scheduling times.
    """
    wanted = lookup.scheduled_time if lookup.scheduled_time is not None else lookup.due_time
    matching = [i for i in candidates if wanted is not None and trigger_times.get(int(i["Id"])) == wanted]
    if len(matching) == 1:
        return matching[0]
    scheduled = [i for i in candidates if i.get("Type", i.get("WorkflowInstanceType", "Normal")) == "Normal"]
    known = [t for t in (trigger_times.get(int(i["Id"])) for i in scheduled) if t is not None]
    if not matching and wanted is not None and (not known or wanted > max(known)):  # it may still appear
        log.info("No instance of %s scheduled at %s yet.", lookup.describe(), format_epoch_ms(wanted, lookup.zone))
        return None
    zone = lookup.zone
    listed = ", ".join(
        f"{i['Id']} (scheduled {format_epoch_ms(trigger_times.get(int(i['Id'])), zone)})" for i in candidates
    )
    target = f"none is scheduled at {format_epoch_ms(wanted, zone)}" if not matching else "several share that time"
    raise DataWorksConfigError(
        f"{lookup.describe()} has {len(candidates)} instances ({listed}) and {target}; pass scheduled_time "
        f"(the instance's scheduling time) or {lookup.id_argument} to choose one."
    )
