"""The one wait loop for every kind of DataWorks instance: poll until all are terminal or a deadline passes.

A `WaitKind` says what is waited on (workflow instances or task instances): its status sets, the single async
step that fetches an instance's current state, the shared poll that reads many at once (see polling.py), the
lookup that finds it (blocking for workers, awaitable for triggers), and how to name it. The triggers run
the loop on the triggerer's event loop; the run operator's blocking mode runs the very same coroutine with
`asyncio.run`, so deferrable and blocking waits cannot drift apart. Results are plain-JSON event payloads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.dates import format_biz_date, format_epoch_ms
from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksConfigError,
    DataWorksTaskInstanceFailed,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.lookup import afind_instance, afind_task_instance, find_instance, find_task_instance
from airflow_provider_dataworks.polling import (
    DirectReader,
    fetch_task_instances,
    fetch_workflow_instances,
    task_group,
    workflow_group,
)
from airflow_provider_dataworks.status import (
    FAILED_STATUSES,
    TASK_INSTANCE_STATUSES,
    TERMINAL_STATUSES,
    WorkflowInstanceStatus,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import tzinfo

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.polling import GroupKey, InstanceReader

log = logging.getLogger(__name__)

SUCCESS, FAILURE, TIMEOUT, ERROR = "success", "failure", "timeout", "error"


async def fetch_workflow_instance(hook: DataWorksHook, instance_id: int, deadline: float) -> dict[str, Any]:
    """The current state of one workflow instance (GetWorkflowInstance): one wait's per-poll step."""
    return await hook.aget_workflow_instance(instance_id, deadline=deadline)


async def fetch_task_instance(hook: DataWorksHook, instance_id: int, deadline: float) -> dict[str, Any]:
    """The current state of one task (node) instance (GetTaskInstance): one wait's per-poll step."""
    return await hook.aget_task_instance(instance_id, deadline=deadline)


def describe_workflow_instance(instance: dict[str, Any], zone: tzinfo | None = None) -> str:
    """One line naming a workflow instance for logs and failure messages (dates in DataWorks' `zone`)."""
    return (
        f"workflow instance {instance.get('Id')} ({instance.get('Name')!r}) status {instance.get('Status')}, "
        f"BizDate {format_biz_date(instance.get('BizDate'), zone)}"
    )


def describe_task_instance(instance: dict[str, Any], zone: tzinfo | None = None) -> str:
    """One line naming a task (node) instance: node name and id, status, data date and scheduling time."""
    return (
        f"task instance {instance.get('Id')} of node {instance.get('TaskName')!r} ({instance.get('TaskId')}) "
        f"status {instance.get('Status')}, data date {format_biz_date(instance.get('Bizdate'), zone)}, "
        f"scheduled {format_epoch_ms(instance.get('TriggerTime'), zone)}"
    )


@dataclass(frozen=True)
class WaitKind:
    """What one kind of wait is about; the loop, the events and the triggers are shared by every kind.

    :param fetch: the per-wait "fetch current state" step (one API call); a batched poll can replace it.
    :param find: the blocking lookup that finds the instance a lookup names (None until it exists), for workers.
    :param afind: the same lookup for triggers: each call in the provider's thread pool, backoffs awaited.
    :param fetch_batch: the shared poll: one list call (`Ids`) reading many instances of one group (see polling.py).
    :param group: the shared-poll group (workspace, environment, data date) an instance's own answer puts it in.
    """

    name: str
    noun: str
    known_statuses: frozenset[str]
    terminal_statuses: frozenset[str]
    failed_statuses: frozenset[str]
    fetch: Callable[[DataWorksHook, int, float], Awaitable[dict[str, Any]]]
    find: Callable[[DataWorksHook, Any], dict[str, Any] | None]
    afind: Callable[[DataWorksHook, Any], Awaitable[dict[str, Any] | None]]
    fetch_batch: Callable[[DataWorksHook, GroupKey, Sequence[int]], Awaitable[dict[int, dict[str, Any]]]]
    group: Callable[[str, dict[str, Any]], GroupKey | None]
    describe: Callable[[dict[str, Any], tzinfo | None], str]
    failure: type[Exception]


