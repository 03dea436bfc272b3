"""``EmulatorControl``: a standard-library client for a running emulator's ``/_emulator/`` control endpoints.

Same method names and keywords as ``DataWorksEmulator``, for tests that drive a ``dataworks-emulator`` process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode


class EmulatorControlError(RuntimeError):
    """The control endpoint refused a request; the message is the emulator's one-sentence reason."""


def _plain(value: Any) -> Any:
    """Make dates and datetimes JSON-ready (ISO-8601), recursively."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class EmulatorControl:
    """Drive a running DataWorks emulator over HTTP, e.g. ``EmulatorControl("http://127.0.0.1:8765")``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one JSON request and return the decoded answer; errors raise EmulatorControlError."""
        data = None if body is None else json.dumps(_plain(body)).encode()
        request = urllib.request.Request(
            f"{self.base_url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read()).get("error", exc.reason)
            except ValueError:
                reason = exc.reason
            raise EmulatorControlError(f"{method} /_emulator/{path} failed ({exc.code}): {reason}") from None

    def add_workflow_instance(self, **instance: Any) -> int:
        """Add a workflow instance; return its id."""
        return int(self._call("POST", "workflow_instances", instance)["id"])

    def add_workflow(self, **workflow: Any) -> int:
        """Add a workflow definition CreateWorkflowInstances can start; return its id."""
        return int(self._call("POST", "workflows", workflow)["id"])

    def add_scheduled_workflow(self, workflow_id: int, name: str, **schedule: Any) -> list[int]:
        """Add a workflow run by DataWorks' scheduler; return its Normal instance ids."""
        body = {"workflow_id": workflow_id, "name": name, **schedule}
        return [int(i) for i in self._call("POST", "scheduled_workflows", body)["ids"]]

    def add_data_quality_scan(self, **scan: Any) -> int:
        """Add a data-quality scan; return its id."""
        return int(self._call("POST", "data_quality_scans", scan)["id"])

    def update_data_quality_scan(self, id: int, **changes: Any) -> None:
        """Change a scan's keywords; runs already started keep their snapshot."""
        self._call("POST", f"data_quality_scans/{int(id)}", changes)

    def add_data_quality_scan_run(self, data_quality_scan_id: int, **run: Any) -> int:
        """Add an existing run of a scan; return its id."""
        body = {"data_quality_scan_id": data_quality_scan_id, **run}
        return int(self._call("POST", "data_quality_scan_runs", body)["id"])

    def data_quality_scan_run(self, id: int) -> dict[str, Any]:
        """Return a run's DataQualityScanRun dict without advancing its timeline."""
        return dict(self._call("GET", f"data_quality_scan_runs/{int(id)}"))

    def inject_fault(self, action: str, kind: str, *, times: int = 1, **options: Any) -> None:
        """Make the next ``times`` calls of ``action`` (``"*"``: any) misbehave as ``kind``."""
        self._call("POST", "faults", {"action": action, "kind": kind, "times": times, **options})

    def set_clock(self, when: str | int | datetime) -> None:
        """Set the emulator's "now" (aware datetime or ISO-8601 with offset)."""
        self._call("POST", "clock", {"when": when})

    def now(self) -> datetime:
        """Return the emulator's "now"."""
        return datetime.fromisoformat(self._call("GET", "clock")["now"])

    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        """Return the recorded requests (dicts with action, params, status, code, ...), optionally of one action."""
        query = "" if action is None else "?" + urlencode({"action": action})
        return list(self._call("GET", f"calls{query}")["calls"])

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        self._call("DELETE", "calls")

    def workflow_instance(self, id: int) -> dict[str, Any]:
        """Return an instance's wire dict plus ``Stopped`` and ``Tasks``, without advancing its timeline."""
        return dict(self._call("GET", f"workflow_instances/{int(id)}"))

    def rerun_workflow_instance(self, instance_id: int, **rerun: Any) -> None:
        """Rerun an instance under the same id (keywords: statuses, advance, task_statuses)."""
        self._call("POST", f"workflow_instances/{int(instance_id)}/rerun", rerun)

    def reset(self) -> None:
        """Return to the scenario's starting world."""
        self._call("POST", "reset", {})
