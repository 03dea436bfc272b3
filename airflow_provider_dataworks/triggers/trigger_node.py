"""Deferrable wait for an HTTP trigger node's instance to be ready to fire (WaitTrigger) or already past it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from airflow_provider_dataworks.triggers.dataworks import DataWorksTaskInstanceTrigger
from airflow_provider_dataworks.waits.kinds import TRIGGER_NODE

if TYPE_CHECKING:
    from airflow_provider_dataworks.waits.outcome import WaitOutcome


class DataWorksTriggerNodeTrigger(DataWorksTaskInstanceTrigger):
    """Wait until a trigger node's instance exists and is WaitTrigger (or past it: fired before), or `end_time`.

    Fires nothing itself: the worker fires, so the exactly-once decision stays in one place. Same kwargs and
    event shape as `DataWorksTaskInstanceTrigger`; a ``failure`` event means the instance failed after its trigger.
    """

    kind = TRIGGER_NODE

    async def _on_outcome(self, outcome: WaitOutcome) -> WaitOutcome:
        """Carry the deadline back to the worker, which may defer again (for the downstream nodes)."""
        return replace(outcome, end_time=self.end_time)
