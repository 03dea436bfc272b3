"""Translate what the DataWorks SDK raises into the provider's `DataWorksAPIError` family.

The SDK raises a handful of loosely related classes (reference: dataworks-openapi.md, section 5); callers
should only ever see one family that says whether a retry can help.
"""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_dataworks.exceptions import (
    DataWorksAPIError,
    DataWorksAuthError,
    DataWorksInstanceNotFoundError,
    DataWorksInvalidRequestError,
    DataWorksQuotaExceededError,
    DataWorksThrottlingError,
    DataWorksTransientError,
    DataWorksTransportError,
)

#: Throttling codes that mean a quota is used up: waiting seconds will not help.
QUOTA_CODES = frozenset({"Throttling.Resource", "Throttling.Api.Risk"})
#: 5xx codes that describe a permanent condition (the API is not offered in this region).
PERMANENT_SERVER_CODES = frozenset({"Forbidden.Not.Server"})
#: A stale nonce or clock is fixed by a fresh attempt, which the SDK signs anew.
TRANSIENT_CLIENT_CODES = frozenset({"SignatureNonceUsed"})
_AUTH_CODE = re.compile(
    r"^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken|InvalidTimeStamp"
    r"|Forbidden|ResourceNotAuthorized|InvalidCredentials|NoPermission|Invalid\.Tenant\.User)"
)
_NOT_FOUND = re.compile(r"not ?exist|notfound|not found", re.IGNORECASE)
_NOT_AN_INSTANCE = ("Invalid.Tenant", "InvalidApi", "InvalidAccessKeyId")


def translate_sdk_error(err: Exception, action: str) -> DataWorksAPIError | None:
    """Map an exception raised by an SDK call to the family; None when it is not an SDK error at all."""
    from alibabacloud_credentials.exceptions import CredentialException
    from Tea.exceptions import TeaException

    if isinstance(err, CredentialException):
        return DataWorksAuthError(f"could not obtain credentials: {err}", action=action, code="InvalidCredentials")
    if not isinstance(err, TeaException):
        return None
    inner = getattr(err, "inner_exception", None)
    if isinstance(inner, CredentialException):
        return DataWorksAuthError(f"could not obtain credentials: {inner}", action=action, code="InvalidCredentials")
    status = _status_code(err)
    code = _code(err)
    if status is None and code is None:
        return _transport_error(err, inner, action)
    return classify(
        action=action,
        code=code,
        status_code=status,
        message=_message(err),
        request_id=getattr(err, "request_id", None) or _data(err).get("RequestId"),
        retry_after=_retry_after_seconds(err),
    )


def classify(
    *,
    action: str,
    code: str | None,
    status_code: int | None,
    message: str,
    request_id: str | None,
    retry_after: float | None = None,
) -> DataWorksAPIError:
    """Pick the family member for a DataWorks error answer (code + HTTP status)."""
    kind: type[DataWorksAPIError]
    code_text = code or ""
    if code_text in QUOTA_CODES:
        kind = DataWorksQuotaExceededError
    elif code_text.startswith("Throttling") or status_code == 429:
        kind = DataWorksThrottlingError
    elif code_text in PERMANENT_SERVER_CODES:
        kind = DataWorksInvalidRequestError
    elif code_text in TRANSIENT_CLIENT_CODES or (status_code is not None and status_code >= 500):
        kind = DataWorksTransientError
    elif _AUTH_CODE.match(code_text) or status_code in (401, 403):
        kind = DataWorksAuthError
    elif _is_missing_instance(code_text, message):
        kind = DataWorksInstanceNotFoundError
    else:
        kind = DataWorksInvalidRequestError
    return kind(
        message,
        action=action,
        code=code,
        status_code=status_code,
        request_id=request_id,
        retry_after=retry_after if kind.retryable else None,
    )


def _is_missing_instance(code: str, message: str) -> bool:
    """A not-exist answer, unless it is about a workspace, an API or an AccessKey (those are other errors)."""
    if code.startswith(_NOT_AN_INSTANCE):
        return False
    return bool(_NOT_FOUND.search(code) or _NOT_FOUND.search(message))


def _transport_error(err: Exception, inner: Any, action: str) -> DataWorksTransportError:
    """No DataWorks answer: a network failure, a timeout, or a body that was not JSON (e.g. a gateway page)."""
    detail = str(inner) if inner is not None else str(err)
    if "parse the value as json" in detail.lower():
        summary = "the response was not DataWorks JSON (a gateway error page or a truncated body)"
        code = "NonJsonResponse"
    else:
        summary = "no response from DataWorks (connection failed, dropped or timed out)"
        code = "TransportError"
    return DataWorksTransportError(f"{summary}: {_shorten(detail)}", action=action, code=code)


def _status_code(err: Exception) -> int | None:
    for attr in ("status_code", "statusCode"):
        value = getattr(err, attr, None)
        if isinstance(value, int):
            return value
    value = _data(err).get("statusCode")
    return value if isinstance(value, int) else None


def _code(err: Exception) -> str | None:
    code = getattr(err, "code", None)
    return None if code in (None, "None", "") else str(code)


def _data(err: Exception) -> dict[str, Any]:
    data = getattr(err, "data", None)
    return data if isinstance(data, dict) else {}


def _message(err: Exception) -> str:
    """DataWorks' own Message; the SDK's `.message` wraps it in code and request id, which we print apart."""
    message = _data(err).get("Message") or _data(err).get("message")
    return str(message) if message else _shorten(str(getattr(err, "message", "") or err))


def _retry_after_seconds(err: Exception) -> float | None:
    value = getattr(err, "retry_after", None)
    return value / 1000 if isinstance(value, int | float) and value > 0 else None


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
