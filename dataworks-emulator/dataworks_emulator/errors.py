"""Error type and JSON error body shaped like the Alibaba Cloud gateway's, shared by the emulator modules."""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


class ApiError(Exception):
    """An OpenAPI error answer: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def new_request_id() -> str:
    """Return a fresh request id in the service's upper-case UUID format."""
    return str(uuid.uuid4()).upper()


def error_body(request_id: str, host: str, code: str, message: str) -> bytes:
    """Serialize an error as the service does: RequestId, HostId, Code, Message and a Recommend link."""
    recommend = (
        f"https://api.aliyun.com/troubleshoot?q={quote(code, safe='')}&product=dataworks-public&requestId={request_id}"
    )
    payload = {
        "RequestId": request_id,
        "HostId": host,
        "Code": code,
        "Message": message,
        "Recommend": recommend,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def missing_parameter(name: str) -> ApiError:
    """Build the 400 MissingParameter error for a mandatory parameter that was not sent."""
    return ApiError(
        400,
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
    )


def invalid_parameter(name: str, reason: str) -> ApiError:
    """Build the 400 InvalidParameter error naming the parameter and why its value is rejected."""
    return ApiError(400, "InvalidParameter", f'The specified parameter "{name}" is not valid: {reason}')
