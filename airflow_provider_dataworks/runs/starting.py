"""Starting exactly one DataWorks run per Airflow task instance: adopt, rerun or create, survive lost answers,
and always know what was started so that it can be stopped."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksInstanceNotFoundError,
    DataWorksStartInterrupted,
    DataWorksThrottlingError,
    DataWorksTransportError,
    DataWorksWaitTimeout,
    DataWorksWorkflowCreateFailed,
)
from airflow_provider_dataworks.runs.identity import RunIdentity, plan_retry
from airflow_provider_dataworks.runs.record import RunLedger, RunRecord, run_key
from airflow_provider_dataworks.runs.tries import TryKind
from airflow_provider_dataworks.status import WorkflowInstanceStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

log = logging.getLogger(__name__)

#: Seconds a failure may spend finding out which instances a creation made, before stopping them.
RESOLVE_TIMEOUT_SECONDS = 30.0
#: Seconds a kill may spend on it: Airflow sends SIGKILL 5 s after SIGTERM, and the stop call needs the rest.
KILL_RESOLVE_SECONDS = 2.5
#: Seconds DataWorks' clock may run behind Airflow's: a run's CreateTime this much before a moment still counts
#: as after it.
CLOCK_SKEW_SECONDS = 10.0


@dataclass
class RunRequest:
    """What to start: the workflow, where, for which data dates, and under which identity and name."""

    workflow_id: int | str
    project_id: int
    env_type: str | None
    run_type: str
    name: str
    identity: RunIdentity
    biz_date_ranges: list[tuple[str, str]]
    workflow_parameters: dict[str, Any] | None = None
    root_task_ids: list[int] | None = None
    include_task_ids: list[int] | None = None

    def days(self) -> list[str]:
        """Every data date of the run, `YYYY-MM-DD`."""
        days: list[str] = []
        for start, end in self.biz_date_ranges:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
            days += [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        return days


@dataclass
class RunStarter:
    """Starts or adopts the run of one task instance; remembers what it started, for stopping on kill or failure.

    :param creation_poll_interval: seconds between reads of a creation or rerun operation, and between look-ups
        of a run whose creation answer was lost.
    :param limits: the time limits behind the deadlines, for messages (e.g. `timeout (60 s)`).
    :param creation_timeout: seconds to keep looking for the run of an answer that may have been lost (DataWorks
        creates runs in the background) before creating it again.
    """

    hook: DataWorksHook
    request: RunRequest
    creation_poll_interval: float
    creation_timeout: float
    limits: str = "deadline"
    ledger: RunLedger = field(default_factory=lambda: RunLedger(None))
    operation_id: str | None = None
    instance_ids: list[int] = field(default_factory=list)
    create_unresolved: bool = False
    earlier_ids: set[int] = field(default_factory=set)
    not_before: float | None = None
    killed: bool = False

    @property
    def run_key(self) -> str:
        """The run as the record names it."""
        return run_key(self.request.workflow_id, self.request.name)

    # -- starting -----------------------------------------------------------------------------------------

    def start(
        self,
        *,
        attempt: TryKind,
        reuse_existing_run: bool,
        retry_from_failure: bool,
        deadline: float,
        first_try_started: float | None = None,
        earlier_try_started: float | None = None,
    ) -> list[int]:
        """The ids of this task instance's run: an earlier try's (adopted or rerun) or a newly created one.

        What earlier tries started is read from the task state store's record where there is one, else found by
        identity. Runs of this identity created before the task instance's first try (a DAG run deleted and made
        again under the same run id) are never its own: neither adopted, nor stopped, nor taken for a run whose
        creation answer was lost.

        :param first_try_started: when the task instance's first try began (epoch s), where Airflow tells; the
            record's date wins, and the first try itself is now.
        :param earlier_try_started: when the try before this one began (epoch s), where Airflow tells: without a
            record, a run it may still have been creating is looked for until its creation window closes.
        """
        record = self.ledger.read()
        first_try_started = self.ledger.first_try(attempt is TryKind.FIRST, first_try_started)
        if first_try_started is not None:
            self.not_before = first_try_started - CLOCK_SKEW_SECONDS
        if attempt is TryKind.FIRST:
            stale = self.own_instances(deadline)
            self.earlier_ids = {int(i["Id"]) for i in stale}
            if stale:
                log.warning(
                    "Ignoring workflow instances %s: they carry this task instance's identity but existed before its "
                    "first try (a DAG run made again under the same run id?).",
                    sorted(self.earlier_ids),
                )
            return self.create(deadline)
        earlier = self._earlier_run(record, earlier_try_started, deadline)
        self.earlier_ids = {int(i["Id"]) for i in earlier}
        plan = plan_retry(
            earlier,
            [self.hook.biz_date_ms(d) for d in self.request.days()],
            reuse_existing_run=reuse_existing_run,
            retry_from_failure=retry_from_failure,
            adopt_succeeded=attempt is TryKind.RETRY,
            zone=self.hook.settings.zone,
        )
        if plan.stop_ids:
            log.warning("Stopping workflow instances %s of an earlier try: %s.", plan.stop_ids, plan.reason)
            self.hook.stop_workflow_instances(plan.stop_ids, deadline=deadline)
        if plan.adopt_ids:
            log.info("Adopting workflow instances %s of an earlier try: %s.", plan.adopt_ids, plan.reason)
            self.instance_ids = plan.adopt_ids
            self.ledger.created(self.run_key, self.instance_ids)
            if plan.rerun_ids:
                self.rerun_failed(plan.rerun_ids, deadline)
            return self.instance_ids
        if earlier:
            log.info("Starting a fresh run (%s): %s.", attempt.value, plan.reason)
        return self.create(deadline)

    def _earlier_run(
        self, record: RunRecord | None, earlier_try_started: float | None, deadline: float
    ) -> list[dict[str, Any]]:
        """The instances of the run earlier tries started: resolved from the record by instance ids or operation
        id where it has them, else looked for by identity, through the creation window while it may be open."""
        record = record.of(self.run_key) if record is not None else None
        if record is not None and record.instance_ids:
            return self._read_instances(record.instance_ids, deadline)
        if record is not None and record.operation_id:
            log.info("Resolving the earlier try's creation operation %s.", record.operation_id)
            try:
                ids = self.wait_for_creation(record.operation_id, deadline)
            except DataWorksWorkflowCreateFailed as err:
                log.warning("The earlier try's run was never created: %s", err)
                return []
            self.ledger.created(self.run_key, ids)
            return self._read_instances(ids, deadline)
        found = self.own_instances(deadline)
        if found:
            return found
        window_opened: float
        if record is not None and record.create_requested is not None:
            window_opened = record.create_requested
        elif record is None and not self.ledger.durable:
            window_opened = earlier_try_started or time.time()  # unknown: the earlier try may have just begun
        else:
            return []  # the record says no earlier try asked DataWorks for a run
        window_end = min(deadline, window_opened + self.creation_timeout)
        if time.time() + self.creation_poll_interval > window_end:
            return []
        log.info(
            "No run of an earlier try is listed yet; DataWorks may still be creating one: looking by identity "
            "until %s.",
            time.strftime("%H:%M:%S", time.localtime(window_end)),
        )
        time.sleep(self.creation_poll_interval)  # the look just made was this moment's
        return self._look_by_identity(window_end, set())

    def _read_instances(self, instance_ids: list[int], deadline: float) -> list[dict[str, Any]]:
        """The recorded instances as DataWorks has them now (one Get each); an instance gone is left out."""
        found = []
        for instance_id in instance_ids:
            try:
                found.append(self.hook.get_workflow_instance(instance_id, deadline=deadline))
            except DataWorksInstanceNotFoundError:
                log.warning("Workflow instance %s of an earlier try no longer exists in DataWorks.", instance_id)
        return found

    def create(self, deadline: float) -> list[int]:
        """CreateWorkflowInstances once; after a possibly lost answer, adopt the run if it appears, else try again.

        DataWorks creates a run in the background, so the run of an answer that never came (a dropped connection,
        a timeout, a gateway page) is looked for by identity for `creation_timeout` seconds before another is
        created; the last attempt's lost answer is looked up too. A DataWorks error answer created nothing.
        """
        retries = self.hook.retry_policy.retry_limit
        for attempt in range(retries + 1):
            self._check_not_killed()
            requested = time.time()
            self.ledger.create_requested(self.run_key)
            try:
                self.create_unresolved = True
                self.operation_id = self._create_call(deadline)
            except DataWorksAPIError as err:
                if not isinstance(err, DataWorksTransportError):  # DataWorks answered: nothing was created
                    self.create_unresolved = False
                    self.ledger.refused()
                if not err.retryable or isinstance(err, DataWorksThrottlingError):
                    raise
                if not isinstance(err, DataWorksTransportError):
                    if attempt == retries:
                        raise
                    log.warning("%s; creating the run again.", err)
                    continue
                log.warning(
                    "%s; the run may exist all the same: looking for it by identity for up to %s s before %s.",
                    err,
                    self.creation_timeout,
                    "creating it again" if attempt < retries else "giving up",
                )
                found = self._find_new_run(requested, deadline)
                if found:
                    log.info("Found the run the lost answer created: workflow instances %s.", found)
                    self.instance_ids = found
                    self.create_unresolved = False
                    self.ledger.created(self.run_key, found)
                    return found
                if attempt == retries:
                    raise
                continue
            self.ledger.answered(self.operation_id)
            log.info(
                "DataWorks is creating run %r of workflow %s (operation %s).",
                self.request.name,
                self.request.workflow_id,
                self.operation_id,
            )
            self.instance_ids = self.wait_for_creation(self.operation_id, deadline)
            self.create_unresolved = False
            self.ledger.created(self.run_key, self.instance_ids)
            return self.instance_ids
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _create_call(self, deadline: float) -> str:
        request = self.request
        return self.hook.create_workflow_instances(
            request.workflow_id,
            name=request.name,
            run_type=request.run_type,
            biz_dates=request.biz_date_ranges,
            project_id=request.project_id,
            env_type=request.env_type,
            workflow_parameters=request.workflow_parameters,
            root_task_ids=request.root_task_ids,
            include_task_ids=request.include_task_ids,
            tags=request.identity.tags(),
            deadline=deadline,
        )

    def wait_for_creation(self, operation_id: str, deadline: float, *, interruptible: bool = True) -> list[int]:
        """Poll GetCreateWorkflowInstancesResult until Created (ids) or CreateFailure (fail the task).

        `interruptible`: a kill ends the poll (the kill resolves the operation itself, within its budget).
        """
        workflow = self.request.workflow_id
        result = self._poll_operation(
            lambda: self.hook.get_create_workflow_instances_result(operation_id, deadline=deadline),
            done="Created",
            failed="CreateFailure",
            failure=f"DataWorks could not create the run of workflow {workflow} (operation {operation_id})",
            pending=f"DataWorks was still creating the run of workflow {workflow} (operation {operation_id})",
            deadline=deadline,
            interruptible=interruptible,
        )
        return [int(i) for i in result.get("WorkflowInstanceIds") or []]

    def rerun_failed(self, instance_ids: list[int], deadline: float) -> None:
        """RerunWorkflowInstances of the failed tasks only; a lost answer is checked by reading the instances."""
        retries = self.hook.retry_policy.retry_limit
        for attempt in range(retries + 1):
            try:
                operation_id = self.hook.rerun_workflow_instances(
                    self.request.workflow_id,
                    instance_ids,
                    run_type=self.request.run_type,
                    project_id=self.request.project_id,
                    env_type=self.request.env_type,
                    deadline=deadline,
                )
            except DataWorksAPIError as err:
                if not err.retryable or isinstance(err, DataWorksThrottlingError) or attempt == retries:
                    raise
                log.warning("%s; checking whether the rerun started all the same.", err)
                statuses = [self.hook.get_workflow_instance(i).get("Status") for i in instance_ids]
                if WorkflowInstanceStatus.FAILURE not in statuses:
                    return
                continue
            log.info("DataWorks is rerunning the failed tasks of %s (operation %s).", instance_ids, operation_id)
            self._wait_for_rerun(operation_id, deadline)
            return

    def _wait_for_rerun(self, operation_id: str, deadline: float) -> None:
        ids = self.instance_ids
        self._poll_operation(
            lambda: self.hook.get_rerun_workflow_instances_result(operation_id, deadline=deadline),
            done="Success",
            failed="Failure",
            failure=f"DataWorks could not rerun workflow instances {ids} (operation {operation_id})",
            pending=f"DataWorks was still starting the rerun of {ids} (operation {operation_id})",
            deadline=deadline,
            interruptible=False,
        )

    def _poll_operation(
        self,
        read: Callable[[], dict[str, Any]],
        *,
        done: str,
        failed: str,
        failure: str,
        pending: str,
        deadline: float,
        interruptible: bool,
    ) -> dict[str, Any]:
        """Read an asynchronous DataWorks operation every `creation_poll_interval` until its Status is `done` (its
        result) or `failed` (the task fails, with DataWorks' FailureMessage), or the deadline comes first.

        `interruptible`: a kill ends the poll (the kill resolves the operation itself, within its budget).
        """
        while True:
            if interruptible:
                self._check_not_killed()
            result = read()
            status = result.get("Status")
            if status == done:
                return result
            if status == failed:
                reason = result.get("FailureMessage") or "no FailureMessage given"
                raise DataWorksWorkflowCreateFailed(f"{failure}: {reason}")
            if time.time() + self.creation_poll_interval > deadline:
                raise DataWorksWaitTimeout(f"{pending} when the task's {self.limits} passed.")
            time.sleep(self.creation_poll_interval)

    # -- finding this task instance's runs ------------------------------------------------------------------

    def own_instances(
        self, deadline: float | None = None, *, created_since: float | None = None
    ) -> list[dict[str, Any]]:
        """Every instance of this task instance's runs on the run's data dates, matched exactly by identity, and
        created since its first try (or since `created_since`, epoch s) where those moments are known."""
        request = self.request
        since = max((t for t in (self.not_before, created_since) if t is not None), default=None)
        found: list[dict[str, Any]] = []
        for day in request.days():
            instances = self.hook.list_workflow_instances(
                biz_date=day,
                project_id=request.project_id,
                workflow_id=request.workflow_id,
                env_type=request.env_type,
                name=request.name,
                deadline=deadline,
            )
            found += [i for i in instances if request.identity.owns(i, request.name) and _created_since(i, since)]
        return found

    def _new_run(self, exclude: set[int], requested: float | None, deadline: float | None) -> list[dict[str, Any]]:
        """One look for a run of this identity not among `exclude` and created since `requested` (epoch s, less the
        clock skew): its instances once they cover every data date, else none (DataWorks may still be creating it)."""
        since = None if requested is None else requested - CLOCK_SKEW_SECONDS
        found = [i for i in self.own_instances(deadline, created_since=since) if int(i["Id"]) not in exclude]
        days = {self.hook.biz_date_ms(d) for d in self.request.days()}
        return found if days <= {int(i["BizDate"]) for i in found} else []

    def _find_new_run(self, requested: float, deadline: float) -> list[int]:
        """Look for the run a lost answer may have created, until it appears or the creation window closes."""
        window_end = min(deadline, time.time() + self.creation_timeout)
        found = self._look_by_identity(window_end, self.earlier_ids, requested)
        return sorted(int(i["Id"]) for i in found)

    def _look_by_identity(
        self, window_end: float, exclude: set[int], requested: float | None = None
    ) -> list[dict[str, Any]]:
        """Look for a new run (see `_new_run`) until one appears or `window_end` passes; transient errors only delay
        the next look."""
        while True:
            self._check_not_killed()
            try:
                found = self._new_run(exclude, requested, window_end)
            except DataWorksAPIError as err:
                if not err.retryable:
                    raise
                log.warning("Could not look for the run yet (%s); looking again.", err)
                found = []
            if found:
                return found
            if time.time() + self.creation_poll_interval > window_end:
                return []
            time.sleep(self.creation_poll_interval)

    def _check_not_killed(self) -> None:
        """Once the task is being killed, nothing more is created or adopted (execute resumes after `on_kill`)."""
        if self.killed:
            raise DataWorksStartInterrupted(
                f"The task was killed while starting run {self.request.name!r}; nothing more is started."
            )

    # -- what to stop ---------------------------------------------------------------------------------------

    def started_ids(self, budget: float = RESOLVE_TIMEOUT_SECONDS) -> list[int]:
        """Everything this start made, resolving for up to `budget` seconds a creation still under way.

        What cannot be resolved in time is logged with its operation id and identity: DataWorks may still create
        it, and the next try of this task instance finds it by that identity and stops or adopts it.
        """
        if self.instance_ids:
            return list(self.instance_ids)
        limit = time.time() + budget
        if self.operation_id:
            try:
                self.instance_ids = self.wait_for_creation(self.operation_id, limit, interruptible=False)
            except DataWorksWorkflowCreateFailed as err:
                self.create_unresolved = False
                log.warning("Creation operation %s created nothing: %s", self.operation_id, err)
            except (DataWorksAPIError, DataWorksWaitTimeout) as err:
                log.warning("Could not resolve creation operation %s: %s", self.operation_id, err)
        if not self.instance_ids and self.create_unresolved and not self.operation_id:
            try:
                self.instance_ids = sorted(
                    int(i["Id"]) for i in self._new_run(self.earlier_ids, self.ledger_requested(), limit)
                )
            except DataWorksAPIError as err:
                log.warning("Could not look up the run %r by identity: %s", self.request.name, err)
        if not self.instance_ids and self.create_unresolved:
            log.warning(
                "DataWorks may still be creating run %r of workflow %s (operation %s, tags %s): the next try of "
                "this task instance resolves it (by the recorded operation where Airflow keeps a task state store, "
                "else by that identity) and stops or adopts it.",
                self.request.name,
                self.request.workflow_id,
                self.operation_id or "unknown: the create answer was lost",
                self.request.identity.tags(),
            )
        return list(self.instance_ids)

    def ledger_requested(self) -> float | None:
        """When the latest create request was sent (epoch s), as recorded."""
        return self.ledger.record.create_requested if self.ledger.record is not None else None

    def kill(self) -> list[int]:
        """For `on_kill`: start nothing more, and return what was started, resolved within the kill budget."""
        self.killed = True
        return self.started_ids(KILL_RESOLVE_SECONDS)


def _created_since(instance: dict[str, Any], since: float | None) -> bool:
    """Whether an instance was created at or after `since` (epoch s); true when either moment is unknown."""
    created = instance.get("CreateTime")
    return since is None or not isinstance(created, int | float) or created / 1000 >= since
