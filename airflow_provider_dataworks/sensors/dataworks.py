"""DataWorksWorkflowInstanceSensor: gate an Airflow task on a DataWorks workflow instance finishing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks._compat import (
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)
from airflow_provider_dataworks._task import DataWorksTaskMixin, is_blank
from airflow_provider_dataworks.dates import default_data_date, epoch_ms, parse_data_date, parse_scheduled_time
from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksConfigError,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook, positive_int
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.lookup import InstanceLookup, check_instance_types, find_instance
from airflow_provider_dataworks.quota import check_poll_interval, warn_if_over_daily_quota
from airflow_provider_dataworks.waiting import TIMEOUT, finished_event, is_terminal, raise_for_event

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context

#: Default seconds between polls: 288 calls a day per wait polling all day (Basic Edition allows 100 a day in all,
#: so there poll every 864 s or more); a wait spends only the polls it makes before its instance finishes.
DEFAULT_POKE_INTERVAL = 300.0


class DataWorksWorkflowInstanceSensor(DataWorksTaskMixin, BaseSensorOperator):
    """Wait for a DataWorks workflow instance to reach Success (task succeeds) or Failure (task fails).

    Give either `workflow_instance_id`, or `workflow_id` to wait for that workflow's instance of the run's data
    date (it may not exist yet: the sensor keeps waiting). On success the instance dict (API field names) is the
    XCom ``return_value``. A failed instance raises `DataWorksWorkflowInstanceFailed` (the task's retries apply,
    so a rerun inside DataWorks can still pass the gate); `soft_fail=True` skips instead. Poke, reschedule and
    deferrable modes behave the same, and each poke costs one API call once the instance is known.

    :param workflow_instance_id: the instance to wait for.
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

    template_fields = (
        "workflow_instance_id",
        "workflow_id",
        "biz_date",
        "scheduled_time",
        "project_id",
        "env_type",
        "dataworks_conn_id",
    )
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init__(
        self,
        workflow_instance_id: int | str | None = None,
        *,
        workflow_id: int | str | None = None,
        biz_date: Any = None,
        instance_types: Sequence[str] = ("Normal",),
        scheduled_time: Any = None,
        project_id: int | str | None = None,
        env_type: str | None = None,
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = DEFAULT_POKE_INTERVAL,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=check_poll_interval("poke_interval", poke_interval), **kwargs)
        self.by_instance_id = not is_blank(workflow_instance_id)
        if self.by_instance_id == (not is_blank(workflow_id)):
            raise DataWorksConfigError(
                f"{type(self).__name__} {self.task_id!r}: give either workflow_instance_id, or workflow_id "
                "(with an optional biz_date), not both and not neither."
            )
        self.workflow_instance_id = workflow_instance_id
        self.workflow_id = workflow_id
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

    def lookup(self, context: Context) -> InstanceLookup:
        """What identifies the instance to find, validated before any API call."""
        zone = self.hook.settings.zone
        day = parse_data_date(self.biz_date, zone) if not is_blank(self.biz_date) else default_data_date(context, zone)
        scheduled = None if is_blank(self.scheduled_time) else parse_scheduled_time(self.scheduled_time, zone)
        due = context.get("data_interval_end") or context.get("logical_date")
        return InstanceLookup(
            workflow_id=positive_int("workflow_id", self.workflow_id),
            biz_date=self.hook.biz_date_ms(day),
            project_id=self.hook.project_id_or_default(self.project_id),
            env_type=self.hook.env_type_or_default(self.env_type),
            instance_types=self.instance_types,
            scheduled_time=None if scheduled is None else epoch_ms(scheduled),
            due_time=None if due is None else epoch_ms(due),
        )

    def _known_instance_id(self) -> int | None:
        """The given id, or the one a lookup found so far (no API call)."""
        if self.by_instance_id:
            return positive_int("workflow_instance_id", self.workflow_instance_id)
        return self._found_instance_id

    def _poll(self, context: Context) -> dict[str, Any] | None:
        """One API call: the instance by id, or the lookup's list answer (which carries the status)."""
        instance_id = self._known_instance_id()
        if instance_id is not None:
            return self.hook.get_workflow_instance(instance_id)
        lookup = self.lookup(context)
        instance = find_instance(self.hook, lookup)
        if instance is None:
            self.log.info("No instance of %s yet; waiting.", lookup.describe())
            return None
        self._found_instance_id = int(instance["Id"])
        self.log.info("Found workflow instance %s of %s.", self._found_instance_id, lookup.describe())
        return instance

    def _check(self, context: Context) -> dict[str, Any] | None:
        """One poll: the finished instance (raising if it failed), or None while there is nothing final yet."""
        try:
            instance = self._poll(context)
        except DataWorksAPIError as err:
            if not err.retryable:
                raise
            self.log.warning("%s; will poll again in %s s.", err, self.poke_interval)
            return None
        if instance is None:
            return None
        if not is_terminal(instance):
            self.log.info("Workflow instance %s is %s; waiting.", instance.get("Id"), instance.get("Status"))
            return None
        return self._outcome(finished_event([instance]))

    def _outcome(self, event: dict[str, Any]) -> dict[str, Any]:
        """The succeeded instance; a failed one fails the task, or skips it with `soft_fail` (in every mode)."""
        try:
            return raise_for_event(event, self.console())[0]
        except DataWorksWorkflowInstanceFailed as err:
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail: {err}") from err
            raise

    def poke(self, context: Context) -> PokeReturnValue:
        """Poke and reschedule modes: done when the instance succeeded; raises when it failed."""
        instance = self._check(context)
        return PokeReturnValue(is_done=instance is not None, xcom_value=instance)

    def execute(self, context: Context) -> Any:
        """Deferrable mode checks once, then hands the wait to the trigger; other modes poke."""
        with self.api_call_accounting():
            return self._execute(context)

    def _execute(self, context: Context) -> Any:
        warn_if_over_daily_quota("poke_interval", self.poke_interval)
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())  # once per run, not per poke
        if not self.deferrable:
            return super().execute(context)
        instance = self._check(context)
        if instance is not None:
            return instance
        instance_id = self._known_instance_id()
        deadline = self.wait_deadline(context, self.timeout)
        from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger  # not at parse

        self.defer(
            trigger=DataWorksWorkflowInstanceTrigger(
                workflow_instance_ids=[instance_id] if instance_id else [],
                end_time=deadline,
                lookup=None if instance_id else self.lookup(context).as_dict(),
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poke_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
            ),
            method_name="execute_complete",
            timeout=self.deferral_timeout(deadline),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired: succeed with the instance, or fail / time out with a clear reason."""
        with self.api_call_accounting():
            return self._complete(event)

    def _complete(self, event: dict[str, Any]) -> dict[str, Any]:
        if event.get("status") == TIMEOUT:
            raise AirflowSensorTimeout(
                f"Sensor {self.task_id!r} reached its {self.limits()} waiting for DataWorks "
                f"workflow instance {event.get('pending_ids') or self.workflow_id}."
            )
        instance = self._outcome(event)
        self.log.info("DataWorks workflow instance %s succeeded.", instance["Id"])
        return instance
