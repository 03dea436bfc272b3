"""Operators: fetch a workflow instance, and start a DataWorks workflow run and wait for it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks._compat import BaseOperator, conf
from airflow_provider_dataworks._task import DataWorksTaskMixin, is_blank
from airflow_provider_dataworks.dates import default_data_date, parse_data_date
from airflow_provider_dataworks.exceptions import (
    DataWorksConfigError,
    DataWorksWaitTimeout,
    DataWorksWorkflowCreateFailed,
)
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.status import WorkflowInstanceStatus
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger
from airflow_provider_dataworks.waiting import (
    FAILURE,
    TIMEOUT,
    is_terminal,
    raise_for_event,
    wait_for_workflow_instances,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

RUN_TYPES = ("ManualWorkflow", "SupplementData")
WORKFLOW_INSTANCE_IDS_XCOM_KEY = "workflow_instance_ids"
#: Defaults: poll every minute, give up (and stop the run) after a week, as Airflow sensors do.
DEFAULT_POLL_INTERVAL = 60.0
DEFAULT_TIMEOUT = 7 * 24 * 3600.0
#: Creation is quick; it is polled at most this often even when `poll_interval` is longer.
MAX_CREATION_POLL_INTERVAL = 10.0
#: Failure diagnostics: at most this many failed task instances, this many final log lines each.
MAX_FAILED_TASKS_LOGGED = 5
LOG_TAIL_LINES = 40
LOG_TAIL_CHARS = 4000


class DataWorksGetWorkflowInstanceOperator(DataWorksTaskMixin, BaseOperator):
    """Fetch one workflow instance once and return its dict (API field names) as XCom ``return_value``.

    :param workflow_instance_id: the instance to fetch.
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
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
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
        instance = self.hook.get_workflow_instance(self.workflow_instance_id)
        self.project_id = self.project_id or instance.get("ProjectId")
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console(instance.get("Id")))
        self.log.info("DataWorks workflow instance %s is %s.", instance.get("Id"), instance.get("Status"))
        return instance


