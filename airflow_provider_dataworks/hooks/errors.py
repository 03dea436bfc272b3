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
    DataWorksEndpointError,
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
#: How a sentence names the connection when the caller does not say which one it is.
SOME_CONNECTION = "the Airflow connection"
#: The sentence that names what to change, for answers whose cause is known; DataWorks' own text follows it.
#: `{connection}` names the Airflow connection whose settings are to change.
_HINTS = (
    (
        "SignatureDoesNotMatch",
        "The AccessKey Secret does not match the AccessKey ID: set the password of {connection} "
        "to the AccessKey Secret of its login.",
    ),
    (
        "InvalidAccessKeyId",
        "DataWorks does not know this AccessKey ID: check the login (AccessKey ID) of {connection} "
        "and that the key is enabled.",
    ),
    (
        "InvalidSecurityToken",
        "The STS token is invalid or expired: renew extra 'security_token' of {connection}, or use a "
        "role-based auth_type that renews itself.",
    ),
    ("InvalidTimeStamp", "This machine's clock is more than 15 minutes off: synchronise it (NTP)."),
    (
        "Throttling.Resource",
        "The DataWorks OpenAPI quota is used up: poll less often (poke_interval, "
        "poll_interval) or use an edition with a higher quota.",
    ),
    (
        "Throttling.Api.Risk",
        "The daily DataWorks OpenAPI call limit is reached: poll less often (poke_interval, "
        "poll_interval) or use an edition with a higher quota.",
    ),
    (
        "Forbidden",
        "The RAM user or role of {connection} lacks permission for this action: grant it a DataWorks "
        "policy (e.g. AliyunDataWorksFullAccess) in the workspace.",
    ),
)
#: A missing object that is not an instance: the argument that names it.
_MISSING_OBJECTS = (
    ("TaskInstance", None),
    ("WorkflowInstance", None),
    (
        "Workflow",
        "The workflow does not exist in this workspace and environment: check workflow_id, project_id and env_type.",
    ),
    (
        "Project",
        "The workspace does not exist or is not visible to this AccessKey: check project_id and the "
        "region of {connection}.",
    ),
)
_GATEWAY_STATUS = re.compile(r"<(?:title|h1)>\s*([45]\d\d)\b")
#: The code of a transport error that got no answer at all (refused, unresolved, dropped, timed out).
NO_ANSWER = "TransportError"


def is_no_answer(err: BaseException) -> bool:
    """Whether a call got no answer at all from the endpoint (refused, unresolved, dropped, timed out): any HTTP
    answer, an error or a gateway page too, says the endpoint was reached."""
    return isinstance(err, DataWorksTransportError) and err.code == NO_ANSWER


def translate_sdk_error(err: Exception, action: str, connection: str = SOME_CONNECTION) -> DataWorksAPIError | None:
    """Map an exception raised by an SDK call to the family; None when it is not an SDK error at all.

    `connection` names the Airflow connection in the sentences that say which of its settings to change.
    The SDK raises darabonba's classes: `DaraException` and its subclasses for an answer (tea-openapi's
    Client/Server/ThrottlingException), `UnretryableException` when there was no usable answer.
    """
    from alibabacloud_credentials.exceptions import CredentialException
    from darabonba.exceptions import DaraException, UnretryableException

    if isinstance(err, CredentialException):
        return _credentials_error(err, action, connection)
    if not isinstance(err, DaraException | UnretryableException):
        return None
    inner = getattr(err, "inner_exception", None)
    if isinstance(inner, CredentialException):
        return _credentials_error(inner, action, connection)
    status = _status_code(err)
    code = _code(err)
    if status is None and code is None:
        return _transport_error(err, inner, action, connection)
    return classify(
        action=action,
        code=code,
        status_code=status,
        message=_message(err),
        request_id=getattr(err, "request_id", None) or _data(err).get("RequestId"),
        retry_after=_retry_after_seconds(err),
        connection=connection,
    )


