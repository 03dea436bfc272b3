"""The emulator's thread-safe world: instances, workflows, operations, scans, faults and calls, on an emulator clock.

Tests mutate the world from their own thread while request handlers run on the server loop's thread, so every
public method takes the single ``threading.Lock``. Timelines are described in ``records``, data-quality scans and
their runs in ``quality``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from dataworks_emulator.models.dates import (
    DEFAULT_TIMEZONE,
    biz_date_ms,
    day_of,
    expand_dates,
    midnight_ms,
    parse_hhmm,
    scheduling_times,
    to_datetime,
    yesterday_ms,
    zone,
)
from dataworks_emulator.models.quality import SCAN_RUN_STATUSES, ScanRecord, check_parameters
from dataworks_emulator.models.quality_log import run_log
from dataworks_emulator.models.quality_scans import QualityScans, RunFilter
from dataworks_emulator.models.records import (
    CREATE_RESULTS,
    DEFAULT_RERUN_STATUSES,
    DEFAULT_TASK_TYPE,
    ENV_TYPES,
    INSTANCE_TYPES,
    TASK_INSTANCE_STATUSES,
    TERMINAL_STATUSES,
    WORKFLOW_INSTANCE_STATUSES,
    Advance,
    CreateOperation,
    RecordedCall,
    RerunOperation,
    TaskInstanceRecord,
    TaskSpec,
    Timeline,
    WorkflowInstanceRecord,
    WorkflowRecord,
    check_choice,
    check_delay,
    check_tags,
    check_timeline,
)
from dataworks_emulator.models.tasks import default_log, task_wire
from dataworks_emulator.models.trigger_nodes import (
    TRIGGER_TASK_TYPE,
    TriggerNodes,
    check_specs,
    not_a_trigger_node,
    unknown_task,
)

if TYPE_CHECKING:
    from dataworks_emulator.faults import Fault
    from dataworks_emulator.signing import Credential

__all__ = [
    "ENV_TYPES",
    "INSTANCE_TYPES",
    "TASK_INSTANCE_STATUSES",
    "WORKFLOW_INSTANCE_STATUSES",
    "EmulatorState",
    "RecordedCall",
    "biz_day",
    "check_tags",
    "default_biz_date_ms",
    "to_biz_date_ms",
]

_DEFAULT_TZ = zone(DEFAULT_TIMEZONE)
#: Seconds between accepting a CreateWorkflowInstances and its instances existing (DataWorks creates them in the
#: background; the reference gives no figure, so the emulator is deliberately slow).
DEFAULT_CREATION_DELAY = 5.0
#: When DataWorks generates the next day's scheduled instances (T+1 generation), on the day before they run.
DEFAULT_GENERATION_TIME = "23:30"
#: Scheduled instances appear one by one at their own scheduling time instead (as after a late publication).
GENERATED_AT_SCHEDULING_TIME = "scheduling_time"
#: Ids start above 2^53, 19 digits as DataWorks issues them, so that no client may round them through a float.
FIRST_INSTANCE_ID = 7_205_759_403_792_794_000
FIRST_TASK_INSTANCE_ID = 8_106_479_329_266_893_000


def to_biz_date_ms(value: str | int | date, tz: tzinfo = _DEFAULT_TZ) -> int:
    """Convert a data date (``"YYYY-MM-DD"``, ``"YYYYMMDD"``, a date) to its BizDate in ``tz``; epoch ms stay."""
    return biz_date_ms(value, tz)


def biz_day(ms: int, tz: tzinfo = _DEFAULT_TZ) -> date:
    """Return the calendar date in ``tz`` (default Asia/Shanghai) of an epoch-milliseconds timestamp."""
    return day_of(ms, tz)


def default_biz_date_ms(tz: tzinfo = _DEFAULT_TZ) -> int:
    """Return yesterday 00:00 in ``tz``, DataWorks' default business date."""
    return yesterday_ms(datetime.now(tz), tz)


