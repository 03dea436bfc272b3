"""Starting exactly one data-quality scan run per try of a task instance.

CreateDataQualityScanRun has no idempotency token and no caller-given name, so the intent is recorded before the
call (in the task state store where Airflow has one) and the run of a lost answer, or of an earlier try, is found
again by scan, creation time and parameters (ListDataQualityScanRuns, which shows a run only a little after it
was created), never created blindly. DataWorks documents no way to stop a scan run.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksInstanceNotFoundError,
    DataWorksThrottlingError,
    DataWorksTransportError,
)
from airflow_provider_dataworks.runs.record import RunLedger, RunRecord
from airflow_provider_dataworks.runs.starting import CLOCK_SKEW_SECONDS
from airflow_provider_dataworks.runs.tries import TryKind
from airflow_provider_dataworks.status import DataQualityScanRunStatus

if TYPE_CHECKING:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanRunRequest:
    """What to start: a scan of a workspace with its parameters (`triggerTime`, ...) and runtime resource."""

    scan_id: int
    project_id: int
    parameters: dict[str, str]
    runtime_resource: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """The run as the record names it: its scan and parameters."""
        return f"scan:{self.scan_id}/{json.dumps(self.parameters, sort_keys=True)}"

    def matches(self, run: dict[str, Any]) -> bool:
        """Whether a listed run carries every parameter of this request (DataWorks cannot filter on them)."""
        given = {str(p.get("Name")): str(p.get("Value")) for p in run.get("Parameters") or [] if isinstance(p, dict)}
        return all(given.get(name) == value for name, value in self.parameters.items())


@dataclass
class ScanRunStarter:
    """Starts or adopts the scan run of one task instance's try.

    :param poll_interval: seconds between looks for a run whose create answer was lost.
    :param creation_timeout: seconds such a run is looked for before another is created.
    """

    hook: DataWorksHook
    request: ScanRunRequest
    poll_interval: float
    creation_timeout: float
    ledger: RunLedger = field(default_factory=lambda: RunLedger(None))
    run_id: int | None = None
    known_ids: set[int] = field(default_factory=set)

    def start(
        self,
        *,
        attempt: TryKind,
        deadline: float,
        first_try_started: float | None = None,
        earlier_try_started: float | None = None,
    ) -> int:
        """The id of this try's scan run: an earlier try's (adopted) or a newly created one.

        An automatic retry adopts the earlier try's run that is still going or passed (`Pass`, `Warn`); the first
        try after a clear adopts only one still going (clearing asks for the check again). A run that ended `Fail`
        or `Error` is never adopted: a retry scans the data again.
        """
        record = self.ledger.read()
        first_try_started = self.ledger.first_try(attempt is TryKind.FIRST, first_try_started)
        if attempt is not TryKind.FIRST:
            since = None if first_try_started is None else first_try_started - CLOCK_SKEW_SECONDS
            earlier = self._earlier_run(record, since, earlier_try_started, deadline)
            if earlier is not None:
                reason = _keep_reason(earlier, attempt)
                if reason:
                    self.run_id = int(earlier["Id"])
                    log.info("Adopting data-quality scan run %s of an earlier try: %s.", self.run_id, reason)
                    self.ledger.created(self.request.key, [self.run_id])
                    return self.run_id
                self.known_ids.add(int(earlier["Id"]))
                log.info(
                    "Starting a fresh scan run (%s): the earlier try's run %s ended %s.",
                    attempt.value,
                    earlier["Id"],
                    earlier.get("Status"),
                )
        return self.create(deadline)

    def _earlier_run(
        self, record: RunRecord | None, since: float | None, earlier_try_started: float | None, deadline: float
    ) -> dict[str, Any] | None:
        """The scan run earlier tries started: read by its recorded id, else looked for by scan, creation time and
        parameters, through the listing window while a create may still be showing up."""
        record = record.of(self.request.key) if record is not None else None
        if record is not None and record.instance_ids:
            try:
                return self.hook.get_data_quality_scan_run(record.instance_ids[-1], deadline=deadline)
            except DataWorksInstanceNotFoundError:
                log.warning("Data-quality scan run %s of an earlier try no longer exists.", record.instance_ids[-1])
                return None
        if record is not None and record.create_requested is not None:
            opened, since = record.create_requested, record.create_requested - CLOCK_SKEW_SECONDS
        elif record is None and not self.ledger.durable:
            opened = earlier_try_started or time.time()  # unknown: the earlier try may have just asked
        else:
            return None  # the record says no earlier try asked DataWorks for a run
        found = self._look(since, min(deadline, opened + self.creation_timeout))
        return None if found is None else self.hook.get_data_quality_scan_run(int(found["Id"]), deadline=deadline)

    def create(self, deadline: float) -> int:
        """CreateDataQualityScanRun once; after an answer that may have been lost, adopt the run if it shows up
        within `creation_timeout`, else create again (at most the hook's retry limit more times)."""
        request = self.request
        retries = self.hook.retry_policy.retry_limit
        for attempt in range(retries + 1):
            requested = time.time()
            self.ledger.create_requested(request.key)
            try:
                self.run_id = self.hook.create_data_quality_scan_run(
                    request.scan_id,
                    parameters=request.parameters,
                    project_id=request.project_id,
                    runtime_resource=request.runtime_resource,
                    deadline=deadline,
                )
            except DataWorksAPIError as err:
                if not isinstance(err, DataWorksTransportError):  # DataWorks answered: nothing was created
                    self.ledger.refused()
                    if not err.retryable or isinstance(err, DataWorksThrottlingError) or attempt == retries:
                        raise
                    log.warning("%s; creating the scan run again.", err)
                    continue
                found = self._after_lost_answer(err, requested, deadline, last=attempt == retries)
                if found is not None:
                    return found
                if attempt == retries:
                    raise
                continue
            log.info("Started data-quality scan run %s of scan %s.", self.run_id, request.scan_id)
            self.ledger.created(request.key, [self.run_id])
            return self.run_id
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _after_lost_answer(
        self, err: DataWorksAPIError, requested: float, deadline: float, *, last: bool
    ) -> int | None:
        """Look for the run a possibly lost create answer made; None when none showed up in the window."""
        log.warning(
            "%s; the scan run may exist all the same: looking for it for up to %s s before %s.",
            err,
            self.creation_timeout,
            "giving up" if last else "creating it again",
        )
        found = self._look(requested - CLOCK_SKEW_SECONDS, min(deadline, time.time() + self.creation_timeout))
        if found is None:
            return None
        self.run_id = int(found["Id"])
        log.info("Found the scan run the lost answer created: %s.", self.run_id)
        self.ledger.created(self.request.key, [self.run_id])
        return self.run_id

    def _look(self, since: float | None, window_end: float) -> dict[str, Any] | None:
        """The newest run of this scan with this request's parameters, created since `since` (epoch s) and not
        among `known_ids`, listed before `window_end`; transient errors only delay the next look."""
        request = self.request
        while True:
            try:
                runs = self.hook.list_data_quality_scan_runs(
                    data_quality_scan_id=request.scan_id,
                    project_id=request.project_id,
                    create_time_from=None if since is None else int(since * 1000),
                    deadline=window_end,
                )
            except DataWorksAPIError as err:
                if not err.retryable:
                    raise
                log.warning("Could not look for the scan run yet (%s); looking again.", err)
                runs = []
            mine = [r for r in runs if request.matches(r) and int(r["Id"]) not in self.known_ids]
            if mine:
                return max(mine, key=lambda r: (int(r.get("CreateTime") or 0), int(r["Id"])))
            if time.time() + self.poll_interval > window_end:
                return None
            time.sleep(self.poll_interval)


def _keep_reason(run: dict[str, Any], attempt: TryKind) -> str | None:
    """Why this try adopts an earlier try's scan run, or None when it starts a fresh one."""
    status = run.get("Status")
    if status == DataQualityScanRunStatus.RUNNING or status not in set(DataQualityScanRunStatus):
        return "the earlier run is still going"
    if status in (DataQualityScanRunStatus.PASS, DataQualityScanRunStatus.WARN) and attempt is TryKind.RETRY:
        return f"the earlier run ended {status}"
    return None
