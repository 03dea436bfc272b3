"""A wait's outcome, typed: what the wait loop returns, a trigger fires as its event and a worker turns into the
task's result or exception.

The event form is plain JSON (Airflow stores it) and keeps the keys it always had, so that a trigger of one
provider version and a worker of another still understand each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError, error_from_dict
from airflow_provider_dataworks.status import ERROR, FAILURE, SUCCESS, TIMEOUT
from airflow_provider_dataworks.waits.kinds import IDS_KWARGS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo

    from airflow_provider_dataworks.waits.kinds import InstanceKind

Status = Literal["success", "failure", "timeout", "error"]
STATUSES = (SUCCESS, FAILURE, TIMEOUT, ERROR)


@dataclass(frozen=True, kw_only=True)
class WaitOutcome:
    """How a wait ended, and about which instances.

    :param status: success (all finished, none failed), failure (all finished, some failed), timeout (the
        deadline passed first) or error (an error that polling cannot cure).
    :param instances: the instances as last read (none for an error).
    :param failed_ids: of a finished wait, the instances that failed.
    :param pending_ids: of a timeout or an error, the instances not finished yet (None: not said).
    :param error: of an error, the exception the worker raises.
    :param ids_kwarg: the kind's key for `waited_ids` (`workflow_instance_ids`, `task_instance_ids`).
    :param waited_ids: the instances the wait was for.
    :param stopped_ids: of a timeout, the instances the trigger stopped at the deadline.
    :param end_time: the wait's deadline (epoch s), handed back when the worker may wait again.
    :param wait_started: when the task's wait began (epoch s), for the wait-duration metric.
    """

    status: Status
    instances: list[dict[str, Any]] = field(default_factory=list)
    failed_ids: list[Any] = field(default_factory=list)
    pending_ids: list[int] | None = None
    error: DataWorksAPIError | DataWorksConfigError | None = None
    ids_kwarg: str | None = None
    waited_ids: list[int] | None = None
    stopped_ids: list[int] | None = None
    end_time: float | None = None
    wait_started: float | None = None

    @classmethod
    def finished(cls, instances: Sequence[dict[str, Any]], kind: InstanceKind) -> WaitOutcome:
        """Every instance finished: success only if none failed."""
        failed = kind.statuses.failed_ids(list(instances))
        return cls(status=FAILURE if failed else SUCCESS, instances=list(instances), failed_ids=failed)

    @classmethod
    def timed_out(cls, instances: Sequence[dict[str, Any]], pending_ids: Sequence[int]) -> WaitOutcome:
        """The deadline passed with `pending_ids` unfinished."""
        return cls(status=TIMEOUT, instances=list(instances), pending_ids=list(pending_ids))

    @classmethod
    def from_error(
        cls, error: DataWorksAPIError | DataWorksConfigError, pending_ids: Sequence[int] | None = None
    ) -> WaitOutcome:
        """An error that polling cannot cure ended the wait."""
        pending = None if pending_ids is None else list(pending_ids)
        return cls(status=ERROR, error=error, pending_ids=pending)

    def about(self, kind: InstanceKind, waited_ids: Sequence[int]) -> WaitOutcome:
        """The same outcome naming the ids the wait was for (under the kind's key), unless it names them already."""
        if self.waited_ids is not None or not waited_ids:
            return self
        return replace(self, ids_kwarg=kind.ids_kwarg, waited_ids=list(waited_ids))

    def to_event(self) -> dict[str, Any]:
        """The plain-JSON payload of the trigger event."""
        event: dict[str, Any] = {"status": self.status}
        if self.error is not None:
            event.update(self.error.to_dict())
        else:
            event["instances"] = list(self.instances)
        if self.status in (SUCCESS, FAILURE):
            event["failed_ids"] = list(self.failed_ids)
        optional: dict[str | None, Any] = {
            "pending_ids": self.pending_ids,
            self.ids_kwarg: self.waited_ids,
            "stopped_ids": self.stopped_ids,
            "end_time": self.end_time,
            "wait_started": self.wait_started,
        }
        event.update({key: value for key, value in optional.items() if key is not None and value is not None})
        return event

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> WaitOutcome:
        """The outcome an event payload describes; a payload of no known status is a configuration error."""
        status = event.get("status")
        if status not in STATUSES:
            raise DataWorksConfigError(f"Unexpected event from the DataWorks trigger: {event!r}")
        ids_kwarg = next((key for key in IDS_KWARGS if key in event), None)
        return cls(
            status=status,
            instances=list(event.get("instances") or []),
            failed_ids=list(event.get("failed_ids") or []),
            pending_ids=_ints(event.get("pending_ids")),
            error=error_from_dict(event) if status == ERROR else None,
            ids_kwarg=ids_kwarg,
            waited_ids=_ints(event.get(ids_kwarg)) if ids_kwarg else None,
            stopped_ids=_ints(event.get("stopped_ids")),
            end_time=None if event.get("end_time") is None else float(event["end_time"]),
            wait_started=None if event.get("wait_started") is None else float(event["wait_started"]),
        )

    def failed_instances(self) -> list[dict[str, Any]]:
        """The instances that failed."""
        return [i for i in self.instances if i["Id"] in self.failed_ids]

    def instance_ids(self) -> list[int]:
        """The ids this outcome is about: those waited for, else those read, else those still pending."""
        ids = self.waited_ids or [i["Id"] for i in self.instances] or self.pending_ids or []
        return [int(i) for i in ids]

    def instances_or_raise(
        self, kind: InstanceKind, console: str, details: str = "", zone: tzinfo | None = None
    ) -> list[dict[str, Any]]:
        """The instances of a success; the kind's failure (with `details`: failed nodes, a log tail) or the error.

        Callers handle a timeout before this (a sensor times out; an operator stops its instances first).
        """
        if self.status == SUCCESS:
            return list(self.instances)
        if self.status == FAILURE:
            text = "; ".join(kind.describe(i, zone) for i in self.failed_instances())
            raise kind.failure(f"DataWorks {text}. Console: {console}{details}")
        if self.error is not None:
            raise self.error
        raise DataWorksConfigError(f"Unexpected event from the DataWorks trigger: {self.to_event()!r}")


def _ints(values: Any) -> list[int] | None:
    return None if values is None else [int(v) for v in values]
