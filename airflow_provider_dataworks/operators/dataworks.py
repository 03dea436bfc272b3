"""Operators: fetch a workflow instance, and start a DataWorks workflow run and wait for it."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

# Only what declaring an operator needs: a DAG file is parsed every 30 s. Starting a run, the wait loop, outcomes
# and failures are imported by the methods that use them.
from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksConfigError,
    DataWorksInstanceNotFoundError,
    DataWorksWaitTimeout,
)
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.status import ERROR, FAILURE, TIMEOUT
from airflow_provider_dataworks.task_base import DEFAULT_CONN_ID, TRIGGER_FAILED, DataWorksTaskMixin, is_blank
from airflow_provider_dataworks.utils.compat import BaseOperator, conf
from airflow_provider_dataworks.utils.quota import check_poll_interval, warn_if_over_daily_quota
from airflow_provider_dataworks.utils.validation import positive_int, positive_seconds

if TYPE_CHECKING:
    from datetime import timedelta

    from airflow.sdk import Context

    from airflow_provider_dataworks.runs.starting import RunStarter
    from airflow_provider_dataworks.waits.outcome import WaitOutcome

RUN_TYPES = ("ManualWorkflow", "SupplementData")
WORKFLOW_INSTANCE_IDS_XCOM_KEY = "workflow_instance_ids"
#: Defaults: poll every minute (1,440 calls a day if a run lasts all day), give up (and stop the run) after a week,
#: as Airflow sensors do.
DEFAULT_POLL_INTERVAL = 60.0
DEFAULT_TIMEOUT = 7 * 24 * 3600.0
#: Seconds DataWorks may take to create a run in the background: after an answer that may have been lost, the run
#: is looked for by its identity this long before it is created again.
DEFAULT_CREATION_TIMEOUT = 300.0
#: Creation is quick; it is polled at most this often even when `poll_interval` is longer.
MAX_CREATION_POLL_INTERVAL = 10.0
#: How a message says that every started instance that was still going has been stopped.
STOPPED_ALL = "stopped them"
#: Seconds a kill gives the stop call's retries, after resolving what was started (all within Airflow's 5 s).
KILL_STOP_SECONDS = 2.0


class DataWorksGetWorkflowInstanceOperator(DataWorksTaskMixin, BaseOperator):
    """Fetch one workflow instance once and return its dict (API field names) as XCom ``return_value``.

    :param workflow_instance_id: the instance to fetch (an id DataWorks does not know fails the task at once,
        without retries: `DataWorksInstanceIdNotFoundError`).
    :param project_id: workspace id, only for the console link (default: the connection's extra).
    :param dataworks_conn_id: the DataWorks connection.
    """

    template_fields = ("workflow_instance_id", "project_id", "dataworks_conn_id")
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init__(
        self,
        workflow_instance_id: int | str,
        *,
        project_id: int | str | None = None,
        dataworks_conn_id: str = DEFAULT_CONN_ID,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.workflow_instance_id = workflow_instance_id
        self.project_id = project_id
        self.dataworks_conn_id = dataworks_conn_id
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay

    def execute(self, context: Context) -> dict[str, Any]:
        with self.api_call_accounting():
            return self._fetch(context)

    def _fetch(self, context: Context) -> dict[str, Any]:
        instance_id = positive_int("workflow_instance_id", self.workflow_instance_id)
        try:
            instance = self.hook.get_workflow_instance(instance_id)
        except DataWorksInstanceNotFoundError as err:
            fix = "check the id and the connection's region."
            raise self.given_id_not_found(err, "workflow_instance_id", instance_id, fix) from None
        self.project_id = self.project_id or instance.get("ProjectId")
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console(instance.get("Id")))
        self.log.info("DataWorks workflow instance %s is %s.", instance.get("Id"), instance.get("Status"))
        return instance


class DataWorksRunWorkflowOperator(DataWorksTaskMixin, BaseOperator):
    """Start a DataWorks workflow run (CreateWorkflowInstances) and, by default, wait for it to finish.

    XCom ``workflow_instance_ids`` holds the created ids as soon as they are known; ``return_value`` the list
    of instance dicts. Any failed instance fails the task: its failed DataWorks tasks go into XCom
    ``failed_task_instances`` and the exception message, and their log tails into the task log.

    :param workflow_id: the DataWorks workflow to run.
    :param project_id: workspace id (default: the connection's ``project_id`` extra).
    :param run_type: ``ManualWorkflow`` (one run) or ``SupplementData`` (a backfill over a range of dates).
    :param biz_date: data date (``YYYY-MM-DD``, ``YYYYMMDD``, a date or datetime; default: the run's data date,
        the day before its data interval ends in DataWorks' time zone), or for SupplementData a ``(start, end)``
        pair (inclusive).
    :param workflow_parameters: run parameters, sent as a JSON object.
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param name: name of the run in DataWorks (default: ``airflow-<dag_id>-<task_id>-<run_id>[-<map_index>]``;
        past 128 characters shortened with a hash). Runs also carry the task instance in ``Tags`` (``airflow:*``).
    :param root_task_ids: run only from these tasks of the workflow.
    :param include_task_ids: run only these tasks of the workflow.
    :param wait_for_termination: wait until every created instance is Success or Failure.
    :param poll_interval: seconds between status polls.
    :param timeout: seconds to wait in all; then the instances are stopped and the task fails.
    :param creation_timeout: seconds DataWorks may take to create the run in the background: after a create
        answer that may have been lost, the run is looked for by its identity this long before another is created.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :param stop_on_kill: stop the started instances when the task is killed (cleared, marked failed).
    :param reuse_existing_run: on a retry, wait for the earlier try's run if it is still going.
    :param retry_from_failure: on a retry, rerun only the failed tasks of the earlier try's failed run.
    """

    template_fields = (
        "workflow_id",
        "project_id",
        "biz_date",
        "workflow_parameters",
        "env_type",
        "name",
        "root_task_ids",
        "include_task_ids",
        "dataworks_conn_id",
    )
    template_fields_renderers = {"workflow_parameters": "json"}
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init__(
        self,
        workflow_id: int | str,
        *,
        project_id: int | str | None = None,
        run_type: str = "ManualWorkflow",
        biz_date: Any = None,
        workflow_parameters: dict[str, Any] | None = None,
        env_type: str | None = None,
        name: str | None = None,
        root_task_ids: list[int] | None = None,
        include_task_ids: list[int] | None = None,
        wait_for_termination: bool = True,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | timedelta = DEFAULT_TIMEOUT,
        creation_timeout: float | timedelta = DEFAULT_CREATION_TIMEOUT,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        stop_on_kill: bool = True,
        reuse_existing_run: bool = True,
        retry_from_failure: bool = False,
        dataworks_conn_id: str = DEFAULT_CONN_ID,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if run_type not in RUN_TYPES:
            raise DataWorksConfigError(f"run_type must be one of {', '.join(RUN_TYPES)}, not {run_type!r}.")
        self.workflow_id = workflow_id
        self.project_id = project_id
        self.run_type = run_type
        self.biz_date = biz_date
        self.workflow_parameters = workflow_parameters
        self.env_type = env_type
        self.name = name
        self.root_task_ids = root_task_ids
        self.include_task_ids = include_task_ids
        self.wait_for_termination = wait_for_termination
        self.poll_interval = check_poll_interval("poll_interval", poll_interval)
        self.timeout = positive_seconds("timeout", timeout)
        self.creation_timeout = positive_seconds("creation_timeout", creation_timeout)
        self.deferrable = deferrable
        self.stop_on_kill = stop_on_kill
        self.reuse_existing_run = reuse_existing_run
        self.retry_from_failure = retry_from_failure
        self.dataworks_conn_id = dataworks_conn_id
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay
        self.workflow_instance_ids: list[int] = []
        self._starter: RunStarter | None = None
        self._stopped_on_kill: set[int] = set()

    # -- starting the run ---------------------------------------------------------------------------------

    def biz_date_ranges(self, context: Context) -> list[tuple[str, str]]:
        """The rendered `biz_date` (default: the run's data date) as DataWorks `Periods.BizDates` ranges."""
        from airflow_provider_dataworks.dates import default_data_date, parse_data_date

        zone = self.hook.settings.zone
        value = self.biz_date
        if is_blank(value):
            dates = [default_data_date(context, zone)]
        elif isinstance(value, list | tuple) and len(value) == 2 and self.run_type == "SupplementData":
            dates = [parse_data_date(d, zone) for d in value]
        elif isinstance(value, list | tuple):
            raise DataWorksConfigError(
                f"biz_date {value!r}: a (start, end) range needs run_type='SupplementData'; "
                "a ManualWorkflow run takes one data date."
            )
        else:
            dates = [parse_data_date(value, zone)]
        start, end = dates[0], dates[-1]
        if start > end:
            raise DataWorksConfigError(f"biz_date range starts after it ends: {start} > {end}.")
        return [(start.isoformat(), end.isoformat())]

    def waits_on(self) -> str | None:
        """A run waited for to its end is timed as a workflow wait; a run only started is not a wait."""
        from airflow_provider_dataworks.waits.kinds import WORKFLOW

        return WORKFLOW.name if self.wait_for_termination else None

    def execute(self, context: Context) -> list[dict[str, Any]]:
        with self.api_call_accounting(context):
            return self._run(context)

    def _run(self, context: Context) -> list[dict[str, Any]]:
        from airflow_provider_dataworks.runs.identity import RunIdentity, fit_run_name
        from airflow_provider_dataworks.runs.record import RunLedger
        from airflow_provider_dataworks.runs.starting import RunRequest, RunStarter
        from airflow_provider_dataworks.runs.tries import dag_run_started, earlier_try_starts, try_kind

        ranges = self.biz_date_ranges(context)
        deadline = self.wait_deadline(context, self.timeout)
        self.project_id = self.hook.project_id_or_default(self.project_id)
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())
        identity = RunIdentity.from_context(context)
        self._starter = RunStarter(
            self.hook,
            RunRequest(
                workflow_id=self.workflow_id,
                project_id=self.project_id,
                env_type=self.env_type,
                run_type=self.run_type,
                name=fit_run_name(self.name) if self.name else identity.default_run_name(),
                identity=identity,
                biz_date_ranges=ranges,
                workflow_parameters=self.workflow_parameters,
                root_task_ids=self.root_task_ids,
                include_task_ids=self.include_task_ids,
            ),
            creation_poll_interval=min(self.poll_interval, MAX_CREATION_POLL_INTERVAL),
            creation_timeout=self.creation_timeout,
            limits=self.limits(),
            ledger=RunLedger(context.get("task_state_store")),
        )
        ti = context["ti"]
        earlier_starts = earlier_try_starts(ti)
        try:
            self.workflow_instance_ids = self._starter.start(
                attempt=try_kind(ti, self.retries or 0),
                reuse_existing_run=self.reuse_existing_run,
                retry_from_failure=self.retry_from_failure,
                deadline=deadline,
                first_try_started=earlier_starts[0] if earlier_starts else dag_run_started(context),
                earlier_try_started=earlier_starts[-1] if earlier_starts else None,
            )
        except BaseException as err:
            starter = self._starter  # after a kill, only what is known by now: the kill has had its budget
            started = list(starter.instance_ids) if starter.killed else starter.started_ids()
            left = [i for i in started if i not in self._stopped_on_kill]
            self._stop_quietly(left, f"the start failed ({type(err).__name__})")
            raise
        context["ti"].xcom_push(key=WORKFLOW_INSTANCE_IDS_XCOM_KEY, value=self.workflow_instance_ids)
        self.log.info(
            "Started DataWorks workflow instances %s. Console: %s", self.workflow_instance_ids, self.console()
        )
        if not self.wait_for_termination:
            return [self.hook.get_workflow_instance(i) for i in self.workflow_instance_ids]
        warn_if_over_daily_quota("poll_interval", self.poll_interval, timeout=self.timeout)
        if self.deferrable:
            self._defer(deadline)
        self.hook.get_conn()  # build the client here, so the wait's worker threads never look up the connection
        from airflow_provider_dataworks.waits.loop import wait_for_workflow_instances

        outcome = asyncio.run(
            wait_for_workflow_instances(
                self.hook, self.workflow_instance_ids, poll_interval=self.poll_interval, deadline=deadline
            )
        )
        return self._finish(context, outcome)

    # -- waiting and finishing ----------------------------------------------------------------------------

    def _defer(self, deadline: float) -> None:
        """Hand the wait to the triggerer, which owns the deadline (and stops the run on it): no Airflow timeout."""
        from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger  # not at parse

        self.defer(
            trigger=DataWorksWorkflowInstanceTrigger(
                workflow_instance_ids=self.workflow_instance_ids,
                end_time=deadline,
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poll_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
                stop_on_kill=self.stop_on_kill,
                stop_on_deadline=True,
                wait_started=self.wait_start_time(),
            ),
            method_name="execute_complete",
        )

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Resume from the trigger; when the deferral failed instead (the trigger raised, or Airflow's deferral
        timeout passed), stop this task instance's own instances before Airflow fails the task."""
        if next_method == TRIGGER_FAILED:
            ti = context["ti"]
            ids = ti.xcom_pull(
                task_ids=self.task_id, key=WORKFLOW_INSTANCE_IDS_XCOM_KEY, map_indexes=getattr(ti, "map_index", -1)
            )
            error = (next_kwargs or {}).get("error", "unknown")
            with self.api_call_accounting():
                self._stop_quietly([int(i) for i in ids or []], f"the deferral failed ({error})")
        return super().resume_execution(next_method, next_kwargs, context)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Resume after the trigger fired, from the ids the event carries (never from another task's XCom)."""
        from airflow_provider_dataworks.waits.outcome import WaitOutcome

        outcome = WaitOutcome.from_event(event)
        self.workflow_instance_ids = outcome.instance_ids()
        with self.api_call_accounting(context, outcome.wait_started):
            return self._finish(context, outcome)

    def _finish(self, context: Context, outcome: WaitOutcome) -> list[dict[str, Any]]:
        """Turn the wait's outcome into the task's: instances, or a failure after diagnostics / stopping."""
        from airflow_provider_dataworks.waits.failures import (
            FAILED_TASK_INSTANCES_XCOM_KEY,
            collect_failed_tasks,
            describe_failed_tasks,
        )
        from airflow_provider_dataworks.waits.kinds import WORKFLOW

        if outcome.status == TIMEOUT:
            pending = outcome.pending_ids or self.workflow_instance_ids
            stopped = set(outcome.stopped_ids or [])
            stopping = self._stop_quietly([i for i in pending if i not in stopped], "the deadline passed")
            raise DataWorksWaitTimeout(
                f"DataWorks workflow instances {pending} were not finished within the task's {self.limits()}; "
                f"{stopping}. Console: {self.console()}"
            )
        if outcome.status == ERROR:
            stopping = self._stop_quietly(outcome.pending_ids or self.workflow_instance_ids, "the wait hit an error")
            if isinstance(outcome.error, DataWorksAPIError):
                raise outcome.error.with_message(
                    f"{outcome.error.dataworks_message} (while waiting for the started workflow instances "
                    f"{self.workflow_instance_ids}; {stopping}; console: {self.console()})"
                ) from None
        details = ""
        if outcome.status == FAILURE:
            tasks = collect_failed_tasks(
                self.hook, outcome.failed_instances(), self.log, project_id=self.project_id, env_type=self.env_type
            )
            context["ti"].xcom_push(key=FAILED_TASK_INSTANCES_XCOM_KEY, value=tasks)
            details = describe_failed_tasks(tasks, self.hook.settings.zone)
        instances = outcome.instances_or_raise(WORKFLOW, self.console(), details, self.hook.settings.zone)
        self.log.info("DataWorks workflow instances %s succeeded.", [i["Id"] for i in instances])
        return instances

    # -- stopping -----------------------------------------------------------------------------------------

    def _stop(self, instance_ids: list[int], deadline: float | None = None) -> list[int]:
        """StopWorkflowInstances, report every id DataWorks did not stop, and return the ids it stopped."""
        if not instance_ids:
            return []
        result = self.hook.stop_workflow_instances(instance_ids, deadline=deadline)
        refused = {k: v for k, v in result.items() if not (v or {}).get("Success")}
        if refused:
            self.log.warning("DataWorks did not stop some instances: %s", refused)
        stopped = [i for i in instance_ids if str(i) not in refused]
        self.log.info("Stopped DataWorks workflow instances %s.", stopped)
        return stopped

    def _stop_quietly(self, instance_ids: list[int], why: str, deadline: float | None = None) -> str:
        """Stop instances because `why`, never raising (the real failure matters more); a phrase for messages."""
        if not instance_ids:
            return STOPPED_ALL
        self.log.warning("Stopping DataWorks workflow instances %s: %s.", instance_ids, why)
        try:
            stopped = self._stop(instance_ids, deadline)
        except Exception as err:
            self.log.error("Could not stop DataWorks workflow instances %s: %s", instance_ids, err)
            return f"could not stop {instance_ids} ({err})"
        if stopped == instance_ids:
            return STOPPED_ALL
        return f"stopped {stopped} of {instance_ids} (DataWorks refused the rest)"

    def on_kill(self) -> None:
        """Cleared or marked failed in a worker: stop what this task started, even a run still being created.

        Airflow sends SIGKILL 5 s after SIGTERM, so this takes a few seconds at most; a run DataWorks is still
        creating then is logged with its identity, by which the next try stops or adopts it.
        """
        if not self.stop_on_kill:
            return
        starter = self._starter
        ids = starter.kill() if starter is not None else self.workflow_instance_ids
        self._stopped_on_kill.update(ids)
        self._stop_quietly(ids, "the task was killed", deadline=time.time() + KILL_STOP_SECONDS)
