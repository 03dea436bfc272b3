"""What the tries of one task instance started, kept in Airflow's task state store (3.3+), so that a later try
resolves the earlier try's run by its ids instead of inferring it from DataWorks' list answers, which show a run
only once its asynchronous creation has finished.

The store is scoped to the task instance (dag, run, task, map index), survives retries and clears, and goes with
its DAG run: a DAG run made again under the same run id starts with an empty one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: The task state store key of the run operator's record.
RECORD_KEY = "dataworks_workflow_run"
#: The task state store key of the data-quality scan operator's record.
SCAN_RUN_RECORD_KEY = "dataworks_data_quality_scan_run"
#: Version of the record's layout; a record of another version is not read.
RECORD_VERSION = 1


@dataclass
class RunRecord:
    """The latest run one task instance asked DataWorks for, as far as its tries got.

    :param first_try_started: when this task instance's first try began (epoch s): runs of its identity created
        before it are not its own.
    :param create_requested: when the latest CreateWorkflowInstances was about to be sent (epoch s), None if never.
    :param operation_id: that request's operation, once DataWorks answered.
    :param instance_ids: the run's workflow instances, once created (or adopted).
    :param run: what the run is (workflow id and run name), so a try of an edited task does not take the run of
        another workflow for its own.
    """

    first_try_started: float
    create_requested: float | None = None
    operation_id: str | None = None
    instance_ids: list[int] = field(default_factory=list)
    run: str | None = None

    def of(self, run: str) -> RunRecord | None:
        """This record where its operation and instances are of `run` (see `run_key`) or of none yet, else None: a
        try of an edited task (another workflow, scan or parameters) must not take the recorded run for its own."""
        if self.run is None or self.run == run:
            return self
        log.warning("The task state store records run %s, not %s (the task was edited?): looking again.", self.run, run)
        return None

    @classmethod
    def load(cls, value: Any) -> RunRecord | None:
        """A stored record, or None when there is none or it is not one this version wrote."""
        if not isinstance(value, dict) or value.get("version") != RECORD_VERSION:
            return None
        try:
            return cls(
                first_try_started=float(value["first_try_started"]),
                create_requested=None if value.get("create_requested") is None else float(value["create_requested"]),
                operation_id=None if value.get("operation_id") is None else str(value["operation_id"]),
                instance_ids=[int(i) for i in value.get("instance_ids") or []],
                run=None if value.get("run") is None else str(value["run"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def dump(self) -> dict[str, Any]:
        """The record as the JSON value the store keeps."""
        return {"version": RECORD_VERSION, **asdict(self)}


def run_key(workflow_id: int | str, name: str) -> str:
    """What names a run in the record: its workflow and its run name."""
    return f"{workflow_id}/{name}"


class RunLedger:
    """Reads and writes one task instance's `RunRecord` in the task state store; without a store (Airflow before
    3.3) or once the store failed, it keeps the record in memory only and says so."""

    def __init__(self, store: Any | None, key: str = RECORD_KEY) -> None:
        self._store = store
        self._key = key
        self.record: RunRecord | None = None

    @property
    def durable(self) -> bool:
        """Whether the record outlives this try."""
        return self._store is not None

    def read(self) -> RunRecord | None:
        """The record earlier tries left, or None (also when the store could not be read)."""
        if self._store is None:
            return None
        try:
            self.record = RunRecord.load(self._store.get(self._key))
        except Exception as err:
            self._give_up(f"Could not read the task state store ({err})")
        return self.record

    def first_try(self, is_first: bool, given: float | None) -> float | None:
        """When the task instance's first try began (epoch s), recorded: now on the first try itself, else the
        earlier tries' record's moment, else `given` (what Airflow tells, if anything)."""
        if is_first or self.record is None:
            given = time.time() if is_first else given
        else:
            given = self.record.first_try_started
        if given is not None:
            self.begin(given)
        return given

    def begin(self, first_try_started: float) -> RunRecord:
        """This try's record: the earlier tries' one, or a new one dated from the first try."""
        if self.record is None:
            self.record = RunRecord(first_try_started=first_try_started)
            self._write()
        return self.record

    def create_requested(self, run: str) -> None:
        """Recorded before CreateWorkflowInstances is sent for `run`: a later try knows a run may exist."""
        record = self._current()
        record.create_requested, record.operation_id, record.instance_ids, record.run = time.time(), None, [], run
        self._write()

    def refused(self) -> None:
        """Recorded when DataWorks answered the create request with an error: nothing was created."""
        self._current().create_requested = None
        self._write()

    def answered(self, operation_id: str) -> None:
        """Recorded once DataWorks answered the create request: a later try resolves the run by this operation."""
        self._current().operation_id = operation_id
        self._write()

    def created(self, run: str, instance_ids: list[int]) -> None:
        """Recorded once the instances of `run` are known (created, found or adopted)."""
        record = self._current()
        if (record.run, record.instance_ids) != (run, instance_ids):
            record.run, record.instance_ids = run, list(instance_ids)
            self._write()

    def _current(self) -> RunRecord:
        return self.record if self.record is not None else self.begin(time.time())

    def _write(self) -> None:
        if self._store is None or self.record is None:
            return
        try:
            self._store.set(self._key, self.record.dump())
        except Exception as err:
            self._give_up(f"Could not write the task state store ({err})")

    def _give_up(self, why: str) -> None:
        log.warning("%s; a later try finds this task instance's run by its identity instead.", why)
        self._store = None
