"""The emulator's thread-safe world: workflow and task instances with status timelines, workflows, operations.

Tests mutate the world from their own thread while request handlers run on the server loop's thread, so every
public method takes the single ``threading.Lock``.

Status timelines: an instance walks through ``statuses``. With ``advance="reads"`` the n-th
GetWorkflowInstance read returns ``statuses[n]`` (the last one sticks); other views (ListWorkflowInstances,
task instances and the Python API) show the status last returned by a read (the first one before any read).
With ``advance`` a number of seconds, the status is ``statuses[min(int(elapsed / advance), len - 1)]``,
``elapsed`` counting from when the instance was added or created. A stopped instance is frozen at ``Failure``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_dataworks.status import (
    DATAWORKS_TZ,
    TERMINAL_STATUSES,
    WorkflowInstanceStatus,
    biz_date_to_epoch_ms,
)

if TYPE_CHECKING:
    from airflow_provider_dataworks.emulator.faults import Fault
    from airflow_provider_dataworks.emulator.signing import Credential

Advance = Literal["reads"] | float

WORKFLOW_INSTANCE_STATUSES = tuple(status.value for status in WorkflowInstanceStatus)
TASK_INSTANCE_STATUSES = (*WORKFLOW_INSTANCE_STATUSES, "WaitTrigger")
INSTANCE_TYPES = ("Normal", "Manual", "SmokeTest", "SupplementData", "ManualWorkflow", "TriggerWorkflow")
ENV_TYPES = ("Prod", "Dev")
CREATE_RESULTS = ("Created", "CreateFailure")
TASK_TYPE = "ODPS_SQL"
RESOURCE_GROUP = "S_res_group_emulator"
_NOT_STARTED = frozenset({"NotRun", "WaitTime", "WaitResource"})
_DAY_MS = 86_400_000


def now_ms() -> int:
    """Return the wall-clock time in epoch milliseconds."""
    return int(time.time() * 1000)


def to_biz_date_ms(value: str | int | date) -> int:
    """Convert ``"YYYY-MM-DD"`` (00:00 UTC+8), a date, or epoch milliseconds to epoch milliseconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"biz_date must not be negative, got {value}.")
    try:
        return biz_date_to_epoch_ms(value)
    except TypeError as err:
        raise ValueError(str(err)) from None


def biz_day(ms: int) -> date:
    """Return the calendar date (in UTC+8, DataWorks' home time zone) of an epoch-milliseconds timestamp."""
    return datetime.fromtimestamp(ms / 1000, DATAWORKS_TZ).date()


def default_biz_date_ms() -> int:
    """Return yesterday 00:00 UTC+8, DataWorks' default business date."""
    return to_biz_date_ms(datetime.now(DATAWORKS_TZ).date() - timedelta(days=1))


def _check_timeline(statuses: Sequence[str], advance: Advance) -> tuple[str, ...]:
    """Validate a status timeline and return it as a tuple."""
    if isinstance(statuses, str) or not statuses:
        raise ValueError("statuses must be a non-empty list of workflow instance statuses.")
    for status in statuses:
        if status not in WORKFLOW_INSTANCE_STATUSES:
            raise ValueError(f"Unknown status {status!r}; expected one of {', '.join(WORKFLOW_INSTANCE_STATUSES)}.")
    if advance != "reads" and (isinstance(advance, bool) or not isinstance(advance, (int, float)) or advance <= 0):
        raise ValueError(f"advance must be 'reads' or a positive number of seconds, got {advance!r}.")
    return tuple(statuses)


def _check_choice(name: str, value: str, choices: Sequence[str]) -> str:
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


@dataclass(frozen=True)
class TaskSpec:
    """A task (node) of a workflow: name, forced final status and log text (defaults derived when None)."""

    task_id: int
    name: str
    status: str | None = None
    log: str | None = None


@dataclass
class TaskInstanceRecord:
    """A task instance belonging to one workflow instance."""

    id: int
    spec: TaskSpec
    workflow_instance_id: int


