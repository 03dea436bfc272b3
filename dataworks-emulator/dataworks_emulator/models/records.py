"""The emulator's records: workflows, workflow and task instances with status timelines, operations, calls.

Status timelines: an instance walks through ``statuses``. With ``advance="reads"`` the n-th Get read returns
``statuses[n]`` (the last one sticks); other views (List, task instances, the Python API) show the status last
returned by a read (the first one before any read). With ``advance`` a number of seconds, the status is
``statuses[min(int(elapsed / advance), len - 1)]``, ``elapsed`` counting on the emulator clock from the
timeline's origin (when the instance was added, created, scheduled or rerun). A stopped instance is ``Failure``.
A scheduled instance generated ahead of its scheduling time is ``NotRun`` until then; its timeline starts then.

The status vocabulary is DataWorks' own (``GetWorkflowInstance``), written out here: the emulator is a model of
DataWorks, independent of the provider's code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Advance = Literal["reads"] | float

WORKFLOW_INSTANCE_STATUSES = (
    "NotRun",
    "Running",
    "WaitTime",
    "CheckingCondition",
    "WaitResource",
    "Checking",
    "Success",
    "Failure",
)
TERMINAL_STATUSES = frozenset({"Success", "Failure"})
TASK_INSTANCE_STATUSES = (*WORKFLOW_INSTANCE_STATUSES, "WaitTrigger")
INSTANCE_TYPES = ("Normal", "Manual", "SmokeTest", "SupplementData", "ManualWorkflow", "TriggerWorkflow")
ENV_TYPES = ("Prod", "Dev")
CREATE_RESULTS = ("Created", "CreateFailure")
DEFAULT_RERUN_STATUSES = ("Running", "Success")
#: A node's TaskType unless its spec says otherwise.
DEFAULT_TASK_TYPE = "ODPS_SQL"
NOT_STARTED = frozenset({"NotRun", "WaitTime", "WaitResource", "WaitTrigger"})


def check_timeline(
    statuses: Sequence[str], advance: Advance, allowed: Sequence[str] = WORKFLOW_INSTANCE_STATUSES
) -> tuple[str, ...]:
    """Validate a status timeline and return it as a tuple."""
    if isinstance(statuses, str) or not statuses:
        raise ValueError("statuses must be a non-empty list of instance statuses.")
    for status in statuses:
        if status not in allowed:
            raise ValueError(f"Unknown status {status!r}; expected one of {', '.join(allowed)}.")
    if advance != "reads" and (isinstance(advance, bool) or not isinstance(advance, (int, float)) or advance <= 0):
        raise ValueError(f"advance must be 'reads' or a positive number of seconds, got {advance!r}.")
    return tuple(statuses)


def check_delay(seconds: float) -> float:
    """Validate a creation delay: a non-negative number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"creation_delay must be a non-negative number of seconds, got {seconds!r}.")
    return float(seconds)


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ValueError naming ``name``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def check_tags(tags: Iterable[Mapping[str, str]] | None) -> list[dict[str, str]]:
    """Validate ``[{"Key": ..., "Value": ...}]`` tags (lower-case keys accepted) and return wire dicts."""
    if tags is not None and not isinstance(tags, (list, tuple)):
        raise ValueError(f"Tags must be a list of {{Key, Value}} mappings, got {tags!r}.")
    result = []
    for tag in tags or ():
        if not isinstance(tag, Mapping):
            raise ValueError(f"Each tag must be a mapping with Key and Value, got {tag!r}.")
        key, value = tag.get("Key", tag.get("key")), tag.get("Value", tag.get("value", ""))
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"Each tag needs a string Key and Value, got {tag!r}.")
        result.append({"Key": key, "Value": value})
    return result


@dataclass
class Timeline:
    """A status timeline with its read counter and origin (emulator epoch seconds)."""

    statuses: tuple[str, ...]
    advance: Advance
    origin: float
    reads: int = 0

    def index(self, now: float, *, read: bool) -> int:
        """Return the timeline index for a read (advancing a "reads" timeline) or for a passive view."""
        last = len(self.statuses) - 1
        if self.advance == "reads":
            index = min(self.reads if read else max(self.reads - 1, 0), last)
            if read:
                self.reads += 1
            return index
        return max(0, min(int((now - self.origin) / self.advance), last))

    def reached_ms(self, index: int, matches: Any, now: float) -> int:
        """Return when the first status matching ``matches`` up to ``index`` was reached (exact for timed ones)."""
        first = next(i for i in range(index + 1) if matches(self.statuses[i]))
        if first == 0:
            return round(self.origin * 1000)
        if self.advance == "reads":
            return int(now * 1000)
        return round(self.origin * 1000) + round(first * self.advance * 1000)


@dataclass(frozen=True)
class TaskSpec:
    """A task (node): id, name, forced final status, log text, optionally its own status timeline, its type."""

    task_id: int
    name: str
    status: str | None = None
    log: str | None = None
    statuses: tuple[str, ...] | None = None
    advance: Advance = "reads"
    type: str = DEFAULT_TASK_TYPE


