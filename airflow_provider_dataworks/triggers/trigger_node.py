"""Deferrable wait for an HTTP trigger node's instance to be ready to fire (WaitTrigger) or already past it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airflow_provider_dataworks.status import BEFORE_TRIGGER, TASK_INSTANCE_STATUSES
from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger
from airflow_provider_dataworks.waiting import TASK

#: A trigger node's instance ends the wait once it waits for its trigger or has gone past it.
TRIGGER_READY = replace(TASK, name="trigger node", terminal_statuses=TASK_INSTANCE_STATUSES - BEFORE_TRIGGER)


class DataWorksTriggerNodeTrigger(DataWorksTaskInstanceTrigger):
    """Wait until a trigger node's instance exists and is WaitTrigger (or past it: fired before), or `end_time`.

    Fires nothing itself: the worker fires, so the exactly-once decision stays in one place. Same kwargs and
    event shape as `DataWorksTaskInstanceTrigger`; a ``failure`` event means the instance failed after its trigger.
    """

    kind = TRIGGER_READY

    async def _on_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Carry the deadline back to the worker, which may defer again (for the downstream nodes)."""
        return {**event, "end_time": self.end_time}