class EmulatorState:
    """All mutable emulator data behind one lock; action handlers and the Python API both go through it."""

    def __init__(
        self,
        *,
        project_id: int,
        credentials: Mapping[str, Credential],
        timezone: str = DEFAULT_TIMEZONE,
        creation_delay: float = DEFAULT_CREATION_DELAY,
    ) -> None:
        self.project_id = project_id
        self.creation_delay = check_delay(creation_delay)
        self.credentials = dict(credentials)
        self.timezone = timezone
        self.tz = zone(timezone)
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        """Empty the world and return the clock to real time."""
        self._clock_epoch = time.time()
        self._clock_mono = time.monotonic()
        self._instances: dict[int, WorkflowInstanceRecord] = {}
        self._task_instances: dict[int, TaskInstanceRecord] = {}
        self._workflows: dict[int, WorkflowRecord] = {}
        self._operations: dict[str, CreateOperation] = {}
        self._reruns: dict[str, RerunOperation] = {}
        self._faults: list[Fault] = []
        self._calls: list[RecordedCall] = []
        self._triggers = TriggerNodes()
        self._quality = QualityScans()
        self._next_instance_id = FIRST_INSTANCE_ID
        self._next_task_instance_id = FIRST_TASK_INSTANCE_ID
        self._next_task_id = 70000

    def clear(self) -> None:
        """Forget every instance, workflow, operation, scan, fault and call, and return the clock to real time."""
        with self._lock:
            self._clear()

    # ----- the emulator clock and dates -----

    def now(self) -> float:
        """Return the emulator's "now" in epoch seconds (real time unless ``set_clock`` moved it)."""
        return self._clock_epoch + (time.monotonic() - self._clock_mono)

    def now_datetime(self) -> datetime:
        """Return the emulator's "now" as an aware datetime in the emulator's time zone."""
        return datetime.fromtimestamp(self.now(), self.tz)

    def set_clock(self, when: str | int | datetime) -> None:
        """Make "now" ``when`` (aware datetime, ISO-8601 with offset, epoch ms) plus real time from here on."""
        moment = to_datetime(when, self.tz)
        with self._lock:
            self._clock_epoch = moment.timestamp()
            self._clock_mono = time.monotonic()

    def advance_clock(self, seconds: float) -> None:
        """Move "now" forward by ``seconds``."""
        with self._lock:
            self._clock_epoch += seconds

    def biz_date_ms(self, value: str | int | date) -> int:
        """Return the BizDate of a data date in the emulator's time zone (epoch ms stay as they are)."""
        return biz_date_ms(value, self.tz)

    def biz_day(self, ms: int) -> date:
        """Return the calendar date in the emulator's time zone of epoch milliseconds."""
        return day_of(ms, self.tz)

    def default_biz_date_ms(self) -> int:
        """Return the day before the emulator clock's day, DataWorks' default data date."""
        return yesterday_ms(self.now_datetime(), self.tz)

    def time_ms(self, value: str | int | datetime) -> int:
        """Return epoch ms of an aware datetime, ISO-8601 string with offset, or epoch ms."""
        return int(to_datetime(value, self.tz).timestamp() * 1000)

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
        rerun_statuses: Sequence[str] | None = None,
        trigger_time: str | int | datetime | None = None,
        appear_at_trigger_time: bool = False,
    ) -> int:
        """Add a workflow instance (its timeline starts now, or at its trigger time if it appears then)."""
        timeline = check_timeline(statuses, advance)
        reruns = self._rerun_statuses(rerun_statuses, workflow_id)
        check_choice("type", type, INSTANCE_TYPES)
        check_choice("env_type", env_type, ENV_TYPES)
        biz_ms = self.default_biz_date_ms() if biz_date is None else self.biz_date_ms(biz_date)
        wire_tags = check_tags(tags)
        now = self.now()
        if trigger_time is not None:
            trigger_ms = self.time_ms(trigger_time)
        elif type == "Normal":
            trigger_ms = midnight_ms(self.biz_day(biz_ms) + timedelta(days=1), self.tz)
        else:
            trigger_ms = int(now * 1000)
        with self._lock:
            workflow = self._workflows.get(workflow_id)
            # An instance of a known workflow runs that workflow's nodes unless tasks are given.
            specs = list(workflow.tasks) if tasks is None and workflow is not None else self._task_specs(tasks or ())
            if id is not None and id in self._instances:
                raise ValueError(f"A workflow instance with id {id} already exists.")
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
                rerun_statuses=reruns,
                start=trigger_ms / 1000 if appear_at_trigger_time else now,
                trigger_ms=trigger_ms,
                appear_ms=trigger_ms if appear_at_trigger_time else None,
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
        rerun_statuses: Sequence[str] = DEFAULT_RERUN_STATUSES,
        creation_delay: float | None = None,
    ) -> int:
        """Add a workflow definition that CreateWorkflowInstances can start; return its id.

        Its runs exist ``creation_delay`` seconds (default: the emulator's) after the create request, and their
        operation reads ``Creating`` until then and for at least ``creating_reads`` reads.
        """
        timeline = check_timeline(statuses, advance)
        reruns = check_timeline(rerun_statuses, advance)
        check_choice("create_result", create_result, CREATE_RESULTS)
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
                rerun_statuses=reruns,
                creation_delay=None if creation_delay is None else check_delay(creation_delay),
            )
            return id

    def add_scheduled_workflow(
        self,
        workflow_id: int,
        name: str,
        *,
        schedule: str = "daily",
        at: str = "00:30",
        biz_dates: Sequence[str | int | date] | str,
        statuses: Sequence[str] = ("Running", "Success"),
        advance: Advance = "reads",
        tasks: Iterable[Mapping[str, Any]] | None = None,
        project_id: int | None = None,
        env_type: str = "Prod",
        rerun_statuses: Sequence[str] = DEFAULT_RERUN_STATUSES,
        statuses_by_time: Mapping[str, Sequence[str]] | None = None,
        owner: str = "1000",
        generated_at: str = DEFAULT_GENERATION_TIME,
    ) -> list[int]:
        """Add a workflow the scheduler runs: one Normal instance per scheduling time of each data date.

        Data date D's instances are due on D+1 (daily: at ``at``; hourly: every hour at ``at``'s minute;
        ``minutes:N``: every N minutes from ``at``), each with its own scheduling time, which its task instances
        carry as TriggerTime. All of a day's instances appear at ``generated_at`` ("HH:MM") on D, DataWorks'
        T+1 generation, and wait ``NotRun`` until their scheduling time starts their timeline; with
        ``generated_at="scheduling_time"`` each appears only at its scheduling time. ``statuses_by_time``
        overrides the timeline for ``"HH:MM"`` (scheduling time), ``"YYYY-MM-DD"`` (data date) or
        ``"YYYY-MM-DD HH:MM"``.
        """
        timeline = check_timeline(statuses, advance)
        reruns = check_timeline(rerun_statuses, advance)
        check_choice("env_type", env_type, ENV_TYPES)
        times = scheduling_times(schedule, at)
        generation = None if generated_at == GENERATED_AT_SCHEDULING_TIME else parse_hhmm(generated_at)
        days = [self.biz_day(self.biz_date_ms(value)) for value in expand_dates(biz_dates)]
        overrides = {key: check_timeline(value, advance) for key, value in (statuses_by_time or {}).items()}
        project = self.project_id if project_id is None else project_id
        with self._lock:
            if workflow_id in self._workflows:
                raise ValueError(f"A workflow with id {workflow_id} already exists.")
            specs = tuple(self._task_specs(tasks if tasks is not None else [{"name": name}]))
            if not specs:
                raise ValueError("A scheduled workflow needs at least one task.")
            self._workflows[workflow_id] = WorkflowRecord(
                id=workflow_id,
                project_id=project,
                name=name,
                statuses=timeline,
                advance=advance,
                tasks=specs,
                creating_reads=1,
                create_result="Created",
                failure_message="The workflow instances could not be created.",
                rerun_statuses=reruns,
            )
            ids = []
            for day in days:
                for hour, minute in times:
                    trigger = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
                    trigger += timedelta(days=1)
                    key = f"{hour:02d}:{minute:02d}"
                    chosen = overrides.get(f"{day} {key}") or overrides.get(day.isoformat()) or overrides.get(key)
                    trigger_ms = int(trigger.timestamp() * 1000)
                    appear_ms = trigger_ms
                    if generation is not None:
                        generated = datetime(day.year, day.month, day.day, *generation, tzinfo=self.tz)
                        appear_ms = min(trigger_ms, int(generated.timestamp() * 1000))
                    record = self._new_instance(
                        instance_id=None,
                        workflow_id=workflow_id,
                        workflow_name=name,
                        name=name,
                        type="Normal",
                        biz_date=midnight_ms(day, self.tz),
                        project_id=project,
                        env_type=env_type,
                        owner=owner,
                        workflow_parameters="",
                        tags=[],
                        statuses=chosen or timeline,
                        advance=advance,
                        specs=specs,
                        rerun_statuses=reruns,
                        start=trigger_ms / 1000,
                        trigger_ms=trigger_ms,
                        appear_ms=appear_ms,
                        created=appear_ms / 1000,
                        runs_from_ms=trigger_ms if appear_ms < trigger_ms else None,
                    )
                    ids.append(record.id)
            return ids

    def _rerun_statuses(self, rerun_statuses: Sequence[str] | None, workflow_id: int) -> tuple[str, ...]:
        """Return an instance's rerun timeline: given, else its workflow's, else Running -> Success."""
        if rerun_statuses is not None:
            return check_timeline(rerun_statuses, "reads")
        with self._lock:
            workflow = self._workflows.get(workflow_id)
        return workflow.rerun_statuses if workflow else DEFAULT_RERUN_STATUSES

    def _task_specs(self, tasks: Iterable[Mapping[str, Any]]) -> list[TaskSpec]:
        """Validate task dicts ``{name, task_id?, status?, statuses?, advance?, log?, type?}`` (caller holds lock)."""
        specs = []
        for task in tasks:
            if not isinstance(task, Mapping) or not isinstance(task.get("name"), str):
                raise ValueError(f"Each task must be a mapping with a string 'name', got {task!r}.")
            unknown = set(task) - {"name", "task_id", "status", "statuses", "advance", "log", "type"}
            if unknown:
                raise ValueError(
                    f"Unknown task key {sorted(unknown)[0]!r}; "
                    "expected name, task_id, status, statuses, advance, log, type."
                )
            task_type = task.get("type", DEFAULT_TASK_TYPE)
            if not isinstance(task_type, str) or not task_type:
                raise ValueError(f"A task type must be a non-empty string, got {task_type!r}.")
            status = task.get("status")
            if status is not None:
                check_choice("task status", status, TASK_INSTANCE_STATUSES)
            advance = task.get("advance", "reads")
            statuses = task.get("statuses")
            timeline = None if statuses is None else check_timeline(statuses, advance, TASK_INSTANCE_STATUSES)
            log = task.get("log")
            if log is not None and not isinstance(log, str):
                raise ValueError(f"A task log must be a string, got {log!r}.")
            task_id = task.get("task_id")
            if task_id is None:
                task_id = self._next_task_id
                self._next_task_id += 1
            elif isinstance(task_id, bool) or not isinstance(task_id, int) or task_id < 1:
                raise ValueError(f"A task_id must be a positive integer, got {task_id!r}.")
            specs.append(TaskSpec(task_id, task["name"], status, log, timeline, advance, task_type))
        check_specs(specs)
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
        rerun_statuses: tuple[str, ...],
        start: float,
        trigger_ms: int,
        appear_ms: int | None,
        created: float | None = None,
        runs_from_ms: int | None = None,
    ) -> WorkflowInstanceRecord:
        """Create and store an instance with its task instances (caller holds the lock).

        ``start`` is its timeline's origin; ``created`` its CreateTime when it exists before it starts.
        """
        if instance_id is None:
            instance_id = self._next_instance_id
        self._next_instance_id = max(self._next_instance_id, instance_id + 1)
        created_ms = int((start if created is None else created) * 1000)
        origin = int(start * 1000) / 1000
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
            timeline=Timeline(statuses, advance, origin),
            rerun_statuses=rerun_statuses,
            created_ms=created_ms,
            trigger_ms=trigger_ms,
            appear_ms=appear_ms,
            runs_from_ms=runs_from_ms,
        )
        for spec in specs:
            task = TaskInstanceRecord(self._allocate_task_instance_id(), spec, instance_id)
            if spec.statuses is not None:
                task.timeline = Timeline(spec.statuses, spec.advance, origin)
            record.tasks.append(task)
            self._task_instances[task.id] = task
        if type == "Normal":
            self._triggers.register(record)
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

    def _visible_instance(self, instance_id: int, now: float) -> WorkflowInstanceRecord | None:
        """Return an instance that exists on the emulator clock (caller holds the lock)."""
        record = self._instances.get(instance_id)
        return record if record is not None and record.visible(now) else None

    def workflow_instance(self, instance_id: int, *, read: bool = False) -> dict[str, Any] | None:
        """Return an instance's wire dict (a ``read`` advances a "reads" timeline), None if unknown or not yet due."""
        now = self.now()
        with self._lock:
            record = self._visible_instance(instance_id, now)
            if record is not None:
                self._triggers.settle(record, now)
            return None if record is None else record.to_wire(record.status(now, read=read))

    def is_stopped(self, instance_id: int) -> bool:
        """Return whether StopWorkflowInstances stopped the instance (KeyError if unknown)."""
        with self._lock:
            return self._instances[instance_id].stopped

    def workflow_instances(self) -> list[dict[str, Any]]:
        """Return the wire dicts of all existing instances without advancing any timeline."""
        now = self.now()
        with self._lock:
            return [record.to_wire(record.status(now)) for record in self._instances.values() if record.visible(now)]

    def stop_workflow_instance(self, instance_id: int) -> tuple[bool, str]:
        """Stop an instance unless it is unknown or finished; return (success, message) as the API does."""
        now = self.now()
        with self._lock:
            record = self._visible_instance(instance_id, now)
            if record is None:
                return False, "The instance does not exist."
            status = record.status(now)
            if status in TERMINAL_STATUSES:
                return False, f"The instance has already finished with status {status}."
            record.stopped = True
            record.started_ms = record.started_ms or int(now * 1000)
            record.finished_ms = int(now * 1000)
            return True, ""

    # ----- task instances -----

    def task_instance(self, task_instance_id: int, *, read: bool = False) -> dict[str, Any] | None:
        """Return a task instance's wire dict (a ``read`` advances its own "reads" timeline), None if unknown."""
        now = self.now()
        with self._lock:
            task = self._task_instances.get(task_instance_id)
            if task is None or not self._instances[task.workflow_instance_id].visible(now):
                return None
            return self._task_wire(task, now, read=read)

    def task_instances(self, workflow_instance_id: int | None = None) -> list[dict[str, Any]]:
        """Return task instance wire dicts of existing instances, all or those of one workflow instance."""
        now = self.now()
        with self._lock:
            return [
                self._task_wire(task, now)
                for task in self._task_instances.values()
                if (workflow_instance_id is None or task.workflow_instance_id == workflow_instance_id)
                and self._instances[task.workflow_instance_id].visible(now)
            ]

    def task_instance_log(self, task_instance_id: int) -> str | None:
        """Return a task instance's log text for its current status, None if unknown."""
        now = self.now()
        with self._lock:
            task = self._task_instances.get(task_instance_id)
            if task is None or not self._instances[task.workflow_instance_id].visible(now):
                return None
            wire = self._task_wire(task, now)
            return task.spec.log if task.spec.log is not None else default_log(wire, self.tz)

    def _task_wire(self, task: TaskInstanceRecord, now: float, *, read: bool = False) -> dict[str, Any]:
        """Build a TaskInstance JSON object (caller holds the lock)."""
        instance = self._instances[task.workflow_instance_id]
        self._triggers.settle(instance, now)
        return self._triggers.view(task_wire(task, instance, instance.status(now), now, read=read), task, instance, now)

    # ----- HTTP trigger nodes -----

    def trigger_task_instance(self, task_id: int, trigger_time: str | int | datetime, env_type: str = "Prod") -> bool:
        """Answer TriggerSchedulerTaskInstance: fire the waiting instance, hold an early trigger, False if repeated."""
        check_choice("env_type", env_type, ENV_TYPES)
        trigger_ms = self.time_ms(trigger_time)
        now = self.now()
        with self._lock:
            specs = [spec for workflow in self._workflows.values() for spec in workflow.tasks]
            specs += [task.spec for task in self._task_instances.values()]
            spec = next((spec for spec in specs if spec.task_id == task_id), None)
            if spec is None:
                raise unknown_task(task_id)
            if spec.type != TRIGGER_TASK_TYPE:
                raise not_a_trigger_node(task_id, spec.type)
            records = [
                self._instances[task.workflow_instance_id]
                for task in self._task_instances.values()
                if task.spec.task_id == task_id
            ]
            return self._triggers.trigger(task_id, trigger_ms, env_type, records, now)

    def held_triggers(self) -> list[dict[str, Any]]:
        """Return the early triggers still held (TaskId, TriggerTime, EnvType, HeldAt), oldest first."""
        now = self.now()
        with self._lock:
            return [held.to_dict() for held in self._triggers.held(now)]

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
            ids.update(scan.project_id for scan in self._quality.scans.values())
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
        """Accept a CreateWorkflowInstances request; return its OperationId.

        Its instances exist, and start, only once the creation delay has passed on the emulator clock; a backfill
        instance's TriggerTime is that moment, not a scheduling time.
        """
        delay = self.creation_delay if workflow.creation_delay is None else workflow.creation_delay
        ready = self.now() + delay
        with self._lock:
            operation = CreateOperation(id=str(uuid.uuid4()), workflow=workflow, instance_ids=[], ready_at=ready)
            if workflow.create_result == "Created":
                for biz_date in biz_dates:
                    record = self._new_instance(
                        instance_id=None,
                        workflow_id=workflow.id,
                        workflow_name=workflow.name,
                        name=name,
                        type=type,
                        biz_date=biz_date,
                        project_id=workflow.project_id,
                        env_type=env_type,
                        owner="1000",
                        workflow_parameters=workflow_parameters,
                        tags=tags,
                        statuses=workflow.statuses if auto_start else ("NotRun",),
                        advance=workflow.advance,
                        specs=workflow.tasks,
                        rerun_statuses=workflow.rerun_statuses,
                        start=ready,
                        trigger_ms=int(ready * 1000),
                        appear_ms=int(ready * 1000),
                    )
                    operation.instance_ids.append(record.id)
            self._operations[operation.id] = operation
        return operation.id

    def read_create_operation(self, operation_id: str) -> dict[str, Any] | None:
        """Advance and return an operation's Result, None if unknown.

        ``Creating`` until the creation delay has passed and for ``creating_reads`` reads, whichever is longer.
        """
        now = self.now()
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
            if operation.reads <= workflow.creating_reads or now < operation.ready_at:
                return result
            if workflow.create_result == "CreateFailure":
                return {**result, "Status": "CreateFailure", "FailureMessage": workflow.failure_message}
            records = [self._instances[instance_id] for instance_id in operation.instance_ids]
            return {
                **result,
                "Status": "Created",
                "WorkflowInstanceIds": [record.id for record in records],
                "UnifiedWorkflowInstanceIds": [record.id for record in records],
                "WorkflowTaskInstanceIds": [record.workflow_task_instance_id for record in records],
            }

    # ----- reruns -----

    def find_instance_ids(
        self, *, project_id: int, workflow_id: int, type: str, env_type: str | None, biz_date: int | None
    ) -> list[int]:
        """Return ids of existing instances of a workflow, type, environment and (optionally) data date."""
        now = self.now()
        with self._lock:
            return [
                record.id
                for record in self._instances.values()
                if record.visible(now)
                and (record.project_id, record.workflow_id, record.type) == (project_id, workflow_id, type)
                and env_type in (None, record.env_type)
                and (biz_date is None or self.biz_day(record.biz_date) == self.biz_day(biz_date))
            ]

    def start_rerun_operation(self, instance_ids: list[int], task_statuses: Sequence[str] | None) -> str:
        """Accept a RerunWorkflowInstances request for ``instance_ids``; return its OperationId."""
        operation = RerunOperation(
            id=str(uuid.uuid4()),
            instance_ids=list(instance_ids),
            task_statuses=None if task_statuses is None else tuple(task_statuses),
        )
        with self._lock:
            self._reruns[operation.id] = operation
        return operation.id

    def read_rerun_operation(self, operation_id: str) -> dict[str, str] | None:
        """Return a rerun's Result: ``NotRun`` on the first read, then Success (instances rerun) or Failure."""
        now = self.now()
        with self._lock:
            operation = self._reruns.get(operation_id)
            if operation is None:
                return None
            operation.reads += 1
            if operation.reads == 1 and operation.result is None:
                return {"Status": "NotRun", "FailureMessage": ""}
            if operation.result is None:
                operation.result = self._apply_rerun(operation, now)
            return dict(operation.result)

    def _apply_rerun(self, operation: RerunOperation, now: float) -> dict[str, str]:
        """Rerun the operation's instances if all exist and have finished (caller holds the lock)."""
        records = []
        for instance_id in operation.instance_ids:
            record = self._visible_instance(instance_id, now)
            if record is None:
                return {"Status": "Failure", "FailureMessage": f"The workflow instance {instance_id} does not exist."}
            status = record.status(now)
            if status not in TERMINAL_STATUSES:
                return {
                    "Status": "Failure",
                    "FailureMessage": f"The workflow instance {instance_id} is {status}; only finished ones rerun.",
                }
            records.append(record)
        if not records:
            return {"Status": "Failure", "FailureMessage": "No workflow instance matches the rerun conditions."}
        for record in records:
            self._rerun(record, record.rerun_statuses, record.timeline.advance, operation.task_statuses, now)
        return {"Status": "Success", "FailureMessage": ""}

    def _rerun(
        self,
        record: WorkflowInstanceRecord,
        statuses: tuple[str, ...],
        advance: Advance,
        task_statuses: Sequence[str] | None,
        now: float,
    ) -> None:
        """Restart one instance; its task instances in ``task_statuses`` (all if None) rerun (caller holds lock)."""
        current = record.status(now)
        final = statuses[-1] if statuses[-1] in TERMINAL_STATUSES else None
        for task in record.tasks:
            status = task_wire(task, record, current, now)["Status"]
            if task_statuses is None or status in task_statuses:
                task.run_number += 1
                task.pinned = None
                task.final = final
                task.timeline = None
            else:
                task.pinned = status
        record.restart(statuses, advance, now)

    def rerun_workflow_instance(
        self,
        instance_id: int,
        *,
        statuses: Sequence[str] | None = None,
        advance: Advance | None = None,
        task_statuses: Sequence[str] | None = None,
    ) -> None:
        """Rerun an instance now under the same id (as an operator in the console or an auto-rerun does)."""
        now = self.now()
        with self._lock:
            record = self._instances.get(instance_id)
            if record is None:
                raise KeyError(instance_id)
            chosen_advance = record.timeline.advance if advance is None else advance
            timeline = check_timeline(record.rerun_statuses if statuses is None else statuses, chosen_advance)
            self._rerun(record, timeline, chosen_advance, task_statuses, now)

    # ----- data-quality scans -----

    def add_data_quality_scan(
        self,
        *,
        id: int,
        name: str,
        project_id: int | None = None,
        rules: Iterable[Mapping[str, Any]] = (),
        statuses: Sequence[str] | None = None,
        advance: Advance = "reads",
        parameters: Mapping[str, Any] | None = None,
        log: str | Sequence[str] | None = None,
        description: str = "",
        owner: str = "1000",
        table: str = "emulator_table",
        trigger_task_ids: Sequence[int] = (),
        listing_delay: float | None = None,
    ) -> int:
        """Add a data-quality scan (monitor) whose runs report its rules' outcomes; return its id.

        Each rule: ``{name, assertion?, severity?, warn?, fail?, status?, check_value?, reference_value?, sample?}``
        with status Pass (default), Warn, Fail or Error. A run's Status walks ``statuses`` (default: Running, then
        the worst rule outcome) by Get reads or every ``advance`` seconds. ``log`` (text or lines) replaces the
        written log. A run created through the API is listed ``listing_delay`` seconds (default: the emulator's
        creation delay) after its creation; Get finds it at once.
        """
        settings = {
            "id": id,
            "name": name,
            "project_id": self.project_id if project_id is None else project_id,
            "rules": rules,
            "statuses": statuses,
            "advance": advance,
            "parameters": parameters,
            "log": log,
            "description": description,
            "owner": owner,
            "table": table,
            "trigger_task_ids": trigger_task_ids,
            "listing_delay": listing_delay,
        }
        now_ms = int(self.now() * 1000)
        with self._lock:
            return self._quality.add_scan(settings, now_ms)

    def update_data_quality_scan(self, id: int, **changes: Any) -> None:
        """Change a scan's keywords (those of ``add_data_quality_scan``); later runs see the change, earlier do not."""
        now_ms = int(self.now() * 1000)
        with self._lock:
            self._quality.update_scan(id, changes, now_ms)

    def add_data_quality_scan_run(
        self,
        data_quality_scan_id: int,
        *,
        id: int | None = None,
        parameters: Mapping[str, Any] | None = None,
        statuses: Sequence[str] | None = None,
        advance: Advance | None = None,
        create_time: str | int | datetime | None = None,
        task_instance_id: int | None = None,
        run_number: int | None = None,
    ) -> int:
        """Add a run of a scan that already exists (listed at once); return its id.

        It starts at ``create_time`` (default now) with ``parameters`` (default ``triggerTime`` = its start in epoch
        ms) and the scan's timeline unless ``statuses`` / ``advance`` are given; ``task_instance_id`` and
        ``run_number`` are what ListDataQualityScanRuns' ``Filter`` matches for a run a scheduled task started.
        """
        created_ms = int(self.now() * 1000) if create_time is None else self.time_ms(create_time)
        pairs = (("triggerTime", str(created_ms)),) if parameters is None else check_parameters(parameters)
        for label, value in (("id", id), ("task_instance_id", task_instance_id), ("run_number", run_number)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"A data quality scan run's {label} must be a positive integer, got {value!r}.")
        with self._lock:
            scan = self._quality.scans.get(data_quality_scan_id)
            if scan is None:
                raise ValueError(f"No data quality scan has id {data_quality_scan_id!r}; add it first.")
            chosen = scan.advance if advance is None else advance
            timeline = check_timeline(scan.run_statuses() if statuses is None else statuses, chosen, SCAN_RUN_STATUSES)
            return self._quality.start_run(
                scan,
                run_id=id,
                parameters=pairs,
                statuses=timeline,
                advance=chosen,
                created_ms=created_ms,
                listed_from_ms=created_ms,
                task_instance_id=task_instance_id,
                run_number=run_number,
            )

    def create_data_quality_scan_run(self, scan_id: int, parameters: tuple[tuple[str, str], ...]) -> int:
        """Answer CreateDataQualityScanRun: start a run of the scan as configured now; return its new id."""
        now_ms = int(self.now() * 1000)
        with self._lock:
            scan = self._quality.scans[scan_id]
            delay = self.creation_delay if scan.listing_delay is None else scan.listing_delay
            return self._quality.start_run(
                scan,
                run_id=None,
                parameters=parameters,
                statuses=scan.run_statuses(),
                advance=scan.advance,
                created_ms=now_ms,
                listed_from_ms=now_ms + round(delay * 1000),
            )

    def data_quality_scan(self, scan_id: int) -> ScanRecord | None:
        """Return a scan as configured now, None if unknown."""
        with self._lock:
            return self._quality.scans.get(scan_id)

    def data_quality_scans(self) -> list[ScanRecord]:
        """Return every scan as configured now."""
        with self._lock:
            return list(self._quality.scans.values())

    def data_quality_scan_run(self, run_id: int, *, read: bool = False) -> dict[str, Any] | None:
        """Return a run's DataQualityScanRun dict (a ``read`` advances a "reads" timeline), None if unknown."""
        now = self.now()
        with self._lock:
            run = self._quality.runs.get(run_id)
            return None if run is None else run.to_wire(run.status(now, read=read))

    def data_quality_scan_runs(self, data_quality_scan_id: int | None = None) -> list[dict[str, Any]]:
        """Return the DataQualityScanRun dicts of all runs (listed or not yet), or of one scan, oldest first."""
        now = self.now()
        with self._lock:
            return [
                run.to_wire(run.status(now))
                for run in self._quality.runs.values()
                if data_quality_scan_id in (None, run.scan.id)
            ]

    def list_data_quality_scan_runs(self, run_filter: RunFilter) -> list[dict[str, Any]]:
        """Answer ListDataQualityScanRuns: the summaries of the listed runs passing ``run_filter``."""
        now = self.now()
        with self._lock:
            return self._quality.listed_runs(run_filter, now)

    def data_quality_scan_run_log(self, run_id: int) -> tuple[str, bool] | None:
        """Return a run's log as it stands and whether the run has ended, None if unknown."""
        now = self.now()
        with self._lock:
            run = self._quality.runs.get(run_id)
            if run is None:
                return None
            status = run.status(now)
            return run_log(run, status, self.tz), run.finished_ms is not None
