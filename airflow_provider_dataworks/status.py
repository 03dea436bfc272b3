"""Workflow-instance statuses with their terminal and failure sets, and instance types: DataWorks' vocabulary."""

from __future__ import annotations

from enum import StrEnum


class WorkflowInstanceStatus(StrEnum):
    """Values of `WorkflowInstance.Status` in the 2024-05-18 API."""

    NOT_RUN = "NotRun"
    RUNNING = "Running"
    WAIT_TIME = "WaitTime"
    CHECKING_CONDITION = "CheckingCondition"
    WAIT_RESOURCE = "WaitResource"
    CHECKING = "Checking"
    SUCCESS = "Success"
    FAILURE = "Failure"

    @classmethod
    def is_known(cls, value: str) -> bool:
        """Whether DataWorks documents this status (unknown ones are waited on, with a warning)."""
        return value in cls._value2member_map_


#: Values of `WorkflowInstance.Type`: scheduled (`Normal`), backfill (`SupplementData`), manual and others.
INSTANCE_TYPES = ("Normal", "Manual", "SmokeTest", "SupplementData", "ManualWorkflow", "TriggerWorkflow")


TERMINAL_STATUSES = frozenset({WorkflowInstanceStatus.SUCCESS, WorkflowInstanceStatus.FAILURE})
FAILED_STATUSES = frozenset({WorkflowInstanceStatus.FAILURE})
#: Values of `TaskInstance.Status`: the workflow statuses and `WaitTrigger` (a node waiting for its trigger).
TASK_INSTANCE_STATUSES = frozenset({*WorkflowInstanceStatus, "WaitTrigger"})
#: `TaskType` of an HTTP trigger node (a node that waits for TriggerSchedulerTaskInstance).
TRIGGER_NODE_TYPE = "SCHEDULER_TRIGGER"
#: Statuses of an HTTP trigger node's instance before it waits for its trigger (every other one: waiting or past).
BEFORE_TRIGGER = TASK_INSTANCE_STATUSES - TERMINAL_STATUSES - {"WaitTrigger", "Running"}
