"""Sensors: gate an Airflow task on a DataWorks workflow instance, or on one node's instance, finishing."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

# Only what declaring a sensor needs: a DAG file is parsed every 30 s. The wait (outcomes, failures, the quality
# gate, reachability, the hook, the trigger) is imported by the methods that run it.
from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksConfigError,
    DataWorksDataQualityCheckFailed,
    DataWorksInstanceNotFoundError,
    DataWorksTaskInstanceFailed,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.status import FAILURE, TIMEOUT
from airflow_provider_dataworks.task_base import DEFAULT_CONN_ID, TRIGGER_FAILED, DataWorksTaskMixin, is_blank
from airflow_provider_dataworks.utils.compat import (
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
    first_poke_of_try,
)
from airflow_provider_dataworks.utils.quota import check_poll_interval, warn_if_over_daily_quota
from airflow_provider_dataworks.utils.validation import positive_int, positive_seconds
from airflow_provider_dataworks.waits.kinds import DATA_QUALITY, TASK, WORKFLOW, InstanceKind
from airflow_provider_dataworks.waits.lookup import check_instance_types

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

    from airflow_provider_dataworks.triggers.dataworks import DataWorksInstanceTrigger
    from airflow_provider_dataworks.waits.outcome import WaitOutcome
    from airflow_provider_dataworks.waits.reachability import Reachability

#: Default seconds between polls: 288 calls a day per wait polling all day (Basic Edition allows 100 a day in all,
#: so there poll every 864 s or more); a wait spends only the polls it makes before its instance finishes.
DEFAULT_POKE_INTERVAL = 300.0
#: Templated after a kind's id and lookup arguments: what a lookup and the console link read.
LOOKUP_TEMPLATE_FIELDS = ("biz_date", "scheduled_time", "project_id", "env_type", "dataworks_conn_id")
#: Templated after the id of a kind waited for by id only: what the console link reads.
ID_TEMPLATE_FIELDS = ("project_id", "dataworks_conn_id")


class DataWorksInstanceSensorBase(DataWorksTaskMixin, BaseSensorOperator):
    """What every sensor shares: one API call per poke, a lookup that may wait for the instance to appear, the
    same outcome in poke, reschedule and deferrable modes, and `soft_fail` turning a failure into a skip.

    A subclass declares its `kind` (whose arguments it takes: `kind.id_argument`, `kind.lookup_argument`) and the
    trigger that waits for it when deferred; its templated fields follow from the kind.
    """

    kind: InstanceKind
    #: The trigger class's name in triggers.dataworks, imported only on deferral (a DAG file never needs it).
    trigger_name: str
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Template the kind's own arguments, then the shared ones, so a sensor declares its kind and not the list
        (a class that names its own `template_fields` keeps them)."""
        super().__init_subclass__(**kwargs)
        if "template_fields" in vars(cls) or not hasattr(cls, "kind"):
            return
        lookup_argument = getattr(cls.kind, "lookup_argument", None)
        if lookup_argument:
            cls.template_fields = (cls.kind.id_argument, lookup_argument, *LOOKUP_TEMPLATE_FIELDS)
        else:
            cls.template_fields = (cls.kind.id_argument, *ID_TEMPLATE_FIELDS)

    def __init__(
        self,
        *,
        instance_id: Any,
        lookup_key: Any,
        biz_date: Any = None,
        instance_types: Sequence[str] = ("Normal",),
        scheduled_time: Any = None,
        project_id: int | str | None = None,
        env_type: str | None = None,
        dataworks_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = DEFAULT_POKE_INTERVAL,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        timeout = kwargs.get("timeout", (kwargs.get("default_args") or {}).get("timeout"))
        if timeout is not None:  # refused as the run operator refuses it, before Airflow's check (which allows 0)
            kwargs["timeout"] = positive_seconds("timeout", timeout)
        super().__init__(poke_interval=check_poll_interval("poke_interval", poke_interval), **kwargs)
        self.by_instance_id = not is_blank(instance_id)
        if self.by_instance_id == (not is_blank(lookup_key)):
            raise DataWorksConfigError(
                f"{type(self).__name__} {self.task_id!r}: give either {self.kind.id_argument}, or "
                f"{self.kind.lookup_argument} "
                "(with an optional biz_date), not both and not neither."
            )
        self.biz_date = biz_date
        self.instance_types = check_instance_types(instance_types)
        self.scheduled_time = scheduled_time
        self.project_id = project_id
        self.env_type = env_type
        self.dataworks_conn_id = dataworks_conn_id
        self.deferrable = deferrable
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay
        self._found_instance_id: int | None = None

    def lookup(self, context: Context) -> Any:
        """What identifies the instance to find (the kind's lookup), validated before any API call."""
        kind = self.kind
        values: dict[str, Any] = {
            kind.lookup_field: positive_int(kind.lookup_argument, getattr(self, kind.lookup_argument)),
            "project_id": self.hook.project_id_or_default(self.project_id),
            "env_type": self.hook.env_type_or_default(self.env_type),
            "instance_types": self.instance_types,
            **self._lookup_dates(context),
        }
        return kind.lookup_class(**values)

    def _failure_details(self, context: Context, outcome: WaitOutcome) -> str:
        """Diagnostics of a failure for the message (never raising); "" when there are none."""
        return ""

    def _lookup_dates(self, context: Context) -> dict[str, Any]:
        """The lookup's data date (BizDate ms), explicit scheduling time, the run's due time (epoch ms), and
        whether the DAG runs more often than daily (then the scheduling time must match exactly)."""
        from airflow_provider_dataworks.dates import (
            default_data_date,
            epoch_ms,
            parse_data_date,
            parse_scheduled_time,
            schedule_period,
        )

        zone = self.hook.settings.zone
        day = parse_data_date(self.biz_date, zone) if not is_blank(self.biz_date) else default_data_date(context, zone)
        scheduled = None if is_blank(self.scheduled_time) else parse_scheduled_time(self.scheduled_time, zone)
        due = context.get("data_interval_end") or context.get("logical_date")
        period = schedule_period(context)
        return {
            "biz_date": self.hook.biz_date_ms(day),
            "scheduled_time": None if scheduled is None else epoch_ms(scheduled),
            "due_time": None if due is None else epoch_ms(due),
            "sub_daily": period is not None and period < timedelta(days=1),
            "timezone": self.hook.settings.timezone,
        }

    def _known_instance_id(self) -> int | None:
        """The given id, or the one a lookup found so far (no API call)."""
        if self.by_instance_id:
            return positive_int(self.kind.id_argument, getattr(self, self.kind.id_argument))
        return self._found_instance_id

    def _poll(self, context: Context) -> dict[str, Any] | None:
        """One API call: the instance by id, or the lookup's list answer (which carries the status)."""
        instance_id = self._known_instance_id()
        if instance_id is not None:
            try:
                return self.kind.get(self.hook, instance_id)
            except DataWorksInstanceNotFoundError as err:
                raise self._blamed(err) from None
        lookup = self.lookup(context)
        instance = self.kind.find(self.hook, lookup)
        if instance is None:
            self.log.info("No instance of %s yet; waiting.", lookup.describe())
            return None
        self._found_instance_id = int(instance["Id"])
        self.log.info("Found %s %s of %s.", self.kind.noun, self._found_instance_id, lookup.describe())
        return instance

    def _blamed(self, err: DataWorksAPIError | DataWorksConfigError) -> DataWorksAPIError | DataWorksConfigError:
        """`err`, unless it says that the instance id this task was given does not exist: then the error naming that
        argument and the fix, which Airflow does not retry. An id a lookup found keeps `err` (a retry looks again)."""
        if not (self.by_instance_id and isinstance(err, DataWorksInstanceNotFoundError)):
            return err
        fix = "check the id and the connection's region"
        lookup_argument = getattr(self.kind, "lookup_argument", None)
        fix += f", or wait by {lookup_argument} and data date instead." if lookup_argument else "."
        instance_id = positive_int(self.kind.id_argument, getattr(self, self.kind.id_argument))
        return self.given_id_not_found(err, self.kind.id_argument, instance_id, fix)

    def _check(self, context: Context) -> dict[str, Any] | None:
        """One poll: the finished instance (raising if it failed), or None while there is nothing final yet."""
        try:
            instance = self._poll(context)
        except DataWorksAPIError as err:
            if not err.retryable:
                raise
            self._failed(context, err)
            return None
        self.reachability.answered()
        if instance is None:
            return None
        return self._advance(context, instance)

    @property
    def reachability(self) -> Reachability:
        """What this wait knows of DataWorks' answers, kept across the pokes of one process."""
        if not hasattr(self, "_reachability"):
            from airflow_provider_dataworks.waits.reachability import Reachability

            self._reachability = Reachability(self.hook, clock=time.time, logger=self.log)
        return self._reachability

    def _failed(self, context: Context, err: DataWorksAPIError) -> None:
        """A poll's transient failure: fatal only to a wait that DataWorks has never answered for minutes.

        A rescheduled poke starts with a fresh record, but past the first poke of a try DataWorks has answered:
        a first poke ends only once it has an answer, or by failing the try (see `poke`).
        """
        if self.reschedule and not self.reachability.reached and not first_poke_of_try(context):
            self.reachability.reached = True
        self.reachability.failed(err)

    def _advance(self, context: Context, instance: dict[str, Any]) -> dict[str, Any] | None:
        """What one read instance means: the finished instance (raising if it failed), or None to keep waiting."""
        if not self.kind.is_terminal(instance):
            self.log.info(
                "%s %s is %s; waiting.", self.kind.noun.capitalize(), instance.get("Id"), instance.get("Status")
            )
            return None
        from airflow_provider_dataworks.waits.outcome import WaitOutcome

        return self._result(context, WaitOutcome.finished([instance], self.kind))

    def _result(self, context: Context, outcome: WaitOutcome) -> dict[str, Any]:
        """The succeeded instance; a failed one fails the task, or skips it with `soft_fail` (in every mode)."""
        details = self._failure_details(context, outcome) if outcome.status == FAILURE else ""
        try:
            return outcome.instances_or_raise(self.kind, self.console(), details, self.hook.settings.zone)[0]
        except (DataWorksWorkflowInstanceFailed, DataWorksTaskInstanceFailed) as err:
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail: {err}") from err
            raise

    def poke(self, context: Context) -> PokeReturnValue:
        """Poke and reschedule modes: done when the instance succeeded; raises when it failed.

        A rescheduling sensor's first poke of a try that DataWorks does not answer pokes again in place, as poke
        mode would, until DataWorks answers, it is found unreachable or the sensor's timeout comes: a rescheduled
        poke would forget that DataWorks never answered.
        """
        instance = self._check(context)
        while instance is None and self.reschedule and not self.reachability.reached:
            if time.time() + self.poke_interval > self.reachability.started + self.timeout:
                break
            time.sleep(self.poke_interval)
            instance = self._check(context)
        return PokeReturnValue(is_done=instance is not None, xcom_value=instance)

    def execute(self, context: Context) -> Any:
        """Deferrable mode checks once, then hands the wait to the trigger; other modes poke."""
        with self.api_call_accounting(context):
            return self._execute(context)

    def _trigger_class(self) -> type[DataWorksInstanceTrigger]:
        """The trigger class, imported on first deferral rather than at DAG parse time."""
        from airflow_provider_dataworks.triggers import dataworks as triggers

        trigger_class: type[DataWorksInstanceTrigger] = getattr(triggers, self.trigger_name)
        return trigger_class

    def _execute(self, context: Context) -> Any:
        warn_if_over_daily_quota("poke_interval", self.poke_interval, timeout=self.timeout)
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())  # once per run, not per poke
        if self._known_instance_id() is None:
            self.lookup(context)  # a configuration error fails here, before Airflow's poke loop could skip it
        if not self.deferrable:
            return self._poke_loop(context)
        instance = self._check(context)
        if instance is not None:
            return instance
        instance_id = self._known_instance_id()
        deadline = self.wait_deadline(context, self.timeout)
        self.defer(
            trigger=self._trigger_class()(
                [instance_id] if instance_id else [],
                deadline,
                lookup=None if instance_id else self.lookup(context).as_dict(),
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poke_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
                wait_started=self.wait_start_time(),
                reached=self.reachability.reached,
            ),
            method_name="execute_complete",
            timeout=self.deferral_timeout(deadline),
        )

    def _poke_loop(self, context: Context) -> Any:
        """Airflow's poke loop, with `soft_fail` skipping only what it skips in deferrable mode: Airflow's loop skips
        every `AirflowFailException`, which here is an error no wait can cure (a wrong id, an impossible argument)."""
        try:
            return super().execute(context)
        except AirflowSkipException as skip:
            error = skip.__cause__
            if getattr(self, "never_fail", False) or not isinstance(error, DataWorksAPIError | DataWorksConfigError):
                raise
            raise error from None

    def waits_on(self) -> str | None:
        """The kind of instance waited for, naming the wait in the wait-duration metric."""
        return self.kind.name

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Resume from the trigger with `soft_fail` skipping what it skips in poke mode, and nothing else.

        Airflow's own resume would skip any error (an auth error, a crashed trigger) with `soft_fail`; here only a
        failed instance (skipped by `_result`) and a timeout (also Airflow's deferral timeout) are skipped.
        """
        error = (next_kwargs or {}).get("error")
        if next_method == TRIGGER_FAILED and "timeout" in str(error).lower():
            next_method, next_kwargs = "_deferral_timed_out", {"error": str(error)}
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except AirflowSkipException as skip:
            cause = skip.__cause__
            if getattr(self, "never_fail", False) or isinstance(cause, AirflowSkipException | AirflowSensorTimeout):
                raise
            if isinstance(cause, BaseException):
                raise cause from None
            raise

    def _deferral_timed_out(self, context: Context, error: str) -> None:
        """Airflow ended the deferral on its timeout: a sensor timeout, as in poke mode."""
        raise AirflowSensorTimeout(f"Sensor {self.task_id!r} reached its {self.limits()} while deferred ({error}).")

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired: succeed with the instance, or fail / time out with a clear reason."""
        from airflow_provider_dataworks.waits.outcome import WaitOutcome

        outcome = WaitOutcome.from_event(event)
        with self.api_call_accounting(context, outcome.wait_started):
            return self._complete(context, outcome)

    def _complete(self, context: Context, outcome: WaitOutcome) -> dict[str, Any]:
        if outcome.status == TIMEOUT:
            waited = outcome.pending_ids or self._known_instance_id() or getattr(self, self.kind.lookup_argument)
            raise AirflowSensorTimeout(
                f"Sensor {self.task_id!r} reached its {self.limits()} waiting for DataWorks {self.kind.noun} {waited}."
            )
        if outcome.error is not None:
            raise self._blamed(outcome.error)
        instance = self._result(context, outcome)
        self.log.info("DataWorks %s %s succeeded.", self.kind.noun, instance["Id"])
        return instance


class DataWorksWorkflowInstanceSensor(DataWorksInstanceSensorBase):
    """Wait for a DataWorks workflow instance to reach Success (task succeeds) or Failure (task fails).

    Give either `workflow_instance_id`, or `workflow_id` to wait for that workflow's instance of the run's data
    date (it may not exist yet: the sensor keeps waiting). On success the instance dict (API field names) is the
    XCom ``return_value``. A failed instance raises `DataWorksWorkflowInstanceFailed` (the task's retries apply,
    so a rerun inside DataWorks can still pass the gate) naming its failed tasks, which also go into XCom
    ``failed_task_instances``; `soft_fail=True` skips instead. Poke, reschedule and
    deferrable modes behave the same, and each poke costs one API call once the instance is known.

    :param workflow_instance_id: the instance to wait for (an id DataWorks does not know fails the task at once,
        without retries: `DataWorksInstanceIdNotFoundError`).
    :param workflow_id: wait for this workflow's instance of the data date instead.
    :param biz_date: data date (``YYYY-MM-DD``, ``YYYYMMDD``, a date or datetime). Default: the day before the day,
        in DataWorks' time zone, on which the run's data interval ends (the instance due when the run is).
    :param instance_types: instance types to accept (default scheduled ``Normal``; add ``SupplementData`` to
        accept a backfill).
    :param scheduled_time: the instance's scheduling time, for workflows that run several times a day (default:
        the run's data interval end decides among several instances of the date).
    :param project_id: workspace id for the lookup (default: the connection's ``project_id`` extra).
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param dataworks_conn_id: the DataWorks connection.
    :param deferrable: hand the wait to the triggerer (default: ``[operators] default_deferrable``).
    :param api_retry_limit: hook retries of a transient API failure within one poll.
    :param api_retry_delay: base seconds of the backoff between those retries.
    """

    kind = WORKFLOW
    trigger_name = "DataWorksWorkflowInstanceTrigger"

    def __init__(
        self,
        workflow_instance_id: int | str | None = None,
        *,
        workflow_id: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(instance_id=workflow_instance_id, lookup_key=workflow_id, **kwargs)
        self.workflow_instance_id = workflow_instance_id
        self.workflow_id = workflow_id

    def _failure_details(self, context: Context, outcome: WaitOutcome) -> str:
        """The failed tasks of the failed instance: into XCom `failed_task_instances` and the message."""
        from airflow_provider_dataworks.waits.failures import (
            FAILED_TASK_INSTANCES_XCOM_KEY,
            collect_failed_tasks,
            describe_failed_tasks,
        )

        tasks = collect_failed_tasks(
            self.hook, outcome.failed_instances(), self.log, project_id=self.project_id, env_type=self.env_type
        )
        context["ti"].xcom_push(key=FAILED_TASK_INSTANCES_XCOM_KEY, value=tasks)
        return describe_failed_tasks(tasks, self.hook.settings.zone)


class DataWorksTaskInstanceSensor(DataWorksInstanceSensorBase):
    """Wait for one DataWorks node's instance to reach Success (task succeeds) or Failure (task fails).

    Give either `task_instance_id`, or the node's `dataworks_task_id` to wait for its instance of the run's data
    date (it may not exist yet: the sensor keeps waiting). A node that runs several times a day (hourly, by the
    minute) has several instances of one data date: the one whose scheduling time (`TriggerTime`) is the run's
    data interval end is chosen, or the one at `scheduled_time`. `WaitTrigger` and every other unfinished status
    mean keep waiting. On success the `TaskInstance` dict (API field names) is the XCom ``return_value``. A failed
    instance raises `DataWorksTaskInstanceFailed` (the task's retries apply, so a rerun of the node can still pass
    the gate) naming the node, its instance, data date, scheduling time, the tail of its log and the console
    link; `soft_fail=True` skips instead. Poke, reschedule and deferrable modes behave the same, and each poke
    costs one API call.

    :param task_instance_id: the node instance to wait for (an id DataWorks does not know fails the task at once,
        without retries: `DataWorksInstanceIdNotFoundError`).
    :param dataworks_task_id: the node (DataWorks task id) whose instance of the data date to wait for.
    :param biz_date: data date (``YYYY-MM-DD``, ``YYYYMMDD``, a date or datetime). Default: the day before the day,
        in DataWorks' time zone, on which the run's data interval ends.
    :param instance_types: workflow instance types to accept (default scheduled ``Normal``).
    :param scheduled_time: the instance's scheduling time (default: the run's data interval end decides among
        several instances of the date).
    :param project_id: workspace id for the lookup (default: the connection's ``project_id`` extra).
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param dataworks_conn_id: the DataWorks connection.
    :param deferrable: hand the wait to the triggerer (default: ``[operators] default_deferrable``).
    :param api_retry_limit: hook retries of a transient API failure within one poll.
    :param api_retry_delay: base seconds of the backoff between those retries.
    """

    kind = TASK
    trigger_name = "DataWorksTaskInstanceTrigger"

    def __init__(
        self,
        task_instance_id: int | str | None = None,
        *,
        dataworks_task_id: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(instance_id=task_instance_id, lookup_key=dataworks_task_id, **kwargs)
        self.task_instance_id = task_instance_id
        self.dataworks_task_id = dataworks_task_id

    def _failure_details(self, context: Context, outcome: WaitOutcome) -> str:
        """The tail of the failed node's log, for the message and the task log."""
        from airflow_provider_dataworks.waits.failures import fetch_log_tail

        tails = []
        for instance in outcome.failed_instances():
            tail = fetch_log_tail(self.hook, instance["Id"], self.log)
            if tail:
                self.log.error(
                    "Last lines of the log of node %s (%s):\n%s", instance.get("TaskName"), instance["Id"], tail
                )
                tails.append(tail)
        return "".join(f" Log tail:\n{tail}" for tail in tails)


class DataWorksDataQualityScanRunSensor(DataWorksInstanceSensorBase):
    """Gate on an existing DataWorks data-quality scan run (e.g. one DataWorks' scheduler started after a node).

    ``Pass`` succeeds; ``Warn`` succeeds with a warning naming the warned rules (fails with ``fail_on_warn``);
    ``Fail`` and ``Error`` fail the task with `DataWorksDataQualityCheckFailed`, naming the scan, the run, each
    rule that did not pass with its check value and thresholds, and the tail of the run's log (`soft_fail=True`
    skips instead). ``Running`` means keep waiting. XCom ``return_value``: the scan run dict with its ``Results``.
    Poke, reschedule and deferrable modes behave the same, and each poke costs one API call.

    :param data_quality_scan_run_id: the scan run to gate on.
    :param fail_on_warn: fail the task when the run ends ``Warn``.
    :param project_id: workspace id, for the console link (default: the connection's ``project_id`` extra).
    :param dataworks_conn_id: the DataWorks connection.
    :param deferrable: hand the wait to the triggerer (default: ``[operators] default_deferrable``).
    :param api_retry_limit: hook retries of a transient API failure within one poll.
    :param api_retry_delay: base seconds of the backoff between those retries.
    """

    kind = DATA_QUALITY
    trigger_name = "DataWorksDataQualityScanRunTrigger"

    def __init__(self, data_quality_scan_run_id: int | str, *, fail_on_warn: bool = False, **kwargs: Any) -> None:
        if is_blank(data_quality_scan_run_id):
            raise DataWorksConfigError(
                f"{type(self).__name__} {kwargs.get('task_id')!r}: data_quality_scan_run_id is empty; give the id of "
                "the scan run to gate on (if it is a template, check what it renders to)."
            )
        super().__init__(instance_id=data_quality_scan_run_id, lookup_key=None, **kwargs)
        self.data_quality_scan_run_id = data_quality_scan_run_id
        self.fail_on_warn = fail_on_warn

    def _result(self, context: Context, outcome: WaitOutcome) -> dict[str, Any]:
        """The run, gated on its verdict; a failed gate fails the task, or skips it with `soft_fail`."""
        from airflow_provider_dataworks.waits.quality import finish_scan_run

        try:
            return finish_scan_run(self, outcome, fail_on_warn=self.fail_on_warn, run_id=self._known_instance_id())
        except DataWorksDataQualityCheckFailed as err:
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail: {err}") from err
            raise