class DataWorksRunWorkflowOperator(DataWorksTaskMixin, BaseOperator):
    """Start a DataWorks workflow run (CreateWorkflowInstances) and, by default, wait for it to finish.

    XCom ``workflow_instance_ids`` holds the created ids as soon as they are known; ``return_value`` the list
    of instance dicts. Any failed instance fails the task (its failed DataWorks tasks and log tails are logged).

    :param workflow_id: the DataWorks workflow to run.
    :param project_id: workspace id (default: the connection's ``project_id`` extra).
    :param run_type: ``ManualWorkflow`` (one run) or ``SupplementData`` (a backfill over a range of dates).
    :param biz_date: data date (``YYYY-MM-DD``, ``YYYYMMDD``, a date or datetime; default: the run's data date,
        the day before its data interval ends in DataWorks' time zone), or for SupplementData a ``(start, end)``
        pair (inclusive).
    :param workflow_parameters: run parameters, sent as a JSON object.
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param name: name of the run in DataWorks (default: ``airflow-<dag_id>-<task_id>-<run_id>``).
    :param root_task_ids: run only from these tasks of the workflow.
    :param include_task_ids: run only these tasks of the workflow.
    :param wait_for_termination: wait until every created instance is Success or Failure.
    :param poll_interval: seconds between status polls.
    :param timeout: seconds to wait in all; then the instances are stopped and the task fails.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :param stop_on_kill: stop the started instances when the task is killed (cleared, marked failed).
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
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        stop_on_kill: bool = True,
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
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
        self.poll_interval = float(poll_interval)
        self.timeout = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        self.deferrable = deferrable
        self.stop_on_kill = stop_on_kill
        self.dataworks_conn_id = dataworks_conn_id
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay
        self.workflow_instance_ids: list[int] = []

    # -- starting the run ---------------------------------------------------------------------------------

    def biz_date_ranges(self, context: Context) -> list[tuple[str, str]]:
        """The rendered `biz_date` (default: the run's data date) as DataWorks `Periods.BizDates` ranges."""
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

    def execute(self, context: Context) -> list[dict[str, Any]]:
        ranges = self.biz_date_ranges(context)
        deadline = self.wait_deadline(context, self.timeout)
        self.project_id = self.hook.project_id_or_default(self.project_id)
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())
        name = self.name or _default_run_name(context)
        if _try_number(context) > 1:
            self._stop_earlier_tries(name, ranges)
        operation_id = self.hook.create_workflow_instances(
            self.workflow_id,
            name=name,
            run_type=self.run_type,
            biz_dates=ranges,
            project_id=self.project_id,
            env_type=self.env_type,
            workflow_parameters=self.workflow_parameters,
            root_task_ids=self.root_task_ids,
            include_task_ids=self.include_task_ids,
        )
        self.log.info(
            "DataWorks is creating run %r of workflow %s (operation %s).", name, self.workflow_id, operation_id
        )
        self.workflow_instance_ids = self._wait_for_creation(operation_id, deadline)
        context["ti"].xcom_push(key=WORKFLOW_INSTANCE_IDS_XCOM_KEY, value=self.workflow_instance_ids)
        self.log.info(
            "Started DataWorks workflow instances %s. Console: %s", self.workflow_instance_ids, self.console()
        )
        if not self.wait_for_termination:
            return [self.hook.get_workflow_instance(i) for i in self.workflow_instance_ids]
        if self.deferrable:
            self._defer(deadline)
        self.hook.get_conn()  # build the client here, so the wait's worker threads never look up the connection
        event = asyncio.run(
            wait_for_workflow_instances(
                self.hook, self.workflow_instance_ids, poll_interval=self.poll_interval, deadline=deadline
            )
        )
        return self._finish(event)

    def _wait_for_creation(self, operation_id: str, deadline: float) -> list[int]:
        """Poll GetCreateWorkflowInstancesResult until Created (ids) or CreateFailure (fail the task)."""
        interval = min(self.poll_interval, MAX_CREATION_POLL_INTERVAL)
        while True:
            result = self.hook.get_create_workflow_instances_result(operation_id)
            status = result.get("Status")
            if status == "Created":
                return [int(i) for i in result.get("WorkflowInstanceIds") or []]
            if status == "CreateFailure":
                raise DataWorksWorkflowCreateFailed(
                    f"DataWorks could not create the run of workflow {self.workflow_id} (operation {operation_id}): "
                    f"{result.get('FailureMessage') or 'no FailureMessage given'}"
                )
            if time.time() + interval > deadline:
                raise DataWorksWaitTimeout(
                    f"DataWorks was still creating the run of workflow {self.workflow_id} when the task's "
                    f"{self.limits()} ran out (operation {operation_id})."
                )
            time.sleep(interval)

    def _stop_earlier_tries(self, name: str, ranges: list[tuple[str, str]]) -> None:
        """A retry must not leave the previous try's run unattended: stop whatever of it still runs."""
        running: list[int] = []
        for day in _days(*ranges[0]):
            instances = self.hook.list_workflow_instances(
                biz_date=day,
                project_id=self.project_id,
                workflow_id=self.workflow_id,
                env_type=self.env_type,
                name=name,
            )
            running += [int(i["Id"]) for i in instances if i.get("Name") == name and not is_terminal(i)]
        if running:
            self.log.warning("Stopping workflow instances %s left running by an earlier try of this task.", running)
            self._stop(running)

    # -- waiting and finishing ----------------------------------------------------------------------------

    def _defer(self, deadline: float) -> None:
        """Hand the wait to the triggerer; Airflow's own timeout is set a little later than the trigger's."""
        remaining = max(deadline - time.time(), 0.0)
        self.defer(
            trigger=DataWorksWorkflowInstanceTrigger(
                workflow_instance_ids=self.workflow_instance_ids,
                end_time=deadline,
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poll_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
                stop_on_kill=self.stop_on_kill,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=remaining + max(60.0, self.poll_interval)),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Resume after the trigger fired."""
        self.workflow_instance_ids = list(context["ti"].xcom_pull(key=WORKFLOW_INSTANCE_IDS_XCOM_KEY) or [])
        return self._finish(event)

    def _finish(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Turn the wait's outcome into the task's: instances, or a failure after diagnostics / stopping."""
        if event.get("status") == TIMEOUT:
            pending = [int(i) for i in event.get("pending_ids") or self.workflow_instance_ids]
            self._stop(pending)
            raise DataWorksWaitTimeout(
                f"DataWorks workflow instances {pending} were not finished within the task's {self.limits()}; "
                "stopped them."
            )
        if event.get("status") == FAILURE:
            self._log_failure_diagnostics(event)
        instances = raise_for_event(event, self.console())
        self.log.info("DataWorks workflow instances %s succeeded.", [i["Id"] for i in instances])
        return instances

    def _log_failure_diagnostics(self, event: dict[str, Any]) -> None:
        """Log which DataWorks tasks failed, with their log tails; never let this hide the real failure."""
        for instance in event["instances"]:
            if instance["Id"] not in event["failed_ids"]:
                continue
            try:
                self._log_failed_tasks(instance)
            except Exception as err:
                self.log.warning("Could not fetch diagnostics for workflow instance %s: %s", instance["Id"], err)

    def _log_failed_tasks(self, instance: dict[str, Any]) -> None:
        tasks = self.hook.list_task_instances(
            workflow_instance_id=instance["Id"],
            biz_date=instance["BizDate"],
            project_id=instance.get("ProjectId") or self.project_id,
            env_type=instance.get("EnvType") or self.env_type,
        )
        failed = [t for t in tasks if t.get("Status") == WorkflowInstanceStatus.FAILURE]
        self.log.error(
            "Workflow instance %s failed; failed DataWorks tasks: %s",
            instance["Id"],
            ", ".join(f"{t.get('TaskName')} (task instance {t.get('Id')})" for t in failed) or "none reported",
        )
        for task in failed[:MAX_FAILED_TASKS_LOGGED]:
            tail = _tail(self.hook.get_task_instance_log(task["Id"]))
            self.log.error("Last lines of the log of task %s (%s):\n%s", task.get("TaskName"), task["Id"], tail)

    # -- stopping -----------------------------------------------------------------------------------------

    def _stop(self, instance_ids: list[int]) -> None:
        """StopWorkflowInstances, then report every id DataWorks did not stop."""
        if not instance_ids:
            return
        result = self.hook.stop_workflow_instances(instance_ids)
        refused = {k: v for k, v in result.items() if not (v or {}).get("Success")}
        if refused:
            self.log.warning("DataWorks did not stop some instances: %s", refused)
        self.log.info("Stopped DataWorks workflow instances %s.", [i for i in instance_ids if str(i) not in refused])

    def on_kill(self) -> None:
        """Cleared or marked failed while waiting in a worker: stop the instances this task started."""
        if self.stop_on_kill and self.workflow_instance_ids:
            self._stop(self.workflow_instance_ids)


def _default_run_name(context: Context) -> str:
    """A run name that identifies the Airflow task instance, so a retry can find the earlier try's run."""
    ti = context["ti"]
    return f"airflow-{ti.dag_id}-{ti.task_id}-{ti.run_id}"[:128]


def _try_number(context: Context) -> int:
    return int(getattr(context["ti"], "try_number", 1) or 1)


def _days(start: str, end: str) -> list[str]:
    """Every data date from start to end inclusive, as YYYY-MM-DD."""
    from datetime import date

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _tail(text: str) -> str:
    """The last lines of a log, bounded in lines and characters."""
    lines = "\n".join(text.splitlines()[-LOG_TAIL_LINES:])
    return lines[-LOG_TAIL_CHARS:]
