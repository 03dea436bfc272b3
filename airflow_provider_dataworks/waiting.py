"""The one wait loop: poll workflow instances until all are terminal or a deadline passes.

The trigger runs it on the triggerer's event loop; the run operator's blocking mode runs the very same coroutine
with `asyncio.run`, so deferrable and blocking waits cannot drift apart. Results are plain-JSON event payloads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.dates import format_biz_date
from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.lookup import afind_instance
from airflow_provider_dataworks.status import TERMINAL_STATUSES, WorkflowInstanceStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.lookup import InstanceLookup
    from airflow_provider_dataworks.polling import InstanceReader

log = logging.getLogger(__name__)

SUCCESS, FAILURE, TIMEOUT, ERROR = "success", "failure", "timeout", "error"


def status_of(instance: dict[str, Any]) -> str:
    """The instance's Status, warning once per poll about values DataWorks does not document."""
    status = str(instance.get("Status"))
    if not WorkflowInstanceStatus.is_known(status):
        log.warning("Workflow instance %s has unknown status %r; still waiting.", instance.get("Id"), status)
    return status


def is_terminal(instance: dict[str, Any]) -> bool:
    """Success and Failure are the only final states; anything else (known or not) means keep waiting."""
    return status_of(instance) in TERMINAL_STATUSES


def describe(instance: dict[str, Any]) -> str:
    """One line naming an instance for logs and failure messages."""
    return (
        f"workflow instance {instance.get('Id')} ({instance.get('Name')!r}) status {instance.get('Status')}, "
        f"BizDate {format_biz_date(instance.get('BizDate'))}"
    )


def finished_event(instances: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The payload for instances that are all terminal: success only if none failed."""
    failed = [i["Id"] for i in instances if i.get("Status") == WorkflowInstanceStatus.FAILURE]
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
    }


async def find_instance_when_created(
    hook: DataWorksHook, lookup: InstanceLookup, *, poll_interval: float, deadline: float
) -> dict[str, Any]:
    """Poll the lookup until DataWorks has created the instance; returns it (with its status) or an end event.

    Each list call runs in the provider's thread pool and its retries await their backoff on the loop.
    """
    while True:
        try:
            found = await afind_instance(hook, lookup)
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


async def wait_for_workflow_instances(
    hook: DataWorksHook,
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
    from airflow_provider_dataworks.polling import DirectReader

    read = (reader or DirectReader(hook)).read
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
            log.info("DataWorks %s.", describe(instance))
            if is_terminal(instance):
                pending.remove(instance_id)
        if not pending:
            return finished_event([latest[i] for i in instance_ids])
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


def raise_for_event(event: dict[str, Any], console: str) -> list[dict[str, Any]]:
    """Worker side of a wait: the instances on success; the family's exception for a failure or an error.

    Callers handle a `timeout` event before this (a sensor times out; an operator stops its instances first).
    """
    from airflow_provider_dataworks import exceptions

    status = event.get("status")
    if status == SUCCESS:
        return list(event["instances"])
    if status == FAILURE:
        failed = [i for i in event["instances"] if i["Id"] in event["failed_ids"]]
        details = "; ".join(describe(i) for i in failed)
        raise exceptions.DataWorksWorkflowInstanceFailed(f"DataWorks {details}. Console: {console}")
    if status == ERROR:
        kind = getattr(exceptions, str(event.get("error_class")), None)
        if kind is not None and issubclass(kind, exceptions.DataWorksAPIError):
            raise kind(
                event["message"],
                action=event["action"],
                code=event.get("code"),
                status_code=event.get("status_code"),
                request_id=event.get("request_id"),
            )
        raise exceptions.DataWorksConfigError(str(event.get("message")))
    raise exceptions.DataWorksConfigError(f"Unexpected event from the DataWorks trigger: {event!r}")