@dataclass
class WorkflowInstanceRecord:
    """A workflow instance: its 19 wire fields' sources plus the status timeline and stop flag."""

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
    statuses: tuple[str, ...]
    advance: Advance
    created_ms: int
    origin: float
    tasks: list[TaskInstanceRecord] = field(default_factory=list)
    reads: int = 0
    stopped: bool = False
    started_ms: int | None = None
    finished_ms: int | None = None

    def status_index(self, now: float, *, read: bool) -> int:
        """Return the timeline index for a read (advancing a "reads" timeline) or for a passive view."""
        last = len(self.statuses) - 1
        if self.advance == "reads":
            index = min(self.reads if read else max(self.reads - 1, 0), last)
            if read:
                self.reads += 1
            return index
        return min(int((now - self.origin) / self.advance), last)

    def status(self, now: float, *, read: bool = False) -> str:
        """Return the current status, recording the start and finish times the first time they are seen."""
        index = self.status_index(now, read=read)
        if self.stopped:
            return "Failure"
        status = self.statuses[index]
        if self.started_ms is None and status not in _NOT_STARTED:
            self.started_ms = self._first_seen_ms(index, lambda s: s not in _NOT_STARTED)
        if self.finished_ms is None and status in TERMINAL_STATUSES:
            self.finished_ms = self._first_seen_ms(index, lambda s: s in TERMINAL_STATUSES)
        return status

    def _first_seen_ms(self, index: int, matches: Callable[[str], bool]) -> int:
        """Return when the first matching status up to ``index`` was reached (exact for time timelines)."""
        first = next(i for i in range(index + 1) if matches(self.statuses[i]))
        if first == 0:
            return self.created_ms
        if self.advance == "reads":
            return now_ms()
        return self.created_ms + int(first * self.advance * 1000)

    def to_wire(self, status: str) -> dict[str, Any]:
        """Return the WorkflowInstance JSON object for the given current status."""
        started = self.started_ms if status not in _NOT_STARTED else None
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


@dataclass
class CreateOperation:
    """An asynchronous CreateWorkflowInstances operation; its instances appear when first read as Created."""

    id: str
    workflow: WorkflowRecord
    name: str
    type: str
    env_type: str
    biz_dates: list[int]
    workflow_parameters: str
    tags: list[dict[str, str]]
    auto_start: bool
    reads: int = 0
    instance_ids: list[int] | None = None


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