WORKFLOW = WaitKind(
    name="workflow",
    noun="workflow instance",
    known_statuses=frozenset(WorkflowInstanceStatus),
    terminal_statuses=TERMINAL_STATUSES,
    failed_statuses=FAILED_STATUSES,
    fetch=fetch_workflow_instance,
    find=find_instance,
    afind=afind_instance,
    fetch_batch=fetch_workflow_instances,
    group=workflow_group,
    describe=describe_workflow_instance,
    failure=DataWorksWorkflowInstanceFailed,
)
TASK = WaitKind(
    name="task",
    noun="task instance",
    known_statuses=TASK_INSTANCE_STATUSES,
    terminal_statuses=TERMINAL_STATUSES,
    failed_statuses=FAILED_STATUSES,
    fetch=fetch_task_instance,
    find=find_task_instance,
    afind=afind_task_instance,
    fetch_batch=fetch_task_instances,
    group=task_group,
    describe=describe_task_instance,
    failure=DataWorksTaskInstanceFailed,
)


def status_of(instance: dict[str, Any], kind: WaitKind = WORKFLOW) -> str:
    """The instance's Status, warning once per poll about values DataWorks does not document."""
    status = str(instance.get("Status"))
    if status not in kind.known_statuses:
        log.warning("%s %s has unknown status %r; still waiting.", kind.noun.capitalize(), instance.get("Id"), status)
    return status


def is_terminal(instance: dict[str, Any], kind: WaitKind = WORKFLOW) -> bool:
    """Success and Failure are the only final states; anything else (known or not, WaitTrigger too) means wait."""
    return status_of(instance, kind) in kind.terminal_statuses


def describe(instance: dict[str, Any]) -> str:
    """One line naming a workflow instance (kept for callers of the workflow wait)."""
    return describe_workflow_instance(instance)


def finished_event(instances: Sequence[dict[str, Any]], kind: WaitKind = WORKFLOW) -> dict[str, Any]:
    """The payload for instances that are all terminal: success only if none failed."""
    failed = [i["Id"] for i in instances if i.get("Status") in kind.failed_statuses]
    return {"status": FAILURE if failed else SUCCESS, "instances": list(instances), "failed_ids": failed}


def error_event(err: DataWorksAPIError | DataWorksConfigError) -> dict[str, Any]:
    """The payload for an error that polling cannot cure: enough to rebuild the same exception on the worker."""
    if isinstance(err, DataWorksConfigError):
        return {"status": ERROR, "error_class": type(err).__name__, "message": str(err)}
    return {
        "status": ERROR,
        "error_class": type(err).__name__,
        "message": err.dataworks_message,
        "action": err.action,
        "code": err.code,
        "status_code": err.status_code,
        "request_id": err.request_id,
        "hint": err.hint,
    }


async def find_instance_when_created(
    hook: DataWorksHook, lookup: Any, *, poll_interval: float, deadline: float, kind: WaitKind = WORKFLOW
) -> dict[str, Any]:
    """Poll the lookup until DataWorks has created the instance; returns it (with its status) or an end event.

    Each list call runs in the provider's thread pool and its retries await their backoff on the loop.
    """
    while True:
        try:
            found = await kind.afind(hook, lookup)
        except DataWorksConfigError as err:
            return error_event(err)
        except DataWorksAPIError as err:
            if not err.retryable:
                return error_event(err)
            log.warning("%s; will look again in %s s.", err, poll_interval)
            found = None
        if found is not None:
            return found
        remaining = deadline - time.time()
        if remaining <= 0:
            return {"status": TIMEOUT, "instances": [], "pending_ids": []}
        log.info("No instance of %s yet; waiting.", lookup.describe())
        await asyncio.sleep(min(poll_interval, remaining))