@dataclass
class TaskInstanceRecord:
    """A task instance of one workflow instance; ``final`` overrides the spec's status after a rerun."""

    id: int
    spec: TaskSpec
    workflow_instance_id: int
    run_number: int = 1
    final: str | None = None
    pinned: str | None = None
    timeline: Timeline | None = None


@dataclass
class WorkflowInstanceRecord:
    """A workflow instance: its wire fields' sources plus the status timeline, scheduling time and stop flag."""

    id: int
    workflow_id: int
    workflow_name: str
    workflow_task_instance_id: int
    name: str
    type: str
    biz_date: int
    project_id: int
    env_type: str
    owner: str
    workflow_parameters: str
    tags: list[dict[str, str]]
    timeline: Timeline
    rerun_statuses: tuple[str, ...]
    created_ms: int
    trigger_ms: int
    appear_ms: int | None = None
    runs_from_ms: int | None = None
    tasks: list[TaskInstanceRecord] = field(default_factory=list)
    stopped: bool = False
    started_ms: int | None = None
    finished_ms: int | None = None

    def visible(self, now: float) -> bool:
        """Return whether the instance exists yet on the emulator clock (scheduled ones appear at trigger time)."""
        return self.appear_ms is None or now * 1000 >= self.appear_ms

    def waiting_for_schedule(self, now: float) -> bool:
        """Whether a generated scheduled instance still waits for its scheduling time (and shows ``NotRun``)."""
        return self.runs_from_ms is not None and now * 1000 < self.runs_from_ms

    def status(self, now: float, *, read: bool = False) -> str:
        """Return the current status, recording the start and finish times the first time they are seen."""
        if self.waiting_for_schedule(now):
            return "Failure" if self.stopped else "NotRun"
        index = self.timeline.index(now, read=read)
        if self.stopped:
            return "Failure"
        status = self.timeline.statuses[index]
        if self.started_ms is None and status not in NOT_STARTED:
            self.started_ms = self.timeline.reached_ms(index, lambda s: s not in NOT_STARTED, now)
        if self.finished_ms is None and status in TERMINAL_STATUSES:
            self.finished_ms = self.timeline.reached_ms(index, lambda s: s in TERMINAL_STATUSES, now)
        return status

    def restart(self, statuses: tuple[str, ...], advance: Advance, now: float) -> None:
        """Start a new run of the same instance (a rerun): new timeline, no stop, no start or finish yet."""
        self.timeline = Timeline(statuses, advance, now)
        self.stopped = False
        self.started_ms = self.finished_ms = None

    def to_wire(self, status: str) -> dict[str, Any]:
        """Return the WorkflowInstance JSON object for the given current status."""
        started = self.started_ms if status not in NOT_STARTED else None
        finished = self.finished_ms if status in TERMINAL_STATUSES else None
        return {
            "Id": self.id,
            "WorkflowId": self.workflow_id,
            "WorkflowTaskInstanceId": self.workflow_task_instance_id,
            "UnifiedWorkflowInstanceId": self.id,
            "Name": self.name,
            "Type": self.type,
            "Status": status,
            "BizDate": self.biz_date,
            "StartedTime": started,
            "FinishedTime": finished,
            "ProjectId": self.project_id,
            "EnvType": self.env_type,
            "Owner": self.owner,
            "CreateTime": self.created_ms,
            "ModifyTime": finished or started or self.created_ms,
            "CreateUser": self.owner,
            "ModifyUser": self.owner,
            "WorkflowParameters": self.workflow_parameters,
            "Tags": [dict(tag) for tag in self.tags],
        }


@dataclass
class WorkflowRecord:
    """A workflow definition that CreateWorkflowInstances can start."""

    id: int
    project_id: int
    name: str
    statuses: tuple[str, ...]
    advance: Advance
    tasks: tuple[TaskSpec, ...]
    creating_reads: int
    create_result: str
    failure_message: str
    rerun_statuses: tuple[str, ...] = DEFAULT_RERUN_STATUSES
    creation_delay: float | None = None


@dataclass
class CreateOperation:
    """An asynchronous CreateWorkflowInstances operation; its instances exist only from ``ready_at`` on.

    Until then the operation is ``Creating`` and List/Get do not show its instances, as in DataWorks, which
    creates them in the background after accepting the request.
    """

    id: str
    workflow: WorkflowRecord
    instance_ids: list[int]
    ready_at: float
    reads: int = 0


@dataclass
class RerunOperation:
    """An asynchronous RerunWorkflowInstances operation, decided on its second result read."""

    id: str
    instance_ids: list[int]
    task_statuses: tuple[str, ...] | None
    reads: int = 0
    result: dict[str, str] | None = None


@dataclass(frozen=True)
class RecordedCall:
    """One request the emulator received, including rejected ones (``status`` 0: no HTTP response sent)."""

    action: str
    params: dict[str, str]
    status: int
    code: str | None
    access_key_id: str | None
    fault: str | None
    timestamp: float
