"""ConnectionSettings: every connection shape the contract accepts, and one clear sentence for each one it rejects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow_compat import Connection

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.hooks.connection import DEFAULT_CONSOLE_URL, ConnectionSettings

SECRET = "AkSecret-never-printed-7c1d"
TOKEN = "StsToken-never-printed-55aa"
EXTERNAL_ID = "ExternalId-never-printed-3e"


def conn(
    extra: dict[str, Any] | str | None = None,
    *,
    conn_type: str = "dataworks",
    host: str | None = None,
    login: str | None = "LTAI5tKeyId",
    password: str | None = SECRET,
    port: int | None = None,
    conn_id: str = "dw_test",
) -> Connection:
    """An Airflow SDK Connection as the hook gets it from a secrets backend."""
    if extra is None:
        extra = {"region_id": "cn-hangzhou"}
    return Connection(
        conn_id=conn_id,
        conn_type=conn_type,
        host=host,
        login=login,
        password=password,
        port=port,
        extra=extra if isinstance(extra, str) else json.dumps(extra),
    )


def settings_of(*args: Any, **kwargs: Any) -> ConnectionSettings:
    return ConnectionSettings.from_connection(conn(*args, **kwargs))


def config_error(*args: Any, **kwargs: Any) -> str:
    """The message of the DataWorksConfigError that reading this connection raises."""
    with pytest.raises(DataWorksConfigError) as exc_info:
        settings_of(*args, **kwargs)
    message = str(exc_info.value)
    assert message.startswith("DataWorks connection 'dw_test'") or "dw_test" in message
    return message


# -- happy paths ------------------------------------------------------------------------------------------


def test_access_key_connection_reads_every_field() -> None:
    s = settings_of(
        {
            "region_id": "cn-hangzhou",
            "project_id": "123",
            "env_type": "dev",
            "protocol": "HTTP",
            "connect_timeout": "2.5",
            "read_timeout": 30,
            "console_url": "https://console.example/{region}/{project_id}",
        }
    )
    assert s.conn_id == "dw_test"
    assert s.auth_type == "access_key"
    assert (s.access_key_id, s.access_key_secret) == ("LTAI5tKeyId", SECRET)
    assert s.region_id == "cn-hangzhou"
    assert s.endpoint is None
    assert s.project_id == 123
    assert s.env_type == "Dev"  # case-insensitive, normalised to the API's spelling
    assert s.protocol == "http"
    assert (s.connect_timeout, s.read_timeout) == (2.5, 30.0)
    assert s.console_url == "https://console.example/{region}/{project_id}"


def test_defaults_when_extras_are_absent() -> None:
    s = settings_of({"region_id": "cn-beijing"})
    assert s.protocol == "https"
    assert s.env_type == "Prod"
    assert s.project_id is None
    assert (s.connect_timeout, s.read_timeout) == (None, None)
    assert s.console_url == DEFAULT_CONSOLE_URL
    assert s.role_session_name == "airflow-dataworks"


def test_default_auth_type_is_access_key_with_login_else_default_chain() -> None:
    assert settings_of(login="LTAI5tKeyId").auth_type == "access_key"
    no_login = settings_of(login=None, password=None)
    assert no_login.auth_type == "default"
    assert no_login.access_key_id is None


def test_prefixed_extra_form_is_accepted() -> None:
    s = settings_of({"extra__dataworks__region_id": "cn-shenzhen", "extra__dataworks__project_id": "77"})
    assert (s.region_id, s.project_id) == ("cn-shenzhen", 77)


def test_region_alias() -> None:
    assert settings_of({"region": "ap-southeast-1"}).region_id == "ap-southeast-1"


def test_region_id_wins_over_alias_and_hook_argument_wins_over_both() -> None:
    c = conn({"region_id": "cn-hangzhou", "region": "cn-beijing"})
    assert ConnectionSettings.from_connection(c).region_id == "cn-hangzhou"
    assert ConnectionSettings.from_connection(c, region_id="eu-central-1").region_id == "eu-central-1"


def test_alibaba_cloud_connection_with_key_pair_in_extras() -> None:
    s = settings_of(
        {"access_key_id": "LTAI5tFromExtra", "access_key_secret": SECRET, "region": "cn-zhangjiakou"},
        conn_type="alibaba_cloud",
        login=None,
        password=None,
    )
    assert s.auth_type == "access_key"
    assert (s.access_key_id, s.access_key_secret) == ("LTAI5tFromExtra", SECRET)
    assert s.region_id == "cn-zhangjiakou"


def test_alibaba_cloud_prefixed_extras() -> None:
    s = settings_of(
        {"extra__alibaba_cloud__access_key_id": "LTAI5tPrefixed", "extra__alibaba_cloud__region": "cn-qingdao"},
        conn_type="alibaba_cloud",
        login=None,
    )
    assert (s.access_key_id, s.region_id) == ("LTAI5tPrefixed", "cn-qingdao")


def test_vpc_network_uses_the_vpc_endpoint() -> None:
    s = settings_of({"region_id": "cn-hangzhou", "network": "VPC"})
    assert s.endpoint == "dataworks-vpc.cn-hangzhou.aliyuncs.com"


def test_explicit_host_wins_over_vpc_endpoint() -> None:
    s = settings_of({"region_id": "cn-hangzhou", "network": "vpc"}, host="dataworks.internal.example")
    assert s.endpoint == "dataworks.internal.example"


def test_host_and_port_make_the_endpoint_and_region_is_then_optional() -> None:
    s = settings_of({"protocol": "http"}, host=" 127.0.0.1 ", port=8765)
    assert s.endpoint == "127.0.0.1:8765"
    assert s.region_id is None
    assert s.protocol == "http"


def test_host_with_port_inline() -> None:
    assert settings_of({}, host="localhost:9000").endpoint == "localhost:9000"


def test_extra_may_be_empty_when_host_is_set() -> None:
    s = ConnectionSettings.from_connection(
        Connection(conn_id="dw_test", conn_type="dataworks", host="localhost", login="LTAI5tKeyId", password=SECRET)
    )
    assert s.endpoint == "localhost"


@pytest.mark.parametrize(
    ("extra", "auth_type"),
    [
        ({"auth_type": "sts", "security_token": TOKEN}, "sts"),
        ({"auth_type": "RAM_ROLE_ARN", "role_arn": "acs:ram::1:role/r"}, "ram_role_arn"),
        ({"auth_type": "ecs_ram_role", "role_name": "EcsRole"}, "ecs_ram_role"),
        ({"auth_type": "ecs_ram_role"}, "ecs_ram_role"),  # the role name can come from the metadata service
        (
            {
                "auth_type": "oidc_role_arn",
                "role_arn": "acs:ram::1:role/r",
                "oidc_provider_arn": "acs:ram::1:oidc-provider/ack",
                "oidc_token_file": "/var/run/secrets/token",
            },
            "oidc_role_arn",
        ),
        ({"auth_type": "default"}, "default"),
    ],
)
def test_every_auth_type_with_its_required_fields(extra: dict[str, Any], auth_type: str) -> None:
    assert settings_of({"region_id": "cn-hangzhou", **extra}).auth_type == auth_type


def test_ecs_and_oidc_do_not_need_an_access_key_pair() -> None:
    s = settings_of({"region_id": "cn-hangzhou", "auth_type": "ecs_ram_role"}, login=None, password=None)
    assert s.auth_type == "ecs_ram_role"


# -- one sentence naming the field to fix -----------------------------------------------------------------


def test_no_region_and_no_host() -> None:
    message = config_error({"project_id": "1"})
    assert "region_id" in message
    assert "host" in message


def test_vpc_without_region_is_rejected() -> None:
    assert "region_id" in config_error({"network": "vpc"})


def test_unknown_auth_type() -> None:
    message = config_error({"region_id": "cn-hangzhou", "auth_type": "magic"})
    assert "'auth_type'" in message
    assert "'magic'" in message
    assert "access_key" in message
    assert "oidc_role_arn" in message


@pytest.mark.parametrize("auth_type", ["access_key", "sts", "ram_role_arn"])
def test_key_pair_auth_types_need_login(auth_type: str) -> None:
    message = config_error({"region_id": "cn-hangzhou", "auth_type": auth_type}, login=None)
    assert f"'{auth_type}'" in message
    assert "AccessKey ID in login" in message


@pytest.mark.parametrize("auth_type", ["access_key", "sts", "ram_role_arn"])
def test_key_pair_auth_types_need_password(auth_type: str) -> None:
    message = config_error({"region_id": "cn-hangzhou", "auth_type": auth_type}, password=None)
    assert "AccessKey Secret in password" in message


def test_sts_without_token() -> None:
    message = config_error({"region_id": "cn-hangzhou", "auth_type": "sts"})
    assert "'security_token'" in message


@pytest.mark.parametrize("auth_type", ["ram_role_arn", "oidc_role_arn"])
def test_role_auth_without_role_arn(auth_type: str) -> None:
    extra = {
        "region_id": "cn-hangzhou",
        "auth_type": auth_type,
        "oidc_provider_arn": "acs:ram::1:oidc-provider/ack",
        "oidc_token_file": "/var/run/secrets/token",
    }
    message = config_error(extra)
    assert "'role_arn'" in message
    assert f"'{auth_type}'" in message


def test_oidc_without_provider_arn() -> None:
    extra = {
        "region_id": "cn-hangzhou",
        "auth_type": "oidc_role_arn",
        "role_arn": "acs:ram::1:role/r",
        "oidc_token_file": "/var/run/secrets/token",
    }
    assert "'oidc_provider_arn'" in config_error(extra)


def test_oidc_without_token_file() -> None:
    extra = {
        "region_id": "cn-hangzhou",
        "auth_type": "oidc_role_arn",
        "role_arn": "acs:ram::1:role/r",
        "oidc_provider_arn": "acs:ram::1:oidc-provider/ack",
    }
    assert "'oidc_token_file'" in config_error(extra)


@pytest.mark.parametrize("host", ["https://dataworks.cn-hangzhou.aliyuncs.com", "http://127.0.0.1:8080"])
def test_scheme_in_host(host: str) -> None:
    message = config_error({"region_id": "cn-hangzhou"}, host=host)
    assert "without a scheme" in message
    assert "'protocol'" in message


@pytest.mark.parametrize("host", ["dataworks.cn-hangzhou.aliyuncs.com/api", "local host"])
def test_path_or_space_in_host(host: str) -> None:
    message = config_error({"region_id": "cn-hangzhou"}, host=host)
    assert "without a path" in message
    assert repr(host) in message


@pytest.mark.parametrize("value", ["abc", "-5", "12.5", "²"])
def test_non_numeric_project_id(value: str) -> None:
    message = config_error({"region_id": "cn-hangzhou", "project_id": value})
    assert "'project_id'" in message
    assert "numeric" in message


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_bad_timeouts(name: str, value: str) -> None:
    message = config_error({"region_id": "cn-hangzhou", name: value})
    assert f"'{name}'" in message
    assert "seconds" in message


@pytest.mark.parametrize(("name", "value"), [("env_type", "Staging"), ("network", "intranet"), ("protocol", "ftp")])
def test_bad_choices(name: str, value: str) -> None:
    message = config_error({"region_id": "cn-hangzhou", name: value})
    assert f"extra '{name}' is '{value}'" in message
    assert "use one of" in message


@pytest.mark.parametrize("extra", ["{not json", "[1, 2]"])
def test_extra_that_is_not_a_json_object(extra: str) -> None:
    message = config_error(extra)
    assert "extra" in message
    assert "JSON" in message


# -- secrets stay out of repr/str -------------------------------------------------------------------------


def test_repr_and_str_never_show_secrets() -> None:
    s = settings_of(
        {
            "region_id": "cn-hangzhou",
            "auth_type": "sts",
            "security_token": TOKEN,
            "external_id": EXTERNAL_ID,
        }
    )
    assert s.access_key_secret == SECRET
    assert s.security_token == TOKEN
    for text in (repr(s), str(s), f"{s}"):
        assert "LTAI5tKeyId" in text  # the key id is not a secret and helps support
        assert SECRET not in text
        assert TOKEN not in text
        assert EXTERNAL_ID not in text


def test_config_errors_never_show_secrets() -> None:
    message = config_error({"region_id": "cn-hangzhou", "auth_type": "sts"}, host="https://x")
    assert SECRET not in message


# -- SDK config and credentials client (construction only: no network) -----------------------------------


def test_sdk_config_timeouts_in_ms_endpoint_and_protocol() -> None:
    from alibabacloud_tea_openapi.models import Config

    s = settings_of({"protocol": "http", "connect_timeout": "2.5", "read_timeout": "30"}, host="127.0.0.1", port=9)
    config = s.sdk_config()
    assert isinstance(config, Config)
    assert (config.connect_timeout, config.read_timeout) == (2500, 30000)
    assert config.endpoint == "127.0.0.1:9"
    assert config.protocol == "http"
    assert config.user_agent.startswith("airflow-provider-dataworks/")
    # The key pair lives only in the credentials client, never in Config itself.
    assert config.access_key_id is None
    assert config.access_key_secret is None


def test_sdk_config_leaves_sdk_default_timeouts_alone() -> None:
    config = settings_of({"region_id": "cn-hangzhou"}).sdk_config()
    assert (config.connect_timeout, config.read_timeout) == (None, None)
    assert config.region_id == "cn-hangzhou"
    assert config.endpoint is None
    assert config.protocol == "https"


def test_access_key_credentials() -> None:
    from alibabacloud_credentials.client import Client

    credential = settings_of({"region_id": "cn-hangzhou"}).sdk_config().credential
    assert isinstance(credential, Client)
    model = credential.get_credential()  # static: no network
    assert model.type == "access_key"
    assert model.provider_name == "static_ak"
    assert (model.access_key_id, model.access_key_secret, model.security_token) == ("LTAI5tKeyId", SECRET, None)


def test_sts_credentials() -> None:
    extra = {"region_id": "cn-hangzhou", "auth_type": "sts", "security_token": TOKEN}
    model = settings_of(extra).sdk_config().credential.get_credential()
    assert model.type == "sts"
    assert model.provider_name == "static_sts"
    assert (model.access_key_id, model.access_key_secret, model.security_token) == ("LTAI5tKeyId", SECRET, TOKEN)


def test_ram_role_arn_credentials_are_only_constructed() -> None:
    from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

    extra = {
        "region_id": "cn-hangzhou",
        "auth_type": "ram_role_arn",
        "role_arn": "acs:ram::1:role/etl",
        "role_session_name": "nightly",
        "external_id": EXTERNAL_ID,
    }
    wrap = settings_of(extra).credentials_client().cloud_credential
    assert wrap.get_type() == "ram_role_arn"
    assert isinstance(wrap.provider, RamRoleArnCredentialsProvider)
    assert wrap.provider.get_provider_name() == "ram_role_arn"
    assert (wrap.provider._role_arn, wrap.provider._role_session_name) == ("acs:ram::1:role/etl", "nightly")
    assert wrap.provider._external_id == EXTERNAL_ID


def test_oidc_credentials_are_only_constructed() -> None:
    from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

    extra = {
        "region_id": "cn-hangzhou",
        "auth_type": "oidc_role_arn",
        "role_arn": "acs:ram::1:role/etl",
        "oidc_provider_arn": "acs:ram::1:oidc-provider/ack",
        "oidc_token_file": "/var/run/secrets/token",
    }
    wrap = settings_of(extra, login=None, password=None).credentials_client().cloud_credential
    assert wrap.get_type() == "oidc_role_arn"
    assert isinstance(wrap.provider, OIDCRoleArnCredentialsProvider)
    assert wrap.provider.get_provider_name() == "oidc_role_arn"
    assert wrap.provider._oidc_token_file_path == "/var/run/secrets/token"


def test_ecs_ram_role_credentials_are_only_constructed(monkeypatch: pytest.MonkeyPatch) -> None:
    from unittest import mock

    from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider, ecs_ram_role
    from alibabacloud_credentials.utils import auth_util

    # tests/conftest.py disables IMDS (the provider then refuses to build); re-enable it for construction only,
    # and keep the provider's background refresh scheduler from starting a thread.
    monkeypatch.setattr(auth_util, "environment_ecs_metadata_disabled", "false")
    monkeypatch.setattr(ecs_ram_role, "BackgroundScheduler", mock.Mock())
    extra = {"region_id": "cn-hangzhou", "auth_type": "ecs_ram_role", "role_name": "EcsEtlRole"}
    wrap = settings_of(extra, login=None, password=None).credentials_client().cloud_credential
    assert wrap.get_type() == "ecs_ram_role"
    assert isinstance(wrap.provider, EcsRamRoleCredentialsProvider)
    assert wrap.provider._role_name == "EcsEtlRole"


def test_default_auth_uses_the_default_chain() -> None:
    from alibabacloud_credentials.client import Client
    from alibabacloud_credentials.provider import DefaultCredentialsProvider

    credential = settings_of({"region_id": "cn-hangzhou"}, login=None, password=None).sdk_config().credential
    assert isinstance(credential, Client)
    assert credential.cloud_credential.get_type() == "default"
    assert isinstance(credential.cloud_credential.provider, DefaultCredentialsProvider)


def test_one_credentials_client_per_connection_and_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """ecs_ram_role starts a refresh thread per credentials client: 1,000 hooks (a trigger's polls) share one."""
    import threading

    from alibabacloud_credentials.utils import auth_util

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    monkeypatch.setattr(auth_util, "environment_ecs_metadata_disabled", "false")  # construction only, no calls
    extra = {"region_id": "cn-hangzhou", "auth_type": "ecs_ram_role", "role_name": "ThreadCountRole"}
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_THREADS", json.dumps({"conn_type": "dataworks", "extra": extra}))
    first = DataWorksHook("dataworks_threads").settings.credentials_client()
    threads = threading.active_count()
    clients = {id(DataWorksHook("dataworks_threads").settings.credentials_client()) for _ in range(1000)}
    assert clients == {id(first)}
    assert threading.active_count() <= threads
    other = settings_of({**extra, "role_name": "AnotherRole"}, login=None, password=None).credentials_client()
    assert other is not first  # other credentials, another client
