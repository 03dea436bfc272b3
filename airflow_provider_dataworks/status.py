"""DataWorks' vocabulary: instance statuses with their terminal and failure sets (and the check that reads them),
and instance types."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

log = logging.getLogger(__name__)


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


#: How a wait ends: every instance finished and none failed, some failed, the deadline came first, or an error that
#: polling cannot cure. Trigger events and the wait-duration metric say it in these words.
SUCCESS: Final = "success"
FAILURE: Final = "failure"
TIMEOUT: Final = "timeout"
ERROR: Final = "error"

#: DataWorks' environments of a workspace (`EnvType`, `ProjectEnv`): production and development.
ENV_TYPES = ("Prod", "Dev")

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


@dataclass(frozen=True)
class StatusSet:
    """The statuses one kind of instance can have, which of them end a wait, and which of those are failures."""

    noun: str
    known: frozenset[str]
    terminal: frozenset[str] = TERMINAL_STATUSES
    failed: frozenset[str] = FAILED_STATUSES

    def status_of(self, instance: dict[str, Any]) -> str:
        """The instance's Status, warning about values DataWorks does not document (they are waited on)."""
        status = str(instance.get("Status"))
        if status not in self.known:
            log.warning(
                "%s %s has unknown status %r; still waiting.", self.noun.capitalize(), instance.get("Id"), status
            )
        return status

    def is_terminal(self, instance: dict[str, Any]) -> bool:
        """Whether the instance's status ends the wait (anything unknown, or not final, means wait)."""
        return self.status_of(instance) in self.terminal

    def failed_ids(self, instances: list[dict[str, Any]]) -> list[int]:
        """The ids of the instances that ended in a failure status."""
        return [i["Id"] for i in instances if i.get("Status") in self.failed]

    def ending_at(self, terminal: frozenset[str]) -> StatusSet:
        """The same statuses with another set ending the wait (e.g. a trigger node ready to fire)."""
        return replace(self, terminal=terminal)


#: Success and Failure are the only final states of either kind; WaitTrigger and the rest mean wait.
WORKFLOW_INSTANCE = StatusSet("workflow instance", frozenset(WorkflowInstanceStatus))
TASK_INSTANCE = StatusSet("task instance", TASK_INSTANCE_STATUSES)
#: A trigger node's instance ends the wait for it once it waits for its trigger or has gone past it.
TRIGGER_READY = TASK_INSTANCE.ending_at(TASK_INSTANCE_STATUSES - BEFORE_TRIGGER)


class DataQualityScanRunStatus(StrEnum):
    """Values of `DataQualityScanRun.Status`: `Running` until the scan ends; the rest are verdicts."""

    RUNNING = "Running"
    PASS = "Pass"
    WARN = "Warn"
    FAIL = "Fail"
    ERROR = "Error"


#: A scan run's wait ends on any verdict; `Fail` (a rule broke its fail threshold) and `Error` (a rule could not be
#: checked) fail the gate, `Warn` (a warn threshold crossed) passes it unless the task says otherwise.
DATA_QUALITY_SCAN_RUN = StatusSet(
    "data-quality scan run",
    frozenset(DataQualityScanRunStatus),
    terminal=frozenset(DataQualityScanRunStatus) - {DataQualityScanRunStatus.RUNNING},
    failed=frozenset({DataQualityScanRunStatus.FAIL, DataQualityScanRunStatus.ERROR}),
)