async def wait_for_instances(
    hook: DataWorksHook,
    kind: WaitKind,
    instance_ids: Sequence[int],
    *,
    poll_interval: float,
    deadline: float,
    reader: InstanceReader | None = None,
    aligned: bool = False,
) -> dict[str, Any]:
    """Poll each unfinished instance every `poll_interval` s until all are terminal or `deadline` (epoch s).

    `reader` reads an instance (default: one Get call each); `aligned` sleeps to the wall-clock grid of the
    interval, so that waits sharing their polls (see polling.py) read in the same round.

    Transient errors are retried inside the hook, but no retry or server retry-after pause runs past the deadline;
    if they outlast the retry budget the loop logs and polls again next round (one API blip never ends a wait).
    A permanent error ends the wait with an error event. Every event names the instances it is about.
    """
    read = (reader or DirectReader(hook, kind)).read
    latest: dict[int, dict[str, Any]] = {}
    pending = list(instance_ids)
    while True:
        for instance_id in list(pending):
            try:
                instance = await read(instance_id, deadline)
            except DataWorksAPIError as err:
                if not err.retryable:
                    return {**error_event(err), "pending_ids": pending}
                log.warning("%s; will poll again in %s s.", err, poll_interval)
                continue
            latest[instance_id] = instance
            log.info("DataWorks %s.", kind.describe(instance, None))
            if is_terminal(instance, kind):
                pending.remove(instance_id)
        if not pending:
            return finished_event([latest[i] for i in instance_ids], kind)
        remaining = deadline - time.time()
        if remaining <= 0:
            return {
                "status": TIMEOUT,
                "instances": [latest[i] for i in instance_ids if i in latest],
                "pending_ids": pending,
            }
        await asyncio.sleep(min(aligned_delay(poll_interval) if aligned else poll_interval, remaining))


def aligned_delay(interval: float, now: float | None = None) -> float:
    """Seconds to the next multiple of `interval` on the wall clock at least half an interval away (so the mean
    stays `interval`), where every wait polling at this interval wakes."""
    now = time.time() if now is None else now
    delay = interval - now % interval
    return delay + interval if delay < interval / 2 else delay


async def wait_for_workflow_instances(
    hook: DataWorksHook, instance_ids: Sequence[int], *, poll_interval: float, deadline: float
) -> dict[str, Any]:
    """`wait_for_instances` for workflow instances (the run operator's blocking wait)."""
    return await wait_for_instances(hook, WORKFLOW, instance_ids, poll_interval=poll_interval, deadline=deadline)


def raise_for_event(
    event: dict[str, Any], console: str, kind: WaitKind = WORKFLOW, details: str = "", zone: tzinfo | None = None
) -> list[dict[str, Any]]:
    """Worker side of a wait: the instances on success; the family's exception for a failure or an error.

    `details` (failed nodes, a log tail) is appended to a failure's message. Callers handle a `timeout` event
    before this (a sensor times out; an operator stops its instances first).
    """
    from airflow_provider_dataworks import exceptions

    status = event.get("status")
    if status == SUCCESS:
        return list(event["instances"])
    if status == FAILURE:
        failed = [i for i in event["instances"] if i["Id"] in event["failed_ids"]]
        text = "; ".join(kind.describe(i, zone) for i in failed)
        raise kind.failure(f"DataWorks {text}. Console: {console}{details}")
    if status == ERROR:
        error_class = getattr(exceptions, str(event.get("error_class")), None)
        if error_class is not None and issubclass(error_class, exceptions.DataWorksAPIError):
            raise error_class(
                event["message"],
                action=event["action"],
                code=event.get("code"),
                status_code=event.get("status_code"),
                request_id=event.get("request_id"),
                hint=event.get("hint"),
            )
        raise exceptions.DataWorksConfigError(str(event.get("message")))
    raise exceptions.DataWorksConfigError(f"Unexpected event from the DataWorks trigger: {event!r}")
