"""DataWorksWorkflowInstanceTrigger: the deferrable wait, run by the triggerer on its event loop."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.lookup import InstanceLookup
from airflow_provider_dataworks.polling import SharedWorkflowReader
from airflow_provider_dataworks.quota import min_poll_interval, warn_if_over_daily_quota
from airflow_provider_dataworks.waiting import (
    TIMEOUT,
    error_event,
    find_instance_when_created,
    finished_event,
    is_terminal,
    wait_for_workflow_instances,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

#: Seconds a user-kill may spend stopping instances before the triggerer moves on.
STOP_TIMEOUT_SECONDS = 30.0


class DataWorksWorkflowInstanceTrigger(BaseTrigger):
    """Wait until every given workflow instance is Success or Failure, or until `end_time`.

    Its kwargs are plain values only (ids, the conn id, intervals, an absolute deadline), never secrets, so it
    serializes safely and a restarted triggerer resumes the same wait without starting the deadline over.

    :param workflow_instance_ids: instances to wait for; empty when `lookup` finds the instance.
    :param end_time: absolute deadline, epoch seconds; past it the trigger fires a ``timeout`` event.
    :param lookup: an `InstanceLookup` as a dict (workflow, data date, types, scheduling time) to wait first
        for the instance it names to exist.
    :param dataworks_conn_id: connection to use (looked up off the event loop).
    :param poll_interval: seconds between polls of an unfinished instance (raised to the floor,
        ``[dataworks] min_poll_interval``, if below it).
    :param stop_on_kill: stop the instances when a user kills the deferred task (Airflow 3.3+ ``on_kill``).
    :param stop_on_deadline: at `end_time`, stop the unfinished instances before firing the ``timeout`` event, so
        the run ends even if the task never resumes (the run operator's wait owns its deadline).
    """

    def __init__(
        self,
        workflow_instance_ids: list[int],
        end_time: float,
        lookup: dict[str, Any] | None = None,
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
        poll_interval: float = 300.0,
        retry_limit: int = 5,
        retry_delay: float = 2.0,
        stop_on_kill: bool = False,
        stop_on_deadline: bool = False,
    ) -> None:
        super().__init__()
        self.workflow_instance_ids = [int(i) for i in workflow_instance_ids]
        self.end_time = float(end_time)
        self.lookup = dict(lookup) if lookup else None
        self.dataworks_conn_id = dataworks_conn_id
        self.poll_interval = float(poll_interval)
        self.retry_limit = int(retry_limit)
        self.retry_delay = float(retry_delay)
        self.stop_on_kill = bool(stop_on_kill)
        self.stop_on_deadline = bool(stop_on_deadline)
        self._hooks: list[DataWorksHook] = []
        self._reader: SharedWorkflowReader | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and JSON-primitive kwargs: enough to rebuild the same wait elsewhere."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "workflow_instance_ids": list(self.workflow_instance_ids),
                "end_time": self.end_time,
                "lookup": self.lookup,
                "dataworks_conn_id": self.dataworks_conn_id,
                "poll_interval": self.poll_interval,
                "retry_limit": self.retry_limit,
                "retry_delay": self.retry_delay,
                "stop_on_kill": self.stop_on_kill,
                "stop_on_deadline": self.stop_on_deadline,
            },
        )

    def _hook(self) -> DataWorksHook:
        hook = DataWorksHook(self.dataworks_conn_id, retry_limit=self.retry_limit, retry_delay=self.retry_delay)
        self._hooks.append(hook)
        return hook

    def _interval(self) -> float:
        """The poll interval, never below the floor (a trigger serialized elsewhere may carry a lower one)."""
        floor = min_poll_interval()
        if self.poll_interval < floor:
            self.log.warning(
                "poll_interval %g s is below the %g s floor; polling every %g s.", self.poll_interval, floor, floor
            )
            return floor
        warn_if_over_daily_quota("poll_interval", self.poll_interval)
        return self.poll_interval

    def api_calls(self) -> float:
        """DataWorks API calls (attempts) this wait has spent: its own, plus its share of the shared list calls."""
        shared = self._reader.shared_calls if self._reader is not None else 0.0
        return sum(hook.api_calls for hook in self._hooks) + shared

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Yield exactly one event: success, failure, timeout or error, naming the instances it is about."""
        event = await self._wait()
        if event.get("status") == TIMEOUT and self.stop_on_deadline:
            event["stopped_ids"] = await self._stop_at_deadline([int(i) for i in event.get("pending_ids") or []])
        if self.workflow_instance_ids:
            event.setdefault("workflow_instance_ids", list(self.workflow_instance_ids))
        self.log.info(
            "DataWorks wait ended (%s) after %.1f DataWorks API call(s).", event.get("status"), self.api_calls()
        )
        yield TriggerEvent(event)

    async def _stop_at_deadline(self, instance_ids: list[int]) -> list[int]:
        """Stop what is still running at the deadline; the ids DataWorks confirmed (the worker retries the rest)."""
        if not instance_ids:
            return []
        try:
            stop = self._hook().astop_workflow_instances(instance_ids)
            result = await asyncio.wait_for(stop, timeout=STOP_TIMEOUT_SECONDS)
        except (DataWorksAPIError, DataWorksConfigError, TimeoutError) as err:
            self.log.warning("Could not stop DataWorks workflow instances %s at the deadline: %s", instance_ids, err)
            return []
        stopped = [i for i in instance_ids if (result.get(str(i)) or {}).get("Success")]
        self.log.info("Deadline passed: stopped DataWorks workflow instances %s.", stopped)
        return stopped

    async def _wait(self) -> dict[str, Any]:
        """The whole wait, cut off at the deadline even while an API call or its retries are in flight."""
        timed_out = {"status": TIMEOUT, "instances": [], "pending_ids": self.workflow_instance_ids}
        remaining = self.end_time - time.time()
        if remaining <= 0:
            return timed_out
        try:
            async with asyncio.timeout(remaining):
                return await self._poll_until_done()
        except TimeoutError:
            return timed_out
        except (DataWorksAPIError, DataWorksConfigError) as err:
            return error_event(err)

    async def _poll_until_done(self) -> dict[str, Any]:
        hook = self._hook()
        interval = self._interval()
        reader = self._reader = SharedWorkflowReader(hook, self.dataworks_conn_id)
        await hook.aget_conn()
        ids = self.workflow_instance_ids
        if not ids and self.lookup:
            found = await find_instance_when_created(
                hook, InstanceLookup.from_dict(self.lookup), poll_interval=interval, deadline=self.end_time
            )
            if "Id" not in found:
                return found
            if is_terminal(found):
                return finished_event([found])
            ids = [int(found["Id"])]
            reader.learn(found)  # the list answer names the group: no Get needed to join it
            await asyncio.sleep(max(min(interval, self.end_time - time.time()), 0.0))
        return await wait_for_workflow_instances(
            hook, ids, poll_interval=interval, deadline=self.end_time, reader=reader, aligned=True
        )

    async def on_kill(self) -> None:
        """A user killed the deferred task: stop the DataWorks instances this wait was started for."""
        if not (self.stop_on_kill and self.workflow_instance_ids):
            return
        stop = self._hook().astop_workflow_instances(self.workflow_instance_ids)
        result = await asyncio.wait_for(stop, timeout=STOP_TIMEOUT_SECONDS)
        self.log.info("Stopped DataWorks workflow instances %s: %s", self.workflow_instance_ids, result)