class EmulatorState:
    """All mutable emulator data behind one lock; action handlers and the Python API both go through it."""

    def __init__(self, *, project_id: int, credentials: Mapping[str, Credential]) -> None:
        self.project_id = project_id
        self.credentials = dict(credentials)
        self._lock = threading.Lock()
        self._instances: dict[int, WorkflowInstanceRecord] = {}
        self._task_instances: dict[int, TaskInstanceRecord] = {}
        self._workflows: dict[int, WorkflowRecord] = {}
        self._operations: dict[str, CreateOperation] = {}
        self._faults: list[Fault] = []
        self._calls: list[RecordedCall] = []
        self._next_instance_id = 1000
        self._next_task_instance_id = 50000
        self._next_task_id = 70000

    # ----- world set-up (Python API) -----

    def add_workflow_instance(
        self,
        *,
        id: int | None = None,
        workflow_id: int = 1,
        name: str | None = None,
        project_id: int | None = None,
        biz_date: str | int | date | None = None,
        type: str = "Normal",
        env_type: str = "Prod",
        statuses: Sequence[str] = ("Running", "Success"),
        advance: Advance = "reads",
        owner: str = "1000",
        workflow_parameters: str = "",
        tags: Iterable[Mapping[str, str]] | None = None,
        tasks: Iterable[Mapping[str, Any]] | None = None,
    ) -> int:
        """Add a workflow instance whose timeline starts now; return its id."""
        timeline = _check_timeline(statuses, advance)
        _check_choice("type", type, INSTANCE_TYPES)
        _check_choice("env_type", env_type, ENV_TYPES)
        biz_ms = default_biz_date_ms() if biz_date is None else to_biz_date_ms(biz_date)
        wire_tags = check_tags(tags)
        with self._lock:
            specs = self._task_specs(tasks or ())
            if id is not None and id in self._instances:
                raise ValueError(f"A workflow instance with id {id} already exists.")
            workflow = self._workflows.get(workflow_id)
            record = self._new_instance(
                instance_id=id,
                workflow_id=workflow_id,
                workflow_name=workflow.name if workflow else (name or f"workflow_{workflow_id}"),
                name=name,
                type=type,
                biz_date=biz_ms,
                project_id=self.project_id if project_id is None else project_id,
                env_type=env_type,
                owner=owner,
                workflow_parameters=workflow_parameters,
                tags=wire_tags,
                statuses=timeline,
                advance=advance,
                specs=specs,
            )
            return record.id

    def add_workflow(
        self,
        *,
        id: int,
        name: str,
        project_id: int | None = None,
        statuses: Sequence[str] = ("Running", "Success"),
        advance: Advance = "reads",
        tasks: Iterable[Mapping[str, Any]] = (),
        creating_reads: int = 1,
        create_result: str = "Created",
        failure_message: str | None = None,
    ) -> int:
        """Add a workflow definition that CreateWorkflowInstances can start; return its id."""
        timeline = _check_timeline(statuses, advance)
        _check_choice("create_result", create_result, CREATE_RESULTS)
        if isinstance(creating_reads, bool) or not isinstance(creating_reads, int) or creating_reads < 0:
            raise ValueError(f"creating_reads must be a non-negative integer, got {creating_reads!r}.")
        if isinstance(id, bool) or not isinstance(id, int):
            raise ValueError(f"A workflow id must be an integer, got {id!r}.")
        with self._lock:
            if id in self._workflows:
                raise ValueError(f"A workflow with id {id} already exists.")
            self._workflows[id] = WorkflowRecord(
                id=id,
                project_id=self.project_id if project_id is None else project_id,
                name=name,
                statuses=timeline,
                advance=advance,
                tasks=tuple(self._task_specs(tasks)),
                creating_reads=creating_reads,
                create_result=create_result,
                failure_message=failure_message or "The workflow instances could not be created.",
            )
            return id

    def _task_specs(self, tasks: Iterable[Mapping[str, Any]]) -> list[TaskSpec]:
        """Validate task dicts ``{name, status?, log?}`` and give each a new task (node) id."""
        specs = []
        for task in tasks:
            if not isinstance(task, Mapping) or not isinstance(task.get("name"), str):
                raise ValueError(f"Each task must be a mapping with a string 'name', got {task!r}.")
            unknown = set(task) - {"name", "status", "log"}
            if unknown:
                raise ValueError(f"Unknown task key {sorted(unknown)[0]!r}; expected name, status, log.")
            status = task.get("status")
            if status is not None:
                _check_choice("task status", status, TASK_INSTANCE_STATUSES)
            log = task.get("log")
            if log is not None and not isinstance(log, str):
                raise ValueError(f"A task log must be a string, got {log!r}.")
            specs.append(TaskSpec(self._next_task_id, task["name"], status, log))
            self._next_task_id += 1
        return specs

    def _new_instance(
        self,
        *,
        instance_id: int | None,
        workflow_id: int,
        workflow_name: str,
        name: str | None,
        type: str,
        biz_date: int,
        project_id: int,
        env_type: str,
        owner: str,
        workflow_parameters: str,
        tags: list[dict[str, str]],
        statuses: tuple[str, ...],
        advance: Advance,
        specs: Iterable[TaskSpec],
    ) -> WorkflowInstanceRecord:
        """Create and store an instance with its task instances (caller holds the lock)."""
        if instance_id is None:
            instance_id = self._next_instance_id
        self._next_instance_id = max(self._next_instance_id, instance_id + 1)
        record = WorkflowInstanceRecord(
            id=instance_id,
            workflow_id=workflow_id,
            workflow_name=workflow_name,
            workflow_task_instance_id=self._allocate_task_instance_id(),
            name=name or f"workflow_instance_{instance_id}",
            type=type,
            biz_date=biz_date,
            project_id=project_id,
            env_type=env_type,
            owner=owner,
            workflow_parameters=workflow_parameters,
            tags=tags,
            statuses=statuses,
            advance=advance,
            created_ms=now_ms(),
            origin=time.monotonic(),
        )
        for spec in specs:
            task = TaskInstanceRecord(self._allocate_task_instance_id(), spec, instance_id)
            record.tasks.append(task)
            self._task_instances[task.id] = task
        self._instances[instance_id] = record
        return record

    def _allocate_task_instance_id(self) -> int:
        """Return the next task instance id (caller holds the lock)."""
        self._next_task_instance_id += 1
        return self._next_task_instance_id - 1

    # ----- faults and call recording -----

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault (FIFO with the other queued faults)."""
        with self._lock:
            self._faults.append(fault)

    def take_fault(self, action: str) -> Fault | None:
        """Consume one use of the first queued fault matching ``action`` (or ``"*"``), if any."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.action in (action, "*"):
                    fault.times -= 1
                    if fault.times <= 0:
                        del self._faults[index]
                    return fault
            return None

    def record(self, call: RecordedCall) -> None:
        """Append a received request to the call log."""
        with self._lock:
            self._calls.append(call)

    def calls(self, action: str | None = None) -> list[RecordedCall]:
        """Return recorded calls in arrival order, optionally only those of one action."""
        with self._lock:
            return [call for call in self._calls if action is None or call.action == action]

    def reset_calls(self) -> None:
        """Forget all recorded calls."""
        with self._lock:
            self._calls.clear()

    # ----- workflow instances -----

    def workflow_instance(self, instance_id: int, *, read: bool = False) -> dict[str, Any] | None:
        """Return an instance's wire dict (a ``read`` advances a "reads" timeline), None if unknown."""
        with self._lock:
            record = self._instances.get(instance_id)
            if record is None:
                return None
            return record.to_wire(record.status(time.monotonic(), read=read))

    def is_stopped(self, instance_id: int) -> bool:
        """Return whether StopWorkflowInstances stopped the instance (KeyError if unknown)."""
        with self._lock:
            return self._instances[instance_id].stopped

    def workflow_instances(self) -> list[dict[str, Any]]:
        """Return the wire dicts of all instances without advancing any timeline."""
        now = time.monotonic()
        with self._lock:
            return [record.to_wire(record.status(now)) for record in self._instances.values()]

    def stop_workflow_instance(self, instance_id: int) -> tuple[bool, str]:
        """Stop an instance unless it is unknown or finished; return (success, message) as the API does."""
        with self._lock:
            record = self._instances.get(instance_id)
            if record is None:
                return False, "The instance does not exist."
            status = record.status(time.monotonic())
            if status in TERMINAL_STATUSES:
                return False, f"The instance has already finished with status {status}."
            record.stopped = True
            record.started_ms = record.started_ms or now_ms()
            record.finished_ms = now_ms()
            return True, ""

    # ----- task instances -----

    def task_instance(self, task_instance_id: int) -> dict[str, Any] | None:
        """Return a task instance's wire dict, None if unknown."""
        with self._lock:
            task = self._task_instances.get(task_instance_id)
            return None if task is None else self._task_wire(task, time.monotonic())

    def task_instances(self, workflow_instance_id: int | None = None) -> list[dict[str, Any]]:
        """Return task instance wire dicts, all or those of one workflow instance."""
        now = time.monotonic()
        with self._lock:
            return [
                self._task_wire(task, now)
                for task in self._task_instances.values()
                if workflow_instance_id is None or task.workflow_instance_id == workflow_instance_id
            ]

    def task_instance_log(self, task_instance_id: int) -> str | None:
        """Return a task instance's log text for its current status, None if unknown."""
        with self._lock:
            task = self._task_instances.get(task_instance_id)
            if task is None:
                return None
            wire = self._task_wire(task, time.monotonic())
            return task.spec.log if task.spec.log is not None else _default_log(wire)

    def _task_wire(self, task: TaskInstanceRecord, now: float) -> dict[str, Any]:
        """Build a TaskInstance JSON object from its workflow instance's state (caller holds the lock)."""
        instance = self._instances[task.workflow_instance_id]
        instance_status = instance.status(now)
        if instance_status in TERMINAL_STATUSES:
            default = "Failure" if instance.stopped else "Success"
            status = task.spec.status or default
        else:
            status = "Running" if instance_status == "Running" else "NotRun"
        started = instance.started_ms if status != "NotRun" else None
        finished = instance.finished_ms if status in TERMINAL_STATUSES else None
        scheduled = instance.type == "Normal"
        return {
            "Id": task.id,
            "TaskId": task.spec.task_id,
            "TaskName": task.spec.name,
            "TaskType": TASK_TYPE,
            "Status": status,
            "WorkflowId": instance.workflow_id,
            "WorkflowName": instance.workflow_name,
            "WorkflowInstanceId": instance.id,
            "WorkflowInstanceType": instance.type,
            "UnifiedWorkflowInstanceId": instance.id,
            "Bizdate": instance.biz_date,
            "TriggerTime": instance.biz_date + _DAY_MS if scheduled else instance.created_ms,
            "TriggerType": "Scheduler" if scheduled else "Manual",
            "TriggerRecurrence": "Normal",
            "StartedTime": started,
            "FinishedTime": finished,
            "RunNumber": 1,
            "PeriodNumber": 1,
            "Owner": instance.owner,
            "ProjectId": instance.project_id,
            "ProjectEnv": instance.env_type,
            "Priority": 1,
            "Runtime": {"Gateway": "emulator-gateway", "ProcessId": f"T3_{task.id}"},
            "RuntimeResource": {"ResourceGroupId": RESOURCE_GROUP},
            "Tags": [],
            "CreateTime": instance.created_ms,
            "ModifyTime": finished or started or instance.created_ms,
            "CreateUser": instance.owner,
            "ModifyUser": instance.owner,
        }

    # ----- workflows and create operations -----

    def workflow(self, workflow_id: int) -> WorkflowRecord | None:
        """Return a workflow definition, None if unknown."""
        with self._lock:
            return self._workflows.get(workflow_id)

    def project_ids(self) -> list[int]:
        """Return the ids of all workspaces the world mentions, sorted."""
        with self._lock:
            ids = {self.project_id}
            ids.update(record.project_id for record in self._instances.values())
            ids.update(workflow.project_id for workflow in self._workflows.values())
            return sorted(ids)

    def start_create_operation(
        self,
        *,
        workflow: WorkflowRecord,
        name: str,
        type: str,
        env_type: str,
        biz_dates: list[int],
        workflow_parameters: str,
        tags: list[dict[str, str]],
        auto_start: bool,
    ) -> str:
        """Register a CreateWorkflowInstances operation and return its OperationId."""
        operation = CreateOperation(
            id=str(uuid.uuid4()),
            workflow=workflow,
            name=name,
            type=type,
            env_type=env_type,
            biz_dates=biz_dates,
            workflow_parameters=workflow_parameters,
            tags=tags,
            auto_start=auto_start,
        )
        with self._lock:
            self._operations[operation.id] = operation
        return operation.id

    def read_create_operation(self, operation_id: str) -> dict[str, Any] | None:
        """Advance and return an operation's Result (instances appear when Created), None if unknown."""
        with self._lock:
            operation = self._operations.get(operation_id)
            if operation is None:
                return None
            operation.reads += 1
            workflow = operation.workflow
            result: dict[str, Any] = {
                "Status": "Creating",
                "FailureMessage": "",
                "WorkflowInstanceIds": [],
                "UnifiedWorkflowInstanceIds": [],
                "WorkflowTaskInstanceIds": [],
            }
            if operation.reads <= workflow.creating_reads:
                return result
            if workflow.create_result == "CreateFailure":
                return {**result, "Status": "CreateFailure", "FailureMessage": workflow.failure_message}
            if operation.instance_ids is None:
                operation.instance_ids = [self._create_instance(operation, biz).id for biz in operation.biz_dates]
            records = [self._instances[instance_id] for instance_id in operation.instance_ids]
            return {
                **result,
                "Status": "Created",
                "WorkflowInstanceIds": [record.id for record in records],
                "UnifiedWorkflowInstanceIds": [record.id for record in records],
                "WorkflowTaskInstanceIds": [record.workflow_task_instance_id for record in records],
            }

    def _create_instance(self, operation: CreateOperation, biz_date: int) -> WorkflowInstanceRecord:
        """Make one instance of a Created operation (caller holds the lock)."""
        workflow = operation.workflow
        return self._new_instance(
            instance_id=None,
            workflow_id=workflow.id,
            workflow_name=workflow.name,
            name=operation.name,
            type=operation.type,
            biz_date=biz_date,
            project_id=workflow.project_id,
            env_type=operation.env_type,
            owner="1000",
            workflow_parameters=operation.workflow_parameters,
            tags=operation.tags,
            statuses=workflow.statuses if operation.auto_start else ("NotRun",),
            advance=workflow.advance,
            specs=workflow.tasks,
        )