def _credentials_error(err: Exception, action: str, connection: str) -> DataWorksAuthError:
    """The credentials provider failed before any call went out (an empty default chain, an unreadable token)."""
    return DataWorksAuthError(
        f"could not obtain credentials: {err}",
        action=action,
        code="InvalidCredentials",
        hint=f"No credentials could be obtained for {connection}: check its auth_type and the fields that "
        "auth type needs.",
    )


def classify(
    *,
    action: str,
    code: str | None,
    status_code: int | None,
    message: str,
    request_id: str | None,
    retry_after: float | None = None,
    connection: str = SOME_CONNECTION,
) -> DataWorksAPIError:
    """Pick the family member for a DataWorks error answer (code + HTTP status); `connection` names the Airflow
    connection in the fix."""
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
    hint = _hint(code_text)
    if kind is DataWorksInstanceNotFoundError:
        kind, hint = _missing_object(code_text, message)
    return kind(
        message,
        action=action,
        code=code,
        status_code=status_code,
        request_id=request_id,
        retry_after=retry_after if kind.retryable else None,
        hint=None if hint is None else hint.format(connection=connection),
    )


def _hint(code: str) -> str | None:
    """The fix for a known code (prefix match: `Forbidden.RAM` takes the `Forbidden` sentence)."""
    return next((hint for prefix, hint in _HINTS if code.startswith(prefix)), None)


def _missing_object(code: str, message: str) -> tuple[type[DataWorksAPIError], str | None]:
    """A not-exist answer about an instance stays `DataWorksInstanceNotFoundError`; one about a workflow or a
    workspace is a wrong argument, named in the hint."""
    text = f"{code} {message}".replace(" ", "").lower()
    for name, hint in _MISSING_OBJECTS:
        if name.lower() in text:
            return (DataWorksInstanceNotFoundError, None) if hint is None else (DataWorksInvalidRequestError, hint)
    return DataWorksInstanceNotFoundError, None


def _is_missing_instance(code: str, message: str) -> bool:
    """A not-exist answer, unless it is about a workspace, an API or an AccessKey (those are other errors)."""
    if code.startswith(_NOT_AN_INSTANCE):
        return False
    return bool(_NOT_FOUND.search(code) or _NOT_FOUND.search(message))


def _transport_error(err: Exception, inner: Any, action: str, connection: str) -> DataWorksAPIError:
    """No DataWorks answer: a network failure, a timeout, TLS to a plain-HTTP server, or a body that was not JSON."""
    detail = _transport_detail(err, inner)
    lowered = detail.lower()
    if "wrong_version_number" in lowered or "wrong version number" in lowered:
        return DataWorksEndpointError(
            f"TLS handshake failed: {_shorten(detail)}",
            action=action,
            code="TLSMismatch",
            hint=f"The endpoint answers plain HTTP, but {connection} uses https: point its host at the DataWorks "
            "HTTPS endpoint, or set its extra 'protocol' to 'http' (only for a local emulator).",
        )
    if "parse the value as json" in lowered:
        gateway = _GATEWAY_STATUS.search(detail)
        return DataWorksTransportError(
            f"the response was not DataWorks JSON (a gateway error page or a truncated body): {_shorten(detail)}",
            action=action,
            code="NonJsonResponse",
            status_code=int(gateway.group(1)) if gateway else None,
        )
    return DataWorksTransportError(
        f"no response from DataWorks (connection failed, dropped or timed out): {_shorten(detail)}",
        action=action,
        code=NO_ANSWER,
    )


def _transport_detail(err: Exception, inner: Any) -> str:
    """The underlying library's own message, not the SDK's dict wrapping of it."""
    candidate = getattr(inner, "message", None)
    if isinstance(candidate, dict):
        candidate = candidate.get("message")
    if isinstance(candidate, str) and candidate:
        return candidate
    return str(inner if inner is not None else err)


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
