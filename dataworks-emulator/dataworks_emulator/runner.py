"""``DataWorksEmulator``: runs the emulator server on a background thread and exposes its world to Python."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import TYPE_CHECKING, Any

from dataworks_emulator.faults import Fault
from dataworks_emulator.models.state import EmulatorState, RecordedCall
from dataworks_emulator.scenario import Scenario

if TYPE_CHECKING:
    from dataworks_emulator.models.records import Advance

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
_SHUTDOWN_GRACE = 0.25


class DataWorksEmulator:
    """A local DataWorks OpenAPI server (real HTTP, real signatures) for the official SDK; a context manager."""

    def __init__(
        self,
        scenario: Scenario | Mapping[str, Any] | str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region_id: str | None = None,
        timezone: str | None = None,
        creation_delay: float | None = None,
    ) -> None:
        self.scenario = Scenario.load(scenario)
        self.host = host
        self.region_id = region_id or self.scenario.region_id
        self.project_id = self.scenario.project_id
        credentials = self.scenario.credentials()
        static = [key for key, credential in credentials.items() if credential.security_token is None]
        sts = [key for key, credential in credentials.items() if credential.security_token is not None]
        self.access_key_id = static[0]
        self.access_key_secret = credentials[self.access_key_id].secret
        self.sts_access_key_id = sts[0]
        self.sts_access_key_secret = credentials[self.sts_access_key_id].secret
        self.security_token = credentials[self.sts_access_key_id].security_token
        self.timezone = timezone or self.scenario.timezone
        self.state = EmulatorState(
            project_id=self.project_id,
            credentials=credentials,
            timezone=self.timezone,
            creation_delay=self.scenario.creation_delay if creation_delay is None else creation_delay,
        )
        self.scenario.populate(self.state)
        self._requested_port = port
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._startup_error: BaseException | None = None

    # ----- lifecycle -----

    def start(self) -> DataWorksEmulator:
        """Start serving on a daemon thread with its own event loop; return self once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("The DataWorks emulator is already running.")
        ready = threading.Event()
        self._startup_error = None
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(ready)), name="dataworks-emulator", daemon=True
        )
        self._thread.start()
        if not ready.wait(_START_TIMEOUT):
            raise RuntimeError("The DataWorks emulator did not start in time.")
        if self._startup_error is not None:
            self._thread.join(_STOP_TIMEOUT)
            self._thread = None
            raise self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving (in-flight requests get a short grace period) and join the thread."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(_STOP_TIMEOUT)
        self._thread = self._loop = self._stopping = None
        self._port = None

    async def _serve(self, ready: threading.Event) -> None:
        """Run the aiohttp site until ``stop()`` sets the stopping event."""
        from aiohttp import web

        from dataworks_emulator.routing import create_app

        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            create_app(self.state, self.scenario),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=_SHUTDOWN_GRACE,
        )
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
            self._port = runner.addresses[0][1]
        except BaseException as exc:
            self._startup_error = exc
            await runner.cleanup()
            ready.set()
            return
        ready.set()
        try:
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def __enter__(self) -> DataWorksEmulator:
        """Start the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the emulator."""
        self.stop()

    # ----- where and how to connect -----

    @property
    def port(self) -> int:
        """The bound TCP port, or before start the requested one if it is fixed (not 0)."""
        port = self._port or self._requested_port
        if not port:
            raise RuntimeError("The DataWorks emulator is not running and has no fixed port.")
        return port

    @property
    def endpoint(self) -> str:
        """The SDK ``Config.endpoint`` value: ``host:port`` without a scheme."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL, ``http://host:port``."""
        return f"http://{self.endpoint}"

    def connection(self, **extra_overrides: Any) -> dict[str, Any]:
        """Return an Airflow connection dict for this emulator; keyword arguments go into ``extra``."""
        extra = {
            "region_id": self.region_id,
            "protocol": "http",
            "project_id": self.project_id,
            "env_type": "Prod",
        }
        return {
            "conn_type": "dataworks",
            "host": self.endpoint,
            "login": self.access_key_id,
            "password": self.access_key_secret,
            "extra": {**extra, **extra_overrides},
        }

    def connection_json(self, **extra_overrides: Any) -> str:
        """Return ``connection()`` as JSON, the value for an ``AIRFLOW_CONN_<ID>`` environment variable."""
        return json.dumps(self.connection(**extra_overrides))

    # ----- the world -----

    def add_workflow_instance(self, **instance: Any) -> int:
        """Add a workflow instance and return its id; keywords as `EmulatorState.add_workflow_instance`.

        E.g. ``add_workflow_instance(workflow_id=501, biz_date="2026-11-27", statuses=["Running", "Success"],
        advance="reads")``; biz_date defaults to yesterday on the emulator clock, tasks to none. Normal instances
        carry TriggerTime D+1 00:00 (``trigger_time`` overrides it); ``appear_at_trigger_time=True`` hides the
        instance until the emulator clock reaches it.
        """
        return self.state.add_workflow_instance(**instance)

    def add_workflow(self, **workflow: Any) -> int:
        """Add a workflow definition CreateWorkflowInstances can start; keywords as `EmulatorState.add_workflow`."""
        return self.state.add_workflow(**workflow)

    def add_scheduled_workflow(self, workflow_id: int, name: str, **schedule: Any) -> list[int]:
        """Add a workflow run by DataWorks' scheduler; return its Normal instance ids in scheduling order.

        E.g. ``add_scheduled_workflow(501, "sales_daily", at="00:30", biz_dates=["2025-01-15"])``: the instance of
        data date 2025-01-15 is generated at 2025-01-15 23:30 (emulator zone, T+1 generation), shows ``NotRun``
        and starts at 2025-01-16 00:30 on the emulator clock. Keywords as `EmulatorState.add_scheduled_workflow`
        (schedule, at, biz_dates, statuses, advance, tasks, project_id, env_type, rerun_statuses,
        statuses_by_time, owner, generated_at).
        """
        return self.state.add_scheduled_workflow(workflow_id, name, **schedule)

    def reset(self) -> None:
        """Return to the scenario's starting world: instances, workflows, scans, faults, calls and clock."""
        self.state.clear()
        self.scenario.populate(self.state)

    def inject_fault(self, action: str, kind: str, *, times: int = 1, **options: Any) -> None:
        """Make the next ``times`` calls of ``action`` (``"*"``: any) misbehave as ``kind``."""
        self.state.add_fault(Fault(action, kind, times, options))

    def calls(self, action: str | None = None) -> list[RecordedCall]:
        """Return the recorded requests, optionally only those of one action."""
        return self.state.calls(action)

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        self.state.reset_calls()

    def workflow_instance(self, id: int) -> dict[str, Any]:
        """Return an instance's current wire dict without advancing its timeline (KeyError if unknown)."""
        instance = self.state.workflow_instance(id)
        if instance is None:
            raise KeyError(id)
        return instance

    def is_stopped(self, id: int) -> bool:
        """Return whether StopWorkflowInstances stopped the instance."""
        return self.state.is_stopped(id)

    def task_instances(self, workflow_instance_id: int) -> list[dict[str, Any]]:
        """Return the task instance wire dicts of a workflow instance."""
        return self.state.task_instances(workflow_instance_id)

    def rerun_workflow_instance(
        self,
        instance_id: int,
        statuses: Sequence[str] | None = None,
        advance: Advance | None = None,
        *,
        task_statuses: Sequence[str] | None = None,
    ) -> None:
        """Rerun an instance under the same id, as DataWorks' auto-rerun or an operator in the console does.

        The instance restarts with ``statuses`` (default: its ``rerun_statuses``, e.g. Running -> Success); its
        task instances in ``task_statuses`` (default: all) run again with RunNumber + 1.
        """
        self.state.rerun_workflow_instance(instance_id, statuses=statuses, advance=advance, task_statuses=task_statuses)

    def trigger_task_instance(self, task_id: int, trigger_time: str | int | datetime, env_type: str = "Prod") -> bool:
        """Trigger an HTTP trigger node's instance as TriggerSchedulerTaskInstance does; False if already triggered."""
        return self.state.trigger_task_instance(task_id, trigger_time, env_type)

    def held_triggers(self) -> list[dict[str, Any]]:
        """Return the early triggers the emulator still holds (each applies once its instance waits, 24 h at most)."""
        return self.state.held_triggers()

    # ----- data-quality scans -----

    def add_data_quality_scan(self, **scan: Any) -> int:
        """Add a data-quality scan (monitor) and return its id; keywords as `EmulatorState.add_data_quality_scan`.

        E.g. ``add_data_quality_scan(id=301, name="orders_quality", rules=[{"name": "orders not empty",
        "assertion": "row_count > 0", "status": "Fail", "check_value": "0"}])``: every run goes Running, then Fail
        (the worst rule outcome; ``statuses`` scripts it instead), advancing on GetDataQualityScanRun reads
        (``advance`` seconds instead). A run created through the API is listed after ``listing_delay`` seconds.
        """
        return self.state.add_data_quality_scan(**scan)

    def update_data_quality_scan(self, id: int, **changes: Any) -> None:
        """Change a scan (e.g. its rules' outcomes once the data is fixed); runs already started keep their snapshot."""
        self.state.update_data_quality_scan(id, **changes)

    def add_data_quality_scan_run(self, data_quality_scan_id: int, **run: Any) -> int:
        """Add an existing run of a scan and return its id; keywords as `EmulatorState.add_data_quality_scan_run`."""
        return self.state.add_data_quality_scan_run(data_quality_scan_id, **run)

    def data_quality_scan_run(self, id: int) -> dict[str, Any]:
        """Return a run's DataQualityScanRun dict without advancing its timeline (KeyError if unknown)."""
        run = self.state.data_quality_scan_run(id)
        if run is None:
            raise KeyError(id)
        return run

    def data_quality_scan_runs(self, data_quality_scan_id: int | None = None) -> list[dict[str, Any]]:
        """Return the DataQualityScanRun dicts of every run (listed yet or not), or of one scan's runs."""
        return self.state.data_quality_scan_runs(data_quality_scan_id)

    # ----- the clock -----

    def set_clock(self, when: str | int | datetime) -> None:
        """Set the emulator's "now" to ``when`` (aware datetime or ISO-8601 with offset); it then runs in real time."""
        self.state.set_clock(when)

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's "now" forward by ``seconds`` (a creation, a scheduling time comes sooner)."""
        self.state.advance_clock(seconds)

    def now(self) -> datetime:
        """Return the emulator's "now" (aware, in the emulator's time zone)."""
        return self.state.now_datetime()
