"""Shared helpers for the emulator tests: real SDK clients and hand-signed raw requests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
import requests

from dataworks_emulator.signing import (
    authorization_header,
    canonical_request,
    sha256_hex,
    signature,
    string_to_sign,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from dataworks_emulator import DataWorksEmulator

API_VERSION = "2024-05-18"


@pytest.fixture
def make_client() -> Callable[..., Any]:
    """Return a factory building the real SDK client for an emulator (Config fields may be overridden)."""

    def build(emulator: DataWorksEmulator, **overrides: Any) -> Any:
        from alibabacloud_dataworks_public20240518.client import Client
        from alibabacloud_tea_openapi.models import Config

        settings = {
            "endpoint": emulator.endpoint,
            "protocol": "http",
            "region_id": emulator.region_id,
            "access_key_id": emulator.access_key_id,
            "access_key_secret": emulator.access_key_secret,
            "read_timeout": 5000,
            "connect_timeout": 2000,
            **overrides,
        }
        return Client(Config(**settings))

    return build


@pytest.fixture
def models() -> Any:
    """Import the SDK models module lazily (it is slow to import)."""
    from alibabacloud_dataworks_public20240518 import models

    return models


@pytest.fixture
def client(dataworks_emulator: DataWorksEmulator, make_client: Callable[..., Any]) -> Any:
    """Build the real SDK client pointed at the plugin's emulator."""
    return make_client(dataworks_emulator)


@dataclass
class RawRequest:
    """A request signed by hand, kept so that tests can tamper with it and send it again."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    def send(self, **changes: Any) -> requests.Response:
        """Send the request (optionally with a replaced url, headers or body)."""
        fields = {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "data": self.body,
            **changes,
        }
        return requests.request(timeout=5, **fields)


def sign_raw(
    emulator: DataWorksEmulator,
    action: str,
    *,
    method: str = "GET",
    query: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    access_key_id: str | None = None,
    secret: str | None = None,
    security_token: str | None = None,
    date: datetime | None = None,
    extra_headers: Mapping[str, str] | None = None,
    omit: tuple[str, ...] = (),
) -> RawRequest:
    """Sign a request the way tea-openapi does; ``omit`` drops headers before signing."""
    query = dict(query or {})
    body = urlencode(sorted((form or {}).items())).encode() if form else b""
    headers = {
        "host": emulator.endpoint,
        "x-acs-version": API_VERSION,
        "x-acs-action": action,
        "x-acs-date": (date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "accept": "application/json",
        "x-acs-content-sha256": sha256_hex(body),
        **(extra_headers or {}),
    }
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
    if security_token is not None:
        headers["x-acs-accesskey-id"] = access_key_id or emulator.sts_access_key_id
        headers["x-acs-security-token"] = security_token
    for name in omit:
        headers.pop(name, None)
    names = sorted(headers)
    canonical = canonical_request(
        method,
        "/",
        query,
        {k: [v] for k, v in headers.items()},
        names,
        headers.get("x-acs-content-sha256", ""),
    )
    sig = signature(secret or emulator.access_key_secret, string_to_sign(canonical))
    headers["Authorization"] = authorization_header(access_key_id or emulator.access_key_id, names, sig)
    url = f"{emulator.url}/" + (f"?{urlencode(query)}" if query else "")
    return RawRequest(method, url, headers, body)


@pytest.fixture
def signed() -> Callable[..., RawRequest]:
    """Return the hand signer ``sign_raw(emulator, action, *, method, query, form, ...) -> RawRequest``."""
    return sign_raw
