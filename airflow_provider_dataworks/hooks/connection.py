"""Read an Airflow connection into validated DataWorks settings, and build SDK config and credentials from them.

Every check happens here, before any network call, and each failure is one sentence naming the field to fix.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks import __version__
from airflow_provider_dataworks.dates import DEFAULT_TIMEZONE, dataworks_zone
from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.status import ENV_TYPES

if TYPE_CHECKING:
    from datetime import tzinfo

    from alibabacloud_tea_openapi.models import Config

AUTH_TYPES = ("access_key", "sts", "ram_role_arn", "ecs_ram_role", "oidc_role_arn", "default")
NETWORKS = ("public", "vpc")
PROTOCOLS = ("https", "http")
DEFAULT_CONSOLE_URL = "https://dataworks.data.aliyun.com/{region}/ops?defaultProjectId={project_id}&env={env}"
DEFAULT_ROLE_SESSION_NAME = "airflow-dataworks"


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything the hook needs from a connection; secrets are kept out of repr()."""

    conn_id: str
    auth_type: str
    region_id: str | None
    endpoint: str | None
    protocol: str = "https"
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    role_arn: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    external_id: str | None = field(default=None, repr=False)
    policy: str | None = None
    role_name: str | None = None
    oidc_provider_arn: str | None = None
    oidc_token_file: str | None = None
    project_id: int | None = None
    env_type: str = "Prod"
    connect_timeout: float | None = None
    read_timeout: float | None = None
    console_url: str = DEFAULT_CONSOLE_URL
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> tzinfo:
        """DataWorks' scheduling time zone, in which data dates and scheduling times are counted."""
        return dataworks_zone(self.timezone)

    @classmethod
    def from_connection(cls, conn: Any, region_id: str | None = None) -> ConnectionSettings:
        """Validate an Airflow `Connection` of type `dataworks` (or `alibaba_cloud`)."""
        return _Reader(conn).settings(region_override=region_id)

    def sdk_config(self) -> Config:
        """Build the tea-openapi `Config`: credentials via alibabacloud-credentials, endpoint, timeouts."""
        from alibabacloud_tea_openapi.models import Config

        config = Config(
            credential=self.credentials_client(),
            region_id=self.region_id,
            endpoint=self.endpoint,
            protocol=self.protocol,
            user_agent=f"airflow-provider-dataworks/{__version__}",
        )
        if self.connect_timeout is not None:
            config.connect_timeout = int(self.connect_timeout * 1000)
        if self.read_timeout is not None:
            config.read_timeout = int(self.read_timeout * 1000)
        return config

    def credentials_client(self) -> Any:
        """The `alibabacloud_credentials` client for these credentials: one per process (no network until used).

        Refreshing providers (`ecs_ram_role`, `default`, role assumption) start a refresh thread per client and
        cache what they fetched, so every hook, trigger and poll of one connection shares one client.
        """
        return _credentials_client(self)

    def _new_credentials_client(self) -> Any:
        """Build a new `alibabacloud_credentials` client for this auth type."""
        from alibabacloud_credentials.client import Client as CredentialsClient

        try:
            return CredentialsClient(self._credentials_config()) if self.auth_type != "default" else CredentialsClient()
        except ValueError as err:  # the credentials library validates its config with ValueError
            raise DataWorksConfigError(
                f"DataWorks connection {self.conn_id!r}: auth_type {self.auth_type!r} cannot be used: {err}"
            ) from None

    def _credentials_config(self) -> Any:
        """The `alibabacloud_credentials` config for the explicit auth types."""
        from alibabacloud_credentials.models import Config as CredentialsConfig

        options: dict[str, Any] = {"type": self.auth_type}
        if self.auth_type in ("access_key", "sts", "ram_role_arn"):
            options.update(access_key_id=self.access_key_id, access_key_secret=self.access_key_secret)
        if self.auth_type == "sts":
            options["security_token"] = self.security_token
        if self.auth_type in ("ram_role_arn", "oidc_role_arn"):
            options.update(role_arn=self.role_arn, role_session_name=self.role_session_name, policy=self.policy)
        if self.auth_type == "ram_role_arn":
            options["external_id"] = self.external_id
        if self.auth_type == "ecs_ram_role":
            options["role_name"] = self.role_name
        if self.auth_type == "oidc_role_arn":
            options.update(oidc_provider_arn=self.oidc_provider_arn, oidc_token_file_path=self.oidc_token_file)
        return CredentialsConfig(**options)


_CREDENTIALS_CLIENTS: dict[ConnectionSettings, Any] = {}
_CREDENTIALS_LOCK = threading.Lock()


def _credentials_client(settings: ConnectionSettings) -> Any:
    """The process's credentials client for equal settings (a frozen dataclass), built once; a failed build is
    not cached. An edited connection reads into other settings, and so gets a new client."""
    with _CREDENTIALS_LOCK:
        client = _CREDENTIALS_CLIENTS.get(settings)
        if client is None:
            client = _CREDENTIALS_CLIENTS[settings] = settings._new_credentials_client()
        return client


