"""Deferrable waits on DataWorks instances, run by the triggerer on its event loop.

One base, `DataWorksInstanceTrigger`, holds the whole wait (deadline, lookup of an instance that appears later,
polling, the event); each subclass names what it waits on (an `InstanceKind`, which also names the kwarg its ids
travel in), as the Amazon provider's waiter triggers share one base.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.status import TIMEOUT
from airflow_provider_dataworks.utils.quota import min_poll_interval
from airflow_provider_dataworks.waits.kinds import DATA_QUALITY, TASK, WORKFLOW, InstanceKind
from airflow_provider_dataworks.waits.loop import find_instance_when_created, wait_for_instances
from airflow_provider_dataworks.waits.outcome import WaitOutcome
from airflow_provider_dataworks.waits.polling import SharedReader
from airflow_provider_dataworks.waits.reachability import Reachability

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

#: Seconds a user-kill may spend stopping instances before the triggerer moves on.
STOP_TIMEOUT_SECONDS = 30.0
#: Airflow's name of the deferred task-instance state.
DEFERRED = "deferred"


async def task_instance_still_deferred(task_instance: Any) -> bool:
    """Whether Airflow (3) reports the trigger's task instance as still deferred; False when it cannot tell."""
    if task_instance is None:
        return False
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance
        from asgiref.sync import sync_to_async
    except ImportError:  # Airflow 2: its triggerer calls no on_kill
        return False
    map_index = getattr(task_instance, "map_index", -1)
    try:
        states = await sync_to_async(RuntimeTaskInstance.get_task_states)(
            dag_id=task_instance.dag_id,
            task_ids=[task_instance.task_id],
            run_ids=[task_instance.run_id],
            map_index=map_index,
        )
    except Exception:  # no supervisor to ask (a trigger run outside the triggerer): trust the kill
        return False
    key = task_instance.task_id if map_index is None or map_index < 0 else f"{task_instance.task_id}_{map_index}"
    return (states.get(task_instance.run_id) or {}).get(key) == DEFERRED


class DataWorksInstanceTrigger(BaseTrigger):
    """Wait until every given instance is Success or Failure, or until `end_time`; subclasses say of what kind.

    Its kwargs are plain values only (ids, the conn id, intervals, an absolute deadline), never secrets, so it
    serializes safely and a restarted triggerer resumes the same wait without starting the deadline over (what it
    learnt of DataWorks' reachability starts afresh from `reached`). It yields exactly one event, a `WaitOutcome`
    (``{"status": success|failure|timeout|error, "instances": [...], ...}``) carrying the ids it waited for under
    the kind's `ids_kwarg`.

    :param instance_ids: the instances to wait for (also by the kind's own name, e.g. ``workflow_instance_ids``,
        as the trigger serializes them); empty when `lookup` finds the instance.
    :param end_time: absolute deadline, epoch seconds; past it the trigger fires a ``timeout`` event.
    :param lookup: the kind's lookup as a dict (e.g. workflow or node, data date, types, scheduling time), to wait
        first for the instance it names to exist.
    :param dataworks_conn_id: connection to use (looked up off the event loop).
    :param poll_interval: seconds between polls of an unfinished instance (raised to the floor,
        ``[dataworks] min_poll_interval``, if below it).
    :param wait_started: when the task's wait began (epoch s), handed back in the event for the wait metric.
    :param reached: DataWorks answered the task before it deferred; if not, the wait fails once DataWorks has not
        answered for a few minutes (a wrong endpoint) instead of riding the outage out until `end_time`.
    """

    kind: ClassVar[InstanceKind]

    def __init__(
        self,
        instance_ids: list[int] | None = None,
        end_time: float | None = None,
        lookup: dict[str, Any] | None = None,
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
        poll_interval: float = 300.0,
        retry_limit: int = 5,
        retry_delay: float = 2.0,
        wait_started: float | None = None,
        reached: bool = True,
        **ids_by_kind: list[int],
    ) -> None:
        super().__init__()
        given = ids_by_kind.pop(self.kind.ids_kwarg, instance_ids)
        if ids_by_kind or end_time is None:
            raise TypeError(
                f"{type(self).__name__} takes {self.kind.ids_kwarg} and end_time; unexpected: {sorted(ids_by_kind)}"
            )
        self.instance_ids = [int(i) for i in given or []]
        self.end_time = float(end_time)
        self.lookup = dict(lookup) if lookup else None
        self.dataworks_conn_id = dataworks_conn_id
        self.poll_interval = float(poll_interval)
        self.retry_limit = int(retry_limit)
        self.retry_delay = float(retry_delay)
        self.wait_started = None if wait_started is None else float(wait_started)
        self.reached = bool(reached)
        self._hooks: list[DataWorksHook] = []
        self._reader: SharedReader | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and JSON-primitive kwargs: enough to rebuild the same wait elsewhere."""
        return (f"{type(self).__module__}.{type(self).__qualname__}", self._kwargs())

    def _kwargs(self) -> dict[str, Any]:
        return {
            self.kind.ids_kwarg: list(self.instance_ids),
            "end_time": self.end_time,
            "lookup": self.lookup,
            "dataworks_conn_id": self.dataworks_conn_id,
            "poll_interval": self.poll_interval,
            "retry_limit": self.retry_limit,
            "retry_delay": self.retry_delay,
            "wait_started": self.wait_started,
            "reached": self.reached,
        }

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
        return self.poll_interval

    def api_calls(self) -> float:
        """DataWorks API calls (attempts) this wait has spent: its own, plus its share of the shared list calls."""
        shared = self._reader.shared_calls if self._reader is not None else 0.0
        return sum(hook.api_calls for hook in self._hooks) + shared

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Yield exactly one event: success, failure, timeout or error, naming the instances it is about."""
        outcome = await self._on_outcome(await self._wait())
        outcome = replace(outcome.about(self.kind, self.instance_ids), wait_started=self.wait_started)
        self.log.info("DataWorks wait ended (%s) after %.1f DataWorks API call(s).", outcome.status, self.api_calls())
        yield TriggerEvent(outcome.to_event())

    async def _on_outcome(self, outcome: WaitOutcome) -> WaitOutcome:
        """A subclass's last word on the outcome before it fires (e.g. stopping at the deadline)."""
        return outcome

    async def _wait(self) -> WaitOutcome:
        """The whole wait, cut off at the deadline even while an API call or its retries are in flight."""
        timed_out = WaitOutcome.timed_out([], self.instance_ids)
        remaining = self.end_time - time.time()
        if remaining <= 0:
            return timed_out
        try:
            async with asyncio.timeout(remaining):
                return await self._poll_until_done()
        except TimeoutError:
            return timed_out
        except (DataWorksAPIError, DataWorksConfigError) as err:
            return WaitOutcome.from_error(err)

    async def _poll_until_done(self) -> WaitOutcome:
        hook = self._hook()
        interval = self._interval()
        reader = self._reader = SharedReader(hook, self.dataworks_conn_id, self.kind)
        reachability = Reachability(hook, reached=self.reached, clock=time.time, logger=self.log)
        await hook.aget_conn()
        ids = self.instance_ids
        if not ids and self.lookup:
            found = await find_instance_when_created(
                hook,
                self.kind.lookup_class.from_dict(self.lookup),
                poll_interval=interval,
                deadline=self.end_time,
                kind=self.kind,
                reachability=reachability,
            )
            if isinstance(found, WaitOutcome):
                return found
            if self.kind.is_terminal(found):
                return WaitOutcome.finished([found], self.kind)
            ids = [int(found["Id"])]
            reader.learn(found)  # the list answer names the group: no Get needed to join it
            await asyncio.sleep(max(min(interval, self.end_time - time.time()), 0.0))
        return await wait_for_instances(
            hook,
            self.kind,
            ids,
            poll_interval=interval,
            deadline=self.end_time,
            reader=reader,
            aligned=True,
            reachability=reachability,
        )


