"""Fault injection: queued misbehaviours applied to authenticated requests instead of, before or after an answer.

Every kind except ``lost_answer`` and ``late_answer`` means the request had no effect.

Kinds and their options:

- ``throttle``: 400 ``Throttling.User``; ``retry_after_ms`` adds ``x-acs-retry-after`` and makes it 429;
  ``code``, ``status``, ``message`` override (e.g. ``code="Throttling.Resource"``, a quota, not transient).
- ``server_error``: 503 ``ServiceUnavailable``; ``status``, ``code``, ``message`` override.
- ``html_502``: 502 with an HTML gateway page (``text/html``).
- ``malformed_json``: 200 with a truncated JSON body.
- ``slow``: wait ``delay`` seconds (default 3.0), then answer normally.
- ``drop``: close the TCP connection without any response.
- ``lost_answer``: the action TAKES EFFECT (e.g. a run is created), then the connection closes without an answer.
- ``late_answer``: the action takes effect, the answer is sent after ``delay`` seconds (default 3.0), e.g. after
  the client's read timeout.
- ``missing_instance``: 200 with only ``{"RequestId": ...}``.
- ``error``: any ``status`` and ``code`` (both required) with an optional ``message``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dataworks_emulator.errors import JSON_CONTENT_TYPE, error_body

FAULT_KINDS = (
    "throttle",
    "server_error",
    "html_502",
    "malformed_json",
    "slow",
    "drop",
    "lost_answer",
    "late_answer",
    "missing_instance",
    "error",
)
_OPTIONS: dict[str, frozenset[str]] = {
    "throttle": frozenset({"retry_after_ms", "code", "status", "message"}),
    "server_error": frozenset({"status", "code", "message"}),
    "html_502": frozenset(),
    "malformed_json": frozenset(),
    "slow": frozenset({"delay"}),
    "drop": frozenset(),
    "lost_answer": frozenset(),
    "late_answer": frozenset({"delay"}),
    "missing_instance": frozenset(),
    "error": frozenset({"status", "code", "message"}),
}
_HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>"
    "\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    """A fault for one action (``"*"``: any action) used ``times`` more times, with kind-specific options."""

    action: str
    kind: str
    times: int = 1
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate kind, count and options with one-sentence errors."""
        if not isinstance(self.action, str) or not self.action:
            raise ValueError(f"A fault needs an action name or '*', got {self.action!r}.")
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}.")
        if isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 1:
            raise ValueError(f"Fault times must be a positive integer, got {self.times!r}.")
        unknown = sorted(set(self.options) - _OPTIONS[self.kind])
        if unknown:
            allowed = ", ".join(sorted(_OPTIONS[self.kind])) or "none"
            raise ValueError(f"Unknown option {unknown[0]!r} for fault {self.kind!r}; allowed: {allowed}.")
        if self.kind == "error" and not {"status", "code"} <= set(self.options):
            raise ValueError("An 'error' fault needs both 'status' and 'code' options.")
        for name in ("status", "retry_after_ms"):
            value = self.options.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"Fault option {name!r} must be a positive integer, got {value!r}.")
        status = self.options.get("status")
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"Fault option 'status' must be an HTTP status code, got {status!r}.")
        delay = self.options.get("delay", 3.0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError(f"Fault option 'delay' must be a non-negative number of seconds, got {delay!r}.")

    @property
    def delay(self) -> float:
        """Seconds a ``slow`` or ``late_answer`` fault waits before answering."""
        return float(self.options.get("delay", 3.0))


@dataclass(frozen=True)
class FaultReply:
    """The HTTP answer a fault produces instead of the normal one."""

    status: int
    content_type: str
    body: bytes
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def fault_reply(fault: Fault, request_id: str, host: str) -> FaultReply | None:
    """Return the answer replacing the normal one; None for kinds the server handles (slow, drop, *_answer)."""
    options = fault.options
    if fault.kind == "throttle":
        retry_after = options.get("retry_after_ms")
        code = options.get("code", "Throttling.User")
        message = options.get("message", "Request was denied due to user flow control.")
        headers = {} if retry_after is None else {"x-acs-retry-after": str(retry_after)}
        status = options.get("status", 400 if retry_after is None else 429)
        return FaultReply(status, JSON_CONTENT_TYPE, error_body(request_id, host, code, message), code, headers)
    if fault.kind in ("server_error", "error"):
        code = options.get("code", "ServiceUnavailable")
        default_message = (
            "The request has failed due to a temporary failure of the server."
            if fault.kind == "server_error"
            else f"Emulated error {code}."
        )
        message = options.get("message", default_message)
        status = options.get("status", 503)
        return FaultReply(status, JSON_CONTENT_TYPE, error_body(request_id, host, code, message), code)
    if fault.kind == "html_502":
        return FaultReply(502, "text/html", _HTML_502.encode())
    if fault.kind == "malformed_json":
        return FaultReply(200, JSON_CONTENT_TYPE, f'{{"RequestId":"{request_id}","WorkflowInstance":{{"Id":1'.encode())
    if fault.kind == "missing_instance":
        return FaultReply(200, JSON_CONTENT_TYPE, json.dumps({"RequestId": request_id}).encode())
    return None