class _Reader:
    """Reads fields and extras of one connection, naming the connection in every error."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.conn_id = conn.conn_id
        self.extras = _extras(conn)
        self.is_alibaba_cloud = conn.conn_type == "alibaba_cloud"

    def fail(self, message: str) -> DataWorksConfigError:
        return DataWorksConfigError(f"DataWorks connection {self.conn_id!r}: {message}")

    def extra(self, *names: str) -> str | None:
        """First non-empty extra among `names`, accepting the `extra__<type>__name` form too."""
        for name in names:
            for key in (name, f"extra__dataworks__{name}", f"extra__alibaba_cloud__{name}"):
                value = self.extras.get(key)
                if value not in (None, ""):
                    return str(value).strip()
        return None

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.extra(name) or default
        matches = [option for option in allowed if option.lower() == value.lower()]
        if not matches:
            raise self.fail(f"extra {name!r} is {value!r}; use one of {', '.join(allowed)}.")
        return matches[0]

    def seconds(self, name: str) -> float | None:
        value = self.extra(name)
        if value is None:
            return None
        try:
            seconds = float(value)
        except ValueError:
            raise self.fail(f"extra {name!r} is {value!r}; give a number of seconds, e.g. 10.") from None
        if not math.isfinite(seconds) or seconds <= 0:
            raise self.fail(f"extra {name!r} must be a positive number of seconds, not {value!r}.")
        return seconds

    def project_id(self) -> int | None:
        value = self.extra("project_id")
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):
            raise self.fail(f"extra 'project_id' is {value!r}; give the numeric DataWorks workspace id.")
        return int(value)

    def timezone(self) -> str:
        name = self.extra("timezone") or DEFAULT_TIMEZONE
        try:
            dataworks_zone(name)
        except DataWorksConfigError:
            raise self.fail(
                f"extra 'timezone' is {name!r}; give an IANA time zone name such as 'Asia/Shanghai'."
            ) from None
        return name

    def endpoint(self) -> str | None:
        host = (self.conn.host or "").strip() or None
        if host is None:
            return None
        if "://" in host:
            raise self.fail(
                f"host {host!r} must be host[:port] without a scheme; set extra 'protocol' to http or https instead."
            )
        if "/" in host or " " in host:
            raise self.fail(f"host {host!r} must be a bare host[:port], without a path or spaces.")
        if self.conn.port:
            host = f"{host}:{self.conn.port}"
        return host

    def settings(self, region_override: str | None) -> ConnectionSettings:
        region_id = region_override or self.extra("region_id", "region")
        endpoint = self.endpoint()
        network = self.choice("network", NETWORKS, "public")
        if endpoint is None and region_id is None:
            raise self.fail("set extra 'region_id' (e.g. cn-hangzhou), or an endpoint in host.")
        if endpoint is None and network == "vpc":
            endpoint = f"dataworks-vpc.{region_id}.aliyuncs.com"
        access_key_id = (self.conn.login or "").strip() or self.extra("access_key_id")
        access_key_secret = self.conn.password or self.extra("access_key_secret")
        auth_type = self.choice("auth_type", AUTH_TYPES, "access_key" if access_key_id else "default")
        settings = ConnectionSettings(
            conn_id=self.conn_id,
            auth_type=auth_type,
            region_id=region_id,
            endpoint=endpoint,
            protocol=self.choice("protocol", PROTOCOLS, "https"),
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            security_token=self.extra("security_token"),
            role_arn=self.extra("role_arn"),
            role_session_name=self.extra("role_session_name") or DEFAULT_ROLE_SESSION_NAME,
            external_id=self.extra("external_id"),
            policy=self.extra("policy"),
            role_name=self.extra("role_name"),
            oidc_provider_arn=self.extra("oidc_provider_arn"),
            oidc_token_file=self.extra("oidc_token_file"),
            project_id=self.project_id(),
            env_type=self.choice("env_type", ENV_TYPES, "Prod"),
            connect_timeout=self.seconds("connect_timeout"),
            read_timeout=self.seconds("read_timeout"),
            console_url=self.extra("console_url") or DEFAULT_CONSOLE_URL,
            timezone=self.timezone(),
        )
        self.check_auth(settings)
        return settings

    def check_auth(self, s: ConnectionSettings) -> None:
        """Each auth type needs its own fields; say which one is missing."""
        if s.auth_type in ("access_key", "sts", "ram_role_arn"):
            if not s.access_key_id:
                raise self.fail(f"auth_type {s.auth_type!r} needs the AccessKey ID in login.")
            if not s.access_key_secret:
                raise self.fail(f"auth_type {s.auth_type!r} needs the AccessKey Secret in password.")
        if s.auth_type == "sts" and not s.security_token:
            raise self.fail("auth_type 'sts' needs the STS token in extra 'security_token'.")
        if s.auth_type in ("ram_role_arn", "oidc_role_arn") and not s.role_arn:
            raise self.fail(f"auth_type {s.auth_type!r} needs extra 'role_arn' (acs:ram::<account>:role/<name>).")
        if s.auth_type == "oidc_role_arn":
            if not s.oidc_provider_arn:
                raise self.fail("auth_type 'oidc_role_arn' needs extra 'oidc_provider_arn'.")
            if not s.oidc_token_file:
                raise self.fail("auth_type 'oidc_role_arn' needs extra 'oidc_token_file'.")


def _extras(conn: Any) -> dict[str, Any]:
    """The connection's extras as a dict; a malformed extra is a configuration error, not a crash later."""
    raw = conn.extra
    if not raw:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        extras = json.loads(raw)
    except ValueError:
        raise DataWorksConfigError(f"DataWorks connection {conn.conn_id!r}: extra is not valid JSON.") from None
    if not isinstance(extras, dict):
        raise DataWorksConfigError(f"DataWorks connection {conn.conn_id!r}: extra must be a JSON object.")
    return extras
