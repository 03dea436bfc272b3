"""HTTP trigger nodes: a node that holds its workflow instance in WaitTrigger until TriggerSchedulerTaskInstance.

A scheduled workflow instance with a trigger node runs its timeline up to its first Running (without one, up to its
first terminal status) and stays there. Its nodes before the trigger node without their own timeline show Success;
the trigger node shows WaitTrigger once all of them have succeeded; the nodes after it show NotRun. A matching
trigger (TaskId and the instance's TriggerTime) makes the trigger node Success and lets the instance walk the rest
of its timeline from that moment. A trigger that comes too early is held for 24 hours on the emulator clock.
Backfill and manual runs pass the trigger node without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataworks_emulator.errors import ApiError
from dataworks_emulator.models.records import (
    NOT_STARTED,
    TaskInstanceRecord,
    TaskSpec,
    Timeline,
    WorkflowInstanceRecord,
)
from dataworks_emulator.models.tasks import task_wire

if TYPE_CHECKING:
    from collections.abc import Iterable

TRIGGER_TASK_TYPE = "SCHEDULER_TRIGGER"
HOLD_SECONDS = 24 * 3600.0
_FINAL = ("Success", "Failure")


@dataclass(frozen=True)
class HeldTrigger:
    """A trigger accepted before its instance waited for it; applied when it does, dropped after 24 hours."""

    task_id: int
    trigger_ms: int
    env_type: str
    held_at: float

    def to_dict(self) -> dict[str, Any]:
        """Return the hold as plain values for the Python and control APIs."""
        return {
            "TaskId": self.task_id,
            "TriggerTime": self.trigger_ms,
            "EnvType": self.env_type,
            "HeldAt": round(self.held_at * 1000),
        }


@dataclass
class Gate:
    """The trigger node of one workflow instance: its position, the timeline after it, and when it fired."""

    index: int
    after: tuple[str, ...]
    fired_ms: int | None = None


def check_specs(specs: Iterable[TaskSpec]) -> None:
    """Reject a workflow with more than one trigger node (the emulator models one per workflow)."""
    if sum(spec.type == TRIGGER_TASK_TYPE for spec in specs) > 1:
        raise ValueError(f"A workflow may have at most one {TRIGGER_TASK_TYPE} task in the emulator.")


def split_timeline(statuses: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a timeline after its first Running (where the instance waits) from the rest (after the trigger)."""
    if "Running" in statuses:
        first = statuses.index("Running") + 1
    else:
        first = next((i for i, status in enumerate(statuses) if status in _FINAL), len(statuses))
    before, after = statuses[:first] or ("Running",), statuses[first:]
    return before, after or before[-1:]


