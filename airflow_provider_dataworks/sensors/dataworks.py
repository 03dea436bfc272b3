"""DataWorksWorkflowInstanceSensor: gate an Airflow task on a DataWorks workflow instance finishing."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)
from airflow_provider_dataworks._task import DataWorksTaskMixin
from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook, positive_int
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.status import biz_date_to_epoch_ms
from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger
from airflow_provider_dataworks.waiting import (
    TIMEOUT,
    finished_event,
    is_terminal,
    lookup_scheduled_instance,
    raise_for_event,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Default seconds between polls. DataWorks Basic Edition allows 100 API calls a day, so poll in minutes.
DEFAULT_POKE_INTERVAL = 300.0


class DataWorksWorkflowInstanceSensor(DataWorksTaskMixin, BaseSensorOperator):
    """Wait for a DataWorks workflow instance to reach Success (task succeeds) or Failure (task fails).

    Give either `workflow_instance_id`, or `workflow_id` and `biz_date` to wait for that workflow's scheduled
    instance of the data date (it may not exist yet: the sensor keeps waiting). On success the instance dict
    (API field names) is the XCom ``return_value``. A failed instance raises `DataWorksWorkflowInstanceFailed`,
    which `soft_fail=True` turns into a skip. Poke, reschedule and deferrable modes behave the same.

    :param workflow_instance_id: the instance to wait for.
    :param workflow_id: with `biz_date`: wait for this workflow's scheduled (Normal) instance of that date.
    :param biz_date: data date ``YYYY-MM-DD`` for the lookup (default ``{{ ds }}``).
    :param project_id: workspace id for the lookup (default: the connection's ``project_id`` extra).
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param dataworks_conn_id: the DataWorks connection.
    :param deferrable: hand the wait to the triggerer (default: ``[operators] default_deferrable``).
    :param api_retry_limit: hook retries of a transient API failure within one poll.
    :param api_retry_delay: base seconds of the backoff between those retries.
    """

    template_fields = ("workflow_instance_id", "workflow_id", "biz_date", "project_id", "env_type", "dataworks_conn_id")
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init__(
        self,
        workflow_instance_id: int | str | None = None,
        *,
        workflow_id: int | str | None = None,
        biz_date: str = "{{ ds }}",
        project_id: int | str | None = None,
        env_type: str | None = None,
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = DEFAULT_POKE_INTERVAL,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        if (workflow_instance_id in (None, "")) == (workflow_id in (None, "")):
            raise DataWorksConfigError(
                f"{type(self).__name__} {self.task_id!r}: give either workflow_instance_id, or workflow_id "
                "(with biz_date), not both and not neither."
            )
        self.workflow_instance_id = workflow_instance_id
        self.workflow_id = workflow_id
        self.biz_date = biz_date
        self.project_id = project_id
        self.env_type = env_type
        self.dataworks_conn_id = dataworks_conn_id
        self.deferrable = deferrable
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay
        self._found_instance_id: int | None = None

    def _lookup(self) -> dict[str, Any]:
        """What identifies the scheduled instance to find: plain values, also used as trigger kwargs."""
        return {
            "workflow_id": positive_int("workflow_id", self.workflow_id),
            "biz_date": biz_date_to_epoch_ms(self.biz_date),
            "project_id": self.hook.project_id_or_default(self.project_id),
            "env_type": self.hook.env_type_or_default(self.env_type),
        }

    def _instance_id(self) -> int | None:
        """The instance to watch: given, or found by the lookup (None while it does not exist yet)."""
        if self._found_instance_id is None and self.workflow_instance_id in (None, ""):
            found = lookup_scheduled_instance(self.hook, self._lookup())
            if found is None:
                self.log.info("No scheduled instance of workflow %s for %s yet.", self.workflow_id, self.biz_date)
                return None
            self._found_instance_id = int(found["Id"])
            self.log.info("Found workflow instance %s of workflow %s.", self._found_instance_id, self.workflow_id)
        return self._known_instance_id()

    def _known_instance_id(self) -> int | None:
        """The given id, or the one a lookup found so far (no API call)."""
        if self.workflow_instance_id not in (None, ""):
            return positive_int("workflow_instance_id", self.workflow_instance_id)
        return self._found_instance_id

    def _check(self, context: Context) -> dict[str, Any] | None:
        """One poll: the finished instance (raising if it failed), or None while there is nothing final yet."""
        try:
            instance_id = self._instance_id()
            if instance_id is None:
                return None
            instance = self.hook.get_workflow_instance(instance_id)
        except DataWorksAPIError as err:
            if not err.retryable:
                raise
            self.log.warning("%s; will poll again in %s s.", err, self.poke_interval)
            return None
        if not is_terminal(instance):
            self.log.info("Workflow instance %s is %s; waiting.", instance_id, instance.get("Status"))
            return None
        return raise_for_event(finished_event([instance]), self.console(instance_id))[0]

    def poke(self, context: Context) -> PokeReturnValue:
        """Poke and reschedule modes: done when the instance succeeded; raises when it failed."""
        instance = self._check(context)
        return PokeReturnValue(is_done=instance is not None, xcom_value=instance)

    def execute(self, context: Context) -> Any:
        """Deferrable mode checks once, then hands the wait to the trigger; other modes poke."""
        context["ti"].xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())  # once per run, not per poke
        if not self.deferrable:
            return super().execute(context)
        try:
            instance = self._check(context)
        except AirflowFailException as err:  # as the poke loop does: soft_fail turns a failed instance into a skip
            if self.soft_fail or getattr(self, "never_fail", False):
                raise AirflowSkipException(f"Skipping due to soft_fail: {err}") from err
            raise
        if instance is not None:
            return instance
        instance_id = self._known_instance_id()
        deadline = self.wait_deadline(context, self.timeout)
        self.defer(
            trigger=DataWorksWorkflowInstanceTrigger(
                workflow_instance_ids=[instance_id] if instance_id else [],
                end_time=deadline,
                lookup=None if instance_id else self._lookup(),
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poke_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=max(deadline - time.time(), 0.0)),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired: succeed with the instance, or fail / time out with a clear reason."""
        if event.get("status") == TIMEOUT:
            raise AirflowSensorTimeout(
                f"Sensor {self.task_id!r} reached its {self.limits()} waiting for DataWorks "
                f"workflow instance {event.get('pending_ids') or self.workflow_id}."
            )
        instances = raise_for_event(event, self.console())
        self.log.info("DataWorks workflow instance %s succeeded.", instances[0]["Id"])
        return instances[0]