def _default_log(task: Mapping[str, Any]) -> str:
    """Write a plausible ODPS SQL task log for a task instance wire dict in its current status."""
    stamp = datetime.fromtimestamp((task["StartedTime"] or task["CreateTime"]) / 1000, DATAWORKS_TZ)
    prefix = stamp.strftime("%Y-%m-%d %H:%M:%S")
    day = biz_day(task["Bizdate"]).isoformat()
    status = task["Status"]
    if status == "NotRun":
        return f"{prefix} INFO - Task instance {task['Id']} ({task['TaskName']}) has not started yet.\n"
    lines = [
        f"{prefix} INFO - Starting task {task['TaskName']} (task instance {task['Id']}, run 1) "
        f"on resource group {RESOURCE_GROUP}.",
        f"{prefix} INFO - Bizdate: {day}. Running ODPS SQL script.",
    ]
    if status == "Success":
        lines.append(f"{prefix} INFO - OK. Task finished successfully.")
    elif status == "Failure":
        lines += [
            f"{prefix} ERROR - FAILED: ODPS-0130071:[1,15] Semantic analysis exception - "
            "table or view not found - emulated failure",
            f"{prefix} ERROR - Task {task['TaskName']} failed with exit code 1.",
        ]
    return "\n".join(lines) + "\n"