class TriggerNodes:
    """Gates of the scheduled instances with a trigger node, and the held early triggers (caller holds the lock)."""

    def __init__(self) -> None:
        self._gates: dict[int, Gate] = {}
        self._held: list[HeldTrigger] = []

    def register(self, record: WorkflowInstanceRecord) -> None:
        """Give a new instance with a trigger node its gate: its timeline stops at its first Running."""
        index = next((i for i, task in enumerate(record.tasks) if task.spec.type == TRIGGER_TASK_TYPE), None)
        if index is None:
            return
        before, after = split_timeline(record.timeline.statuses)
        record.timeline = Timeline(before, record.timeline.advance, record.timeline.origin)
        self._gates[record.id] = Gate(index, after)

    def view(
        self, wire: dict[str, Any], task: TaskInstanceRecord, record: WorkflowInstanceRecord, now: float
    ) -> dict[str, Any]:
        """Return a task instance wire dict as the gate of its workflow instance shows it."""
        gate = self._gates.get(record.id)
        if gate is None or record.stopped:
            return wire
        position = record.tasks.index(task)
        if gate.fired_ms is not None:
            if position != gate.index:
                return wire
            return {**wire, "Status": "Success", "StartedTime": gate.fired_ms, "FinishedTime": gate.fired_ms}
        if position < gate.index:
            return _upstream(wire, task)
        waiting = position == gate.index and self._waits(record, gate, now)
        return {**wire, "Status": "WaitTrigger" if waiting else "NotRun", "StartedTime": None, "FinishedTime": None}

    def settle(self, record: WorkflowInstanceRecord, now: float) -> None:
        """Apply a held trigger to an instance that now waits for it."""
        gate = self._gates.get(record.id)
        if gate is None or gate.fired_ms is not None or record.stopped:
            return
        task_id = record.tasks[gate.index].spec.task_id
        held = self._held_for(task_id, record.trigger_ms, record.env_type, now)
        if held is not None and self._waits(record, gate, now):
            self._held.remove(held)
            self._fire(record, gate, now)

    def trigger(
        self,
        task_id: int,
        trigger_ms: int,
        env_type: str,
        records: Iterable[WorkflowInstanceRecord],
        now: float,
    ) -> bool:
        """Answer TriggerSchedulerTaskInstance for the instances of one trigger node: fire, hold, or refuse."""
        matching = [record for record in records if (record.trigger_ms, record.env_type) == (trigger_ms, env_type)]
        if any(record.type == "SupplementData" for record in matching):
            raise supplement_refused(task_id)
        for record in matching:
            gate = self._gates.get(record.id)
            if gate is None:
                continue
            if gate.fired_ms is not None:
                return False
            if record.visible(now) and not record.stopped and self._waits(record, gate, now):
                self._fire(record, gate, now)
                return True
        if self._held_for(task_id, trigger_ms, env_type, now) is not None:
            return False
        self._held.append(HeldTrigger(task_id, trigger_ms, env_type, now))
        return True

    def held(self, now: float) -> list[HeldTrigger]:
        """Return the triggers still held, dropping those older than 24 hours on the emulator clock."""
        self._held = [held for held in self._held if now - held.held_at <= HOLD_SECONDS]
        return list(self._held)

    def _held_for(self, task_id: int, trigger_ms: int, env_type: str, now: float) -> HeldTrigger | None:
        """Return the live hold for a node, scheduling time and environment, if any."""
        key = (task_id, trigger_ms, env_type)
        return next((held for held in self.held(now) if (held.task_id, held.trigger_ms, held.env_type) == key), None)

    @staticmethod
    def _waits(record: WorkflowInstanceRecord, gate: Gate, now: float) -> bool:
        """Return whether the trigger node waits: its instance runs and every node before it succeeded."""
        status = record.status(now)
        if status in NOT_STARTED:
            return False
        upstream = record.tasks[: gate.index]
        return all(_upstream(task_wire(task, record, status, now), task)["Status"] == "Success" for task in upstream)

    @staticmethod
    def _fire(record: WorkflowInstanceRecord, gate: Gate, now: float) -> None:
        """Release the instance: the trigger node succeeds now and the instance walks the rest of its timeline."""
        gate.fired_ms = int(now * 1000)
        record.timeline = Timeline(gate.after, record.timeline.advance, now)


def _upstream(wire: dict[str, Any], task: TaskInstanceRecord) -> dict[str, Any]:
    """A node before the trigger node without its own timeline has finished while the instance waits."""
    if task.timeline is not None or task.pinned is not None or wire["Status"] != "Running":
        return wire
    return {**wire, "Status": task.spec.status or "Success", "FinishedTime": wire["StartedTime"]}


def supplement_refused(task_id: int) -> ApiError:
    """Build the error for a trigger aimed at a backfill instance, which DataWorks does not trigger."""
    return ApiError(
        400,
        "OperationDenied.SupplementInstance",
        f"The task instance of task {task_id} at this trigger time is a backfill (SupplementData) instance; "
        "only scheduled instances of an HTTP trigger node can be triggered.",
    )


def not_a_trigger_node(task_id: int, task_type: str) -> ApiError:
    """Build the error for a TaskId whose node is not an HTTP trigger node."""
    return ApiError(
        400,
        "InvalidParameter",
        f'The specified parameter "TaskId" is not valid: task {task_id} is a {task_type} node, '
        f"not an HTTP trigger node ({TRIGGER_TASK_TYPE}).",
    )


def unknown_task(task_id: int) -> ApiError:
    """Build the error for a TaskId no workflow has."""
    return ApiError(400, "InvalidParameter.NotExist.Task", f"The task does not exist: {task_id}.")
