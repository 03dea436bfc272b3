r"""ACS3-HMAC-SHA256 ("v3") request signing as done by tea-openapi 0.4.6, and its server-side verification.

The canonical request is: method, path, canonical query, one ``name:value`` line per signed header, a blank
line, the signed-header list and the payload hash, joined by newlines; the signature is the hex HMAC-SHA256 of
``"ACS3-HMAC-SHA256\n" + sha256hex(canonical request)`` keyed by the AccessKey secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from dataworks_emulator.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ALGORITHM = "ACS3-HMAC-SHA256"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_CLOCK_SKEW_SECONDS = 15 * 60
REQUIRED_SIGNED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
)
_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>\S+) Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]+)$"
)


@dataclass(frozen=True)
class Credential:
    """An AccessKey secret, plus the security token that must accompany it when it is an STS key."""

    secret: str
    security_token: str | None = None


@dataclass(frozen=True)
class Authorization:
    """The parsed ``Authorization`` header."""

    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of ``data`` (the ``x-acs-content-sha256`` value of a body)."""
    return hashlib.sha256(data).hexdigest()


def canonical_query(query: Mapping[str, str]) -> str:
    """Sort the query keys and join ``key=quote(value)`` pairs with ``&`` (empty string for no query)."""
    return "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))


def canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, Sequence[str]],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """Build the canonical request from decoded query values and the (lower-case named) signed headers."""
    header_lines = "".join(
        f"{name}:{','.join(sorted(value.strip() for value in headers[name]))}\n" for name in signed_headers
    )
    return "\n".join([method, path, canonical_query(query), header_lines, ";".join(signed_headers), payload_hash])


def string_to_sign(canonical: str) -> str:
    """Return the string to sign for a canonical request."""
    return f"{ALGORITHM}\n{sha256_hex(canonical.encode())}"


def signature(secret: str, to_sign: str) -> str:
    """Return the hex HMAC-SHA256 signature of ``to_sign`` keyed by ``secret``."""
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def authorization_header(access_key_id: str, signed_headers: Sequence[str], sig: str) -> str:
    """Format an ``Authorization`` header value."""
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={';'.join(signed_headers)},Signature={sig}"


def parse_authorization(value: str | None) -> Authorization:
    """Parse an ``Authorization`` header, or raise 400 IncompleteSignature when it is absent or garbled."""
    if not value:
        raise ApiError(400, "IncompleteSignature", "The request has no Authorization header.")
    match = _AUTHORIZATION.match(value.strip())
    if match is None:
        raise ApiError(400, "IncompleteSignature", "The Authorization header is not in ACS3 format.")
    if match["algorithm"] != ALGORITHM:
        raise ApiError(400, "IncompleteSignature", f"The signature algorithm {match['algorithm']} is not supported.")
    return Authorization(match["credential"], tuple(match["headers"].lower().split(";")), match["signature"])


def parse_acs_date(value: str | None) -> datetime:
    """Parse ``x-acs-date`` (UTC ``%Y-%m-%dT%H:%M:%SZ``), or raise 400 InvalidTimeStamp.Format."""
    try:
        return datetime.strptime(value or "", DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f'Specified time stamp or date value is not well formatted: "{value or ""}".',
        ) from None


class NonceCache:
    """Signature nonces seen within the replay window; used only from the server's event-loop thread."""

    def __init__(self, window_seconds: float = 2 * MAX_CLOCK_SKEW_SECONDS) -> None:
        self._window = window_seconds
        self._seen: OrderedDict[str, float] = OrderedDict()

    def check_and_add(self, nonce: str, now: float) -> bool:
        """Remember ``nonce`` and return True, or return False when it was already used in the window."""
        while self._seen and next(iter(self._seen.values())) < now - self._window:
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        return True


def verify_request(
    *,
    auth: Authorization,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, Sequence[str]],
    body: bytes,
    credentials: Mapping[str, Credential],
    nonces: NonceCache,
    now: float,
) -> None:
    """Check a parsed request like the gateway does; raise the matching ApiError on the first failure."""
    sent_at = parse_acs_date(headers.get("x-acs-date", [""])[0])
    if abs(now - sent_at.timestamp()) > MAX_CLOCK_SKEW_SECONDS:
        raise ApiError(
            400,
            "InvalidTimeStamp.Expired",
            f"Specified time stamp or date value is expired: {headers['x-acs-date'][0]}.",
        )
    for name in REQUIRED_SIGNED_HEADERS:
        if name not in auth.signed_headers:
            raise ApiError(400, "IncompleteSignature", f'The header "{name}" must be signed.')
    for name in auth.signed_headers:
        if name not in headers:
            raise ApiError(400, "IncompleteSignature", f'The signed header "{name}" is not in the request.')
    credential = credentials.get(auth.access_key_id)
    if credential is None:
        raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    payload_hash = headers["x-acs-content-sha256"][0].strip()
    canonical = canonical_request(method, path, query, headers, auth.signed_headers, payload_hash)
    to_sign = string_to_sign(canonical)
    expected = signature(credential.secret, to_sign)
    if payload_hash != sha256_hex(body) or not hmac.compare_digest(expected, auth.signature.lower()):
        raise ApiError(
            400,
            "SignatureDoesNotMatch",
            f"The request signature does not conform to Aliyun standards. server string to sign is:{to_sign}",
        )
    if credential.security_token is not None:
        token = headers.get("x-acs-security-token")
        if "x-acs-security-token" not in auth.signed_headers or token != [credential.security_token]:
            raise ApiError(400, "InvalidSecurityToken.Malformed", "The security token you provided is invalid.")
    if not nonces.check_and_add(headers["x-acs-signature-nonce"][0], now):
        raise ApiError(400, "SignatureNonceUsed", "The request signature nonce has been used.")