class DataWorksWorkflowInstanceTrigger(DataWorksInstanceTrigger):
    """Wait until every given workflow instance is Success or Failure, or until `end_time` (arguments as the base's,
    the ids as ``workflow_instance_ids``), and stop the instances a killed or timed-out run operator started.

    :param stop_on_kill: stop the instances when a user kills the deferred task (Airflow 3.3+ ``on_kill``).
    :param stop_on_deadline: at `end_time`, stop the unfinished instances before firing the ``timeout`` event, so
        the run ends even if the task never resumes (the run operator's wait owns its deadline).
    """

    kind = WORKFLOW

    def __init__(self, *args: Any, stop_on_kill: bool = False, stop_on_deadline: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_on_kill = bool(stop_on_kill)
        self.stop_on_deadline = bool(stop_on_deadline)

    @property
    def workflow_instance_ids(self) -> list[int]:
        """The workflow instances this wait is for (empty while a lookup finds one)."""
        return self.instance_ids

    def _kwargs(self) -> dict[str, Any]:
        return {**super()._kwargs(), "stop_on_kill": self.stop_on_kill, "stop_on_deadline": self.stop_on_deadline}

    async def _on_outcome(self, outcome: WaitOutcome) -> WaitOutcome:
        if outcome.status == TIMEOUT and self.stop_on_deadline:
            return replace(outcome, stopped_ids=await self._stop_at_deadline(outcome.pending_ids or []))
        return outcome

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

    async def on_kill(self) -> None:
        """A user killed the deferred task: stop the DataWorks instances this wait was started for.

        Not when Airflow still has the task instance deferred: then the trigger is only moving to another
        triggerer (high availability), and the task still waits for these runs.
        """
        if not (self.stop_on_kill and self.instance_ids):
            return
        if await task_instance_still_deferred(getattr(self, "task_instance", None)):
            self.log.info("Task instance still deferred: not stopping %s (the wait moves on).", self.instance_ids)
            return
        stop = self._hook().astop_workflow_instances(self.instance_ids)
        result = await asyncio.wait_for(stop, timeout=STOP_TIMEOUT_SECONDS)
        self.log.info("Stopped DataWorks workflow instances %s: %s", self.instance_ids, result)


class DataWorksTaskInstanceTrigger(DataWorksInstanceTrigger):
    """Wait until a task (node) instance is Success or Failure (WaitTrigger and the rest: keep waiting); arguments
    as the base's, the ids as ``task_instance_ids``. The node belongs to a DataWorks schedule, not to the Airflow
    task, so a kill or the deadline never stops it."""

    kind = TASK


class DataWorksDataQualityScanRunTrigger(DataWorksInstanceTrigger):
    """Wait until a data-quality scan run reaches a verdict (Pass, Warn, Fail or Error), or until `end_time`;
    arguments as the base's, the ids as ``data_quality_scan_run_ids``. DataWorks documents no call that stops a scan
    run, so a kill or the deadline leaves it running."""

    kind = DATA_QUALITY
