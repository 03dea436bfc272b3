"""DataWorksWorkflowInstanceEventTrigger: an AssetWatcher trigger (Airflow 3) firing when workflow instances finish.

Watchers on one connection, workspace and environment share one poll (Airflow 3.3's shared streams): the
triggerer runs one ListWorkflowInstances loop per group, and each watcher picks its own finished instances from
every snapshot, remembering what it reported in the asset state store. A watch starts at a moment, not at a
snapshot: what finished after that moment is reported, even when the first poll already shows it finished.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.exceptions import DataWorksAPIError, DataWorksConfigError
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.utils.quota import check_poll_interval
from airflow_provider_dataworks.utils.validation import env_type_or_none
from airflow_provider_dataworks.waits.watching import (
    Snapshot,
    WatchSpec,
    Watermark,
    dump_watermark,
    event_payload,
    load_watermark,
    poll_recent_instances,
    select_new,
    without,
)

try:
    from airflow.triggers.base import BaseEventTrigger, TriggerEvent
except ImportError:  # Airflow 2 has no event-driven scheduling
    raise ImportError(
        "DataWorksWorkflowInstanceEventTrigger needs Airflow 3 (AssetWatcher and BaseEventTrigger); on Airflow 2 "
        "gate tasks with DataWorksWorkflowInstanceSensor instead."
    ) from None

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Hashable

#: Asset-state-store key prefix of a watcher's watermark (the rest names the watch, see `_watermark_key`).
WATERMARK_KEY_PREFIX = "dataworks_reported_instances"


class DataWorksWorkflowInstanceEventTrigger(BaseEventTrigger):
    """Fire one event per instance of the watched workflows that newly reaches a watched status.

    Each event's payload is ``{"instance": <WorkflowInstance dict>, "workflow_id", "workflow_instance_id",
    "status", "biz_date"}``; Airflow puts it in the asset event's ``extra["payload"]``. Watches the data dates
    of today and the two days before in DataWorks' time zone (connection extra ``timezone``). With nothing
    stored, the watch starts when the trigger starts: instances that finished before then (``FinishedTime``)
    are not reported, every later finish is.

    :param workflow_ids: the DataWorks workflows to watch (one id or several).
    :param project_id: workspace id; default: the connection's ``project_id`` extra.
    :param env_type: ``Prod`` or ``Dev``; default: the connection's ``env_type`` extra, else ``Prod``.
    :param statuses: statuses to report: ``Success`` and/or ``Failure``.
    :param instance_types: instance types to report (``Normal``: scheduled runs; add ``SupplementData``,
        ``ManualWorkflow``, ... for backfills and manual runs).
    :param dataworks_conn_id: connection to use (looked up off the event loop).
    :param poll_interval: seconds between polls; a shared poll runs at the interval of the watcher that opened it.
    :param retry_limit: retries of a transient failure within one poll (then the next poll tries again).
    :param retry_delay: base seconds of the backoff between those retries.
    """

    def __init__(
        self,
        workflow_ids: int | str | list[int] | tuple[int, ...],
        *,
        project_id: int | str | None = None,
        env_type: str | None = None,
        statuses: tuple[str, ...] | list[str] = ("Success",),
        instance_types: tuple[str, ...] | list[str] = ("Normal",),
        dataworks_conn_id: str = DataWorksHook.default_conn_name,
        poll_interval: float = 300.0,
        retry_limit: int = 5,
        retry_delay: float = 2.0,
    ) -> None:
        super().__init__()
        self.spec = WatchSpec.build(workflow_ids, statuses, instance_types)
        self.project_id = None if project_id in (None, "") else str(project_id)
        self.env_type = env_type_or_none(env_type)
        self.dataworks_conn_id = dataworks_conn_id
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, (int, float)) or poll_interval <= 0:
            raise DataWorksConfigError(
                f"poll_interval must be a positive number of seconds (default 300), not {poll_interval!r}."
            )
        self.poll_interval = check_poll_interval("poll_interval", poll_interval)  # the floor, as for every wait
        self.retry_limit = int(retry_limit)
        self.retry_delay = float(retry_delay)
        self._store_usable = True

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and plain kwargs (ids, names, numbers: never secrets)."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "workflow_ids": list(self.spec.workflow_ids),
                "project_id": self.project_id,
                "env_type": self.env_type,
                "statuses": list(self.spec.statuses),
                "instance_types": list(self.spec.instance_types),
                "dataworks_conn_id": self.dataworks_conn_id,
                "poll_interval": self.poll_interval,
                "retry_limit": self.retry_limit,
                "retry_delay": self.retry_delay,
            },
        )

    # -- the shared poll ---------------------------------------------------------------------------------

    def shared_stream_key(self) -> Hashable:
        """Equal for watchers on one connection, workspace and environment: they share one poll."""
        return ("dataworks.workflow_instances", self.dataworks_conn_id, self.project_id, self.env_type)

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Snapshot]:
        """Poll forever, yielding one complete `Snapshot` per successful poll.

        A poll that fails after the hook's retries (throttling, 5xx, network, even a rejected credential that
        a connection edit can fix) is logged and tried again at the next interval; only a configuration that
        can never work (no workspace, a bad time zone) ends the stream, and with it every watcher in the group.
        """
        interval = float(kwargs.get("poll_interval") or 300.0)
        conn_id = kwargs.get("dataworks_conn_id") or DataWorksHook.default_conn_name
        retry_limit, retry_delay = int(kwargs.get("retry_limit", 5)), float(kwargs.get("retry_delay", 2.0))
        while True:
            # a fresh hook per poll picks up connection edits
            hook = DataWorksHook(conn_id, retry_limit=retry_limit, retry_delay=retry_delay)
            try:
                yield await poll_recent_instances(
                    hook, project_id=kwargs.get("project_id"), env_type=kwargs.get("env_type")
                )
            except DataWorksAPIError as err:
                hook.log.warning("DataWorks poll failed, trying again in %.0f s: %s", interval, err)
            await asyncio.sleep(interval)

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Snapshot]) -> AsyncIterator[TriggerEvent]:
        """From each snapshot, the events of this watcher's newly finished instances.

        The watch starts now, before its first poll, and that moment is stored at once, so a restart before the
        first poll keeps it. What a snapshot reported is recorded when the next snapshot arrives, a poll after its
        events were handed to the triggerer (which stores them in its own loop): a crash in between repeats an
        event, never loses one.
        """
        started_at = time.time()  # the moment the watch starts, not the time of its first snapshot
        stored = await self._load_watermark(started_at)
        current = stored or Watermark(started_at)
        self._log_start(current)
        if stored is None:
            await self._save_watermark(current)
            stored = current
        async for snapshot in shared_stream:
            if current != stored:
                await self._save_watermark(current)
                stored = current
            new, after = select_new(snapshot.instances, self.spec, current)
            if current.reported is None:  # the first poll: its baseline is safe to record before its events
                stored = without(after, new)
                await self._save_watermark(stored)
                self._log_baseline(stored)
            for instance in new:
                self.log.info(
                    "DataWorks workflow instance %s of workflow %s is %s.",
                    instance.get("Id"),
                    instance.get("WorkflowId"),
                    instance.get("Status"),
                )
                yield TriggerEvent(event_payload(instance, snapshot.timezone))
            current = after

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Without shared streams (Airflow before 3.3), the same poll and filter for this watcher alone."""
        async for event in self.filter_shared_stream(type(self).open_shared_stream(self.serialize()[1])):
            yield event

    def _log_start(self, watermark: Watermark) -> None:
        """Say from when this watch reports (the demo waits for this line before it finishes an instance)."""
        if watermark.reported is not None:
            self.log.info(
                "Watching DataWorks workflows %s: resuming from the stored watermark (%d instance(s) reported).",
                list(self.spec.workflow_ids),
                len(watermark.reported),
            )
            return
        self.log.info(
            "Watching DataWorks workflows %s: %s instances that finish from %s on are reported.",
            list(self.spec.workflow_ids),
            "/".join(self.spec.statuses),
            datetime.fromtimestamp(watermark.started_at, UTC).isoformat(timespec="milliseconds"),
        )

    def _log_baseline(self, baseline: Watermark) -> None:
        """Say how many watched instances the first poll leaves out, and why."""
        self.log.info(
            "Watching DataWorks workflows %s: %d %s instance(s) that finished before the watch started are not "
            "reported.",
            list(self.spec.workflow_ids),
            len(baseline.reported or {}),
            "/".join(self.spec.statuses),
        )

    # -- the watermark -----------------------------------------------------------------------------------

    def _watermark_key(self) -> str:
        """Per watch, so several watchers of one asset keep separate watermarks."""
        return f"{WATERMARK_KEY_PREFIX}.{self.spec.digest()}"

    def _store(self) -> Any:
        """The asset state store Airflow injects into event triggers (3.3+), or None (also once it failed to read)."""
        return getattr(self, "asset_state_store", None) if self._store_usable else None

    async def _load_watermark(self, started_at: float) -> Watermark | None:
        """What an earlier run of this watcher stored (None: the watch starts at `started_at`)."""
        store = self._store()
        if store is None:
            self.log.info("No asset state store: after a triggerer restart this watch starts afresh, at the restart.")
            return None
        try:
            return load_watermark(await store.aget(self._watermark_key()), started_at)
        except Exception as err:  # the store is optional (e.g. one trigger on several assets has no single one)
            self.log.warning("Could not read the watermark from the asset state store, keeping it in memory: %s", err)
            self._store_usable = False
            return None

    async def _save_watermark(self, watermark: Watermark) -> None:
        """Record the watch's start and what is reported, so a restarted triggerer reports each instance once."""
        store = self._store()
        if store is None:
            return
        try:
            await store.aset(self._watermark_key(), dump_watermark(watermark))
        except Exception as err:  # keep watching from memory; only a restart would lose this state
            self.log.warning("Could not store the watermark in the asset state store: %s", err)
