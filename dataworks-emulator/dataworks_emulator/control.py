"""Unsigned JSON control endpoints under ``/_emulator/`` so that tests can drive a running emulator server.

They take the keyword arguments of the Python methods of the same names (``EmulatorControl`` is the client).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from dataworks_emulator.faults import Fault

if TYPE_CHECKING:
    from dataworks_emulator.models.state import EmulatorState
    from dataworks_emulator.scenario import Scenario

PREFIX = "/_emulator"
Route = Callable[[web.Request], Awaitable[web.Response]]


def _json(payload: Any, status: int = 200) -> web.Response:
    """Return a JSON response."""
    return web.json_response(payload, status=status, dumps=lambda value: json.dumps(value, default=str))


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body (empty when there is none)."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "The body is not valid JSON."})) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "The body must be a JSON object of keyword arguments."}))
    return body


def _guarded(route: Route) -> Route:
    """Turn bad arguments into 400 and unknown ids into 404, each with a one-sentence ``error``."""

    async def guarded(request: web.Request) -> web.Response:
        """Run the route, mapping argument errors to JSON error answers."""
        try:
            return await route(request)
        except KeyError as exc:
            return _json({"error": f"Unknown id {exc.args[0]}."}, 404)
        except (TypeError, ValueError) as exc:
            return _json({"error": str(exc)}, 400)

    return guarded


def add_control_routes(app: web.Application, state: EmulatorState, scenario: Scenario | None) -> None:
    """Register the control endpoints for ``state``; ``reset`` restores ``scenario``'s starting world."""

    async def add_workflow_instance(request: web.Request) -> web.Response:
        """POST /_emulator/workflow_instances: add an instance, answer its id."""
        return _json({"id": state.add_workflow_instance(**await _body(request))})

    async def add_workflow(request: web.Request) -> web.Response:
        """POST /_emulator/workflows: add a workflow definition, answer its id."""
        return _json({"id": state.add_workflow(**await _body(request))})

    async def add_scheduled_workflow(request: web.Request) -> web.Response:
        """POST /_emulator/scheduled_workflows: add a scheduled workflow, answer its instance ids."""
        return _json({"ids": state.add_scheduled_workflow(**await _body(request))})

    async def add_data_quality_scan(request: web.Request) -> web.Response:
        """POST /_emulator/data_quality_scans: add a scan, answer its id."""
        return _json({"id": state.add_data_quality_scan(**await _body(request))})

    async def update_data_quality_scan(request: web.Request) -> web.Response:
        """POST /_emulator/data_quality_scans/{id}: change a scan's keywords."""
        state.update_data_quality_scan(int(request.match_info["id"]), **await _body(request))
        return _json({})

    async def add_data_quality_scan_run(request: web.Request) -> web.Response:
        """POST /_emulator/data_quality_scan_runs ``{data_quality_scan_id, ...}``: add a run, answer its id."""
        return _json({"id": state.add_data_quality_scan_run(**await _body(request))})

    async def data_quality_scan_run(request: web.Request) -> web.Response:
        """GET /_emulator/data_quality_scan_runs/{id}: one run without advancing its timeline."""
        run_id = int(request.match_info["id"])
        run = state.data_quality_scan_run(run_id)
        if run is None:
            raise KeyError(run_id)
        return _json(run)

    async def inject_fault(request: web.Request) -> web.Response:
        """POST /_emulator/faults: queue a fault ``{action, kind, times?, ...options}``."""
        body = await _body(request)
        options = {k: v for k, v in body.items() if k not in ("action", "kind", "times")}
        state.add_fault(Fault(body.get("action", ""), body.get("kind", ""), body.get("times", 1), options))
        return _json({})

    async def clock(request: web.Request) -> web.Response:
        """GET or POST ``{when}`` /_emulator/clock: read or set the emulator's "now"."""
        if request.method == "POST":
            state.set_clock((await _body(request)).get("when", ""))
        return _json({"now": state.now_datetime().isoformat()})

    async def calls(request: web.Request) -> web.Response:
        """GET /_emulator/calls[?action=X]: the call log; DELETE forgets it."""
        if request.method == "DELETE":
            state.reset_calls()
            return _json({})
        return _json({"calls": [asdict(call) for call in state.calls(request.query.get("action"))]})

    async def workflow_instance(request: web.Request) -> web.Response:
        """GET /_emulator/workflow_instances/{id}: one instance without advancing its timeline."""
        instance_id = int(request.match_info["id"])
        instance = state.workflow_instance(instance_id)
        if instance is None:
            raise KeyError(instance_id)
        return _json({**instance, "Stopped": state.is_stopped(instance_id), "Tasks": state.task_instances(instance_id)})

    async def rerun(request: web.Request) -> web.Response:
        """POST /_emulator/workflow_instances/{id}/rerun ``{statuses?, advance?, task_statuses?}``."""
        state.rerun_workflow_instance(int(request.match_info["id"]), **await _body(request))
        return _json({})

    async def reset(request: web.Request) -> web.Response:
        """POST /_emulator/reset: back to the scenario's starting world (calls and faults forgotten)."""
        state.clear()
        if scenario is not None:
            scenario.populate(state)
        return _json({})

    app.router.add_post(f"{PREFIX}/workflow_instances", _guarded(add_workflow_instance))
    app.router.add_get(f"{PREFIX}/workflow_instances/{{id:\\d+}}", _guarded(workflow_instance))
    app.router.add_post(f"{PREFIX}/workflow_instances/{{id:\\d+}}/rerun", _guarded(rerun))
    app.router.add_post(f"{PREFIX}/workflows", _guarded(add_workflow))
    app.router.add_post(f"{PREFIX}/scheduled_workflows", _guarded(add_scheduled_workflow))
    app.router.add_post(f"{PREFIX}/data_quality_scans", _guarded(add_data_quality_scan))
    app.router.add_post(f"{PREFIX}/data_quality_scans/{{id:\\d+}}", _guarded(update_data_quality_scan))
    app.router.add_post(f"{PREFIX}/data_quality_scan_runs", _guarded(add_data_quality_scan_run))
    app.router.add_get(f"{PREFIX}/data_quality_scan_runs/{{id:\\d+}}", _guarded(data_quality_scan_run))
    app.router.add_post(f"{PREFIX}/faults", _guarded(inject_fault))
    app.router.add_get(f"{PREFIX}/clock", _guarded(clock))
    app.router.add_post(f"{PREFIX}/clock", _guarded(clock))
    app.router.add_get(f"{PREFIX}/calls", _guarded(calls))
    app.router.add_delete(f"{PREFIX}/calls", _guarded(calls))
    app.router.add_post(f"{PREFIX}/reset", _guarded(reset))
