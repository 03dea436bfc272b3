"""Release a DataWorks workflow from Airflow: fire its HTTP trigger node's instance of the run, exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.sensors.dataworks import DEFAULT_POKE_INTERVAL, DataWorksTaskInstanceSensor
from airflow_provider_dataworks.status import BEFORE_TRIGGER, TIMEOUT, TRIGGER_NODE_TYPE
from airflow_provider_dataworks.waits.kinds import TRIGGER_NODE, WORKFLOW

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_dataworks.triggers.dataworks import DataWorksInstanceTrigger
    from airflow_provider_dataworks.waits.outcome import WaitOutcome


class DataWorksTriggerNodeOperator(DataWorksTaskInstanceSensor):
    """Fire the HTTP trigger node's instance of the run's data date once it waits for its trigger.

    The node's instance is found like `DataWorksTaskInstanceSensor` finds it (data date, and among an hourly
    node's instances the one scheduled at the run's data interval end, or at `scheduled_time`); the task waits
    until it exists and is ``WaitTrigger``, then calls TriggerSchedulerTaskInstance with that instance's own
    TriggerTime. It fires only an instance it has just read in ``WaitTrigger``: an instance already past it
    (an earlier try, or an answer that was lost) counts as fired, and a lost answer is never retried blindly.
    With `wait_for_downstream` it then waits for the workflow instance to finish (Failure fails the task).
    The `TaskInstance` dict is the XCom ``return_value``. A node that is not an HTTP trigger node, or a backfill
    instance, fails the task before any trigger call.

    :param dataworks_task_id: the HTTP trigger node (DataWorks task id).
    :param biz_date: data date (default: the day before the day, in DataWorks' time zone, the run is due).
    :param scheduled_time: the instance's scheduling time (default: the run's data interval end decides).
    :param project_id: workspace id (default: the connection's ``project_id`` extra).
    :param env_type: ``Prod`` or ``Dev`` (default: the connection's ``env_type`` extra, else Prod).
    :param wait_for_downstream: after firing, wait until the workflow instance is Success or Failure.
    :param dataworks_conn_id: the DataWorks connection.
    :param deferrable: hand the waits to the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: seconds between polls.
    :param timeout: seconds the whole wait may take.
    """

    kind = TRIGGER_NODE

    def __init__(
        self,
        dataworks_task_id: int | str,
        *,
        wait_for_downstream: bool = False,
        poll_interval: float = DEFAULT_POKE_INTERVAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(dataworks_task_id=dataworks_task_id, poke_interval=poll_interval, **kwargs)
        self.wait_for_downstream = wait_for_downstream
        self._fired = False

    def _trigger_class(self) -> type[DataWorksInstanceTrigger]:
        """The trigger class, imported on first deferral rather than at DAG parse time."""
        from airflow_provider_dataworks.triggers.trigger_node import DataWorksTriggerNodeTrigger

        return DataWorksTriggerNodeTrigger

    def _advance(self, context: Context, node: dict[str, Any]) -> dict[str, Any] | None:
        """Fire a waiting instance, count one past WaitTrigger as fired; None while there is more to wait for."""
        self._validate(node)
        status = node.get("Status")
        if status in BEFORE_TRIGGER:
            self.log.info("Trigger node instance %s is %s, not WaitTrigger yet; waiting.", node["Id"], status)
            return None
        if status == "WaitTrigger":
            fired = self._fire(node)
            if fired is None:
                return None
            node = fired
        else:
            self.log.info("Trigger node instance %s is already %s: it was triggered before.", node["Id"], status)
        self._fired = True
        if not self.wait_for_downstream:
            return node
        return self._downstream(context, node)

    def _validate(self, node: dict[str, Any]) -> None:
        """Refuse, before any trigger call, a node that is not an HTTP trigger node or a backfill instance."""
        if node.get("TaskType") != TRIGGER_NODE_TYPE:
            raise DataWorksConfigError(
                f"{type(self).__name__} {self.task_id!r}: dataworks_task_id {self.dataworks_task_id} is node "
                f"{node.get('TaskName')!r} of type {node.get('TaskType')}, not an HTTP trigger node "
                f"({TRIGGER_NODE_TYPE}); set dataworks_task_id to the workflow's HTTP trigger node."
            )
        if node.get("WorkflowInstanceType") == "SupplementData":
            raise DataWorksConfigError(
                f"{type(self).__name__} {self.task_id!r}: task instance {node['Id']} of dataworks_task_id "
                f"{self.dataworks_task_id} is a backfill (SupplementData), which DataWorks does not trigger; "
                'leave instance_types at ("Normal",) to fire the scheduled instance.'
            )

    def _fire(self, node: dict[str, Any]) -> dict[str, Any] | None:
        """TriggerSchedulerTaskInstance with the instance's own TriggerTime; the node read again, None if unsure."""
        try:
            fired = self.hook.trigger_scheduler_task_instance(
                node["TaskId"], int(node["TriggerTime"]), node.get("ProjectEnv") or self.env_type
            )
        except DataWorksAPIError as err:
            if not err.retryable:
                raise
            self.log.warning("The answer to the trigger was lost (%s); its status decides on the next poll.", err)
            return None
        if fired:
            self.log.info("Triggered DataWorks %s.", self.kind.describe(node, self.hook.settings.zone))
        else:
            self.log.info("DataWorks says task instance %s was already triggered.", node["Id"])
        return self.hook.get_task_instance(node["Id"])

    def _downstream(self, context: Context, node: dict[str, Any]) -> dict[str, Any] | None:
        """The node once its workflow instance finished (Failure raises); None while it runs."""
        workflow = self.hook.get_workflow_instance(node["WorkflowInstanceId"])
        if not WORKFLOW.is_terminal(workflow):
            self.log.info(
                "DataWorks %s; waiting for it to finish.", WORKFLOW.describe(workflow, self.hook.settings.zone)
            )
            return None
        from airflow_provider_dataworks.waits.outcome import WaitOutcome

        WaitOutcome.finished([workflow], WORKFLOW).instances_or_raise(WORKFLOW, self.console(workflow["Id"]))
        return node

    def _complete(self, context: Context, outcome: WaitOutcome) -> dict[str, Any]:
        """Resume after a wait: fire the ready instance, or defer again until its workflow instance finishes."""
        if outcome.status == TIMEOUT:
            return super()._complete(context, outcome)
        if outcome.ids_kwarg == WORKFLOW.ids_kwarg:  # the wait for the downstream nodes ended
            outcome.instances_or_raise(WORKFLOW, self.console())
            node = self._poll(context)
            if node is None:
                raise DataWorksConfigError(f"The instance of {self.lookup(context).describe()} has disappeared.")
            return node
        if outcome.error is not None:
            raise outcome.error
        (node,) = outcome.instances  # ready to fire, or past it (a failure after its trigger counts as fired)
        done = self._advance(context, node)
        if done is not None:
            return done
        self._defer_next(node, outcome.end_time or self.wait_deadline(context, self.timeout))
        return node

    def _defer_next(self, node: dict[str, Any], deadline: float) -> None:
        """Defer again: for the workflow instance once the node has fired, else for the node (after a lost answer)."""
        from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger

        settings: dict[str, Any] = {
            "dataworks_conn_id": self.dataworks_conn_id,
            "poll_interval": self.poke_interval,
            "retry_limit": self.api_retry_limit,
            "retry_delay": self.api_retry_delay,
            "wait_started": self.wait_start_time(),
        }
        trigger: DataWorksInstanceTrigger
        if self._fired:
            trigger = DataWorksWorkflowInstanceTrigger([int(node["WorkflowInstanceId"])], deadline, **settings)
        else:
            trigger = self._trigger_class()([int(node["Id"])], deadline, **settings)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=self.deferral_timeout(deadline))
