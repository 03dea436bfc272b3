"""The aiohttp application (routing): one RPC endpoint on ``/`` that authenticates, applies faults, dispatches."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from dataworks_emulator.control import add_control_routes
from dataworks_emulator.errors import JSON_CONTENT_TYPE, ApiError, error_body, new_request_id
from dataworks_emulator.faults import Fault, fault_reply
from dataworks_emulator.models.state import EmulatorState, RecordedCall
from dataworks_emulator.responses import ACTIONS, Handler
from dataworks_emulator.signing import NonceCache, parse_authorization, verify_request

if TYPE_CHECKING:
    from dataworks_emulator.scenario import Scenario

API_VERSION = "2024-05-18"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
log = logging.getLogger(__name__)


def _reply(
    status: int, body: bytes, request_id: str, content_type: str = JSON_CONTENT_TYPE, **headers: str
) -> web.Response:
    """Build a response carrying the ``x-acs-request-id`` header."""
    return web.Response(
        status=status,
        body=body,
        headers={"Content-Type": content_type, "x-acs-request-id": request_id, **headers},
    )


def _query(request: web.Request) -> dict[str, str]:
    """Decode the raw query string (``+`` means space, as the SDK's urlencode sends it)."""
    return dict(parse_qsl(request.raw_path.partition("?")[2], keep_blank_values=True))


def _form(request: web.Request, body: bytes) -> dict[str, str]:
    """Decode a form-urlencoded body; other bodies (like the async SDK's empty GET body) carry no parameters."""
    if body and request.headers.get("Content-Type", "").startswith(FORM_CONTENT_TYPE):
        return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return {}


def _close(request: web.Request) -> web.Response:
    """Close the connection without sending any answer (the call log records status 0)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _handler(request: web.Request) -> Handler:
    """Return the handler of the requested action, checking the API version first."""
    version = request.headers.get("x-acs-version", "")
    if version != API_VERSION:
        raise ApiError(400, "InvalidVersion", f"Specified parameter Version is not valid: {version!r}.")
    action = request.headers.get("x-acs-action", "")
    if action not in ACTIONS:
        raise ApiError(404, "InvalidApi.NotFound", f"Specified api is not found: {action!r}.")
    return ACTIONS[action]


def _header_lists(request: web.Request) -> dict[str, list[str]]:
    """Return the received headers by lower-case name (repeated headers keep every value)."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    return headers


def create_app(state: EmulatorState, scenario: Scenario | None = None) -> web.Application:
    """Return the emulator application serving ``state`` (and the ``/_emulator/`` control endpoints)."""
    nonces = NonceCache()

    async def handle(request: web.Request) -> web.StreamResponse:
        """Answer one OpenAPI call and record it, whatever the outcome."""
        arrived = time.monotonic()
        request_id = new_request_id()
        host = request.headers.get("Host", "")
        body = await request.read()
        query = _query(request)
        params = {**query, **_form(request, body)}
        action = request.headers.get("x-acs-action", "")
        access_key_id: str | None = None
        fault: Fault | None = None
        status, code = 0, None
        recorded = False

        def record() -> None:
            """Append this call to the call log once."""
            nonlocal recorded
            if not recorded:
                recorded = True
                state.record(
                    RecordedCall(
                        action=action,
                        params=params,
                        status=status,
                        code=code,
                        access_key_id=access_key_id,
                        fault=None if fault is None else fault.kind,
                        timestamp=arrived,
                    )
                )

        try:
            try:
                auth = parse_authorization(request.headers.get("Authorization"))
                access_key_id = auth.access_key_id
                handler = _handler(request)
                verify_request(
                    auth=auth,
                    method=request.method,
                    path=request.path,
                    query=query,
                    headers=_header_lists(request),
                    body=body,
                    credentials=state.credentials,
                    nonces=nonces,
                    now=time.time(),
                )
                fault = state.take_fault(action)
                if fault is not None and fault.kind == "drop":
                    return _close(request)
                if fault is not None and fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                reply = None if fault is None else fault_reply(fault, request_id, host)
                if reply is not None:
                    status, code = reply.status, reply.code
                    return _reply(status, reply.body, request_id, reply.content_type, **reply.headers)
                try:
                    payload: dict[str, Any] = {"RequestId": request_id, **handler(state, params)}
                    answer = _reply(200, json.dumps(payload, separators=(",", ":")).encode(), request_id)
                except ApiError as err:
                    code = err.code
                    answer = _reply(err.status, error_body(request_id, host, err.code, err.message), request_id)
                if fault is not None and fault.kind == "lost_answer":
                    return _close(request)
                status = answer.status
                if fault is not None and fault.kind == "late_answer":
                    record()  # the call took effect now; its answer only leaves later
                    await asyncio.sleep(fault.delay)
                return answer
            except ApiError as err:
                status, code = err.status, err.code
                return _reply(status, error_body(request_id, host, err.code, err.message), request_id)
            except Exception:
                log.exception("DataWorks emulator failed on %s", action)
                status, code = 500, "InternalError.System"
                message = "The request processing has failed due to some unknown error."
                return _reply(status, error_body(request_id, host, code, message), request_id)
        finally:
            record()

    app = web.Application()
    app.router.add_get("/", handle, allow_head=False)
    app.router.add_post("/", handle)
    add_control_routes(app, state, scenario)
    return app
