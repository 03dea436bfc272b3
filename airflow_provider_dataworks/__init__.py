"""Apache Airflow provider for Alibaba Cloud DataWorks.

Airflow imports this module in every process that discovers providers, so it stays free of heavy imports:
the DataWorks SDK is only loaded when a hook first talks to DataWorks.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"  # the one place: the build and the provider metadata read it

_MODULE = "airflow_provider_dataworks"
_INTEGRATION = "Alibaba Cloud DataWorks"


# The form's choices, as hooks/connection.py validates them (a test keeps both equal). Not imported from there:
# Airflow reads this module while its configuration loads, before the hook's imports of Airflow can run.
_AUTH_TYPES = ("access_key", "sts", "ram_role_arn", "ecs_ram_role", "oidc_role_arn", "default")
_NETWORKS = ("public", "vpc")
_PROTOCOLS = ("https", "http")
_ENV_TYPES = ("Prod", "Dev")

#: Common DataWorks regions, offered as suggestions (any region id is accepted).
_REGION_EXAMPLES = [
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-shenzhen",
    "cn-zhangjiakou",
    "cn-chengdu",
    "cn-hongkong",
    "ap-southeast-1",
    "ap-southeast-5",
    "eu-central-1",
    "us-west-1",
]


def _field(
    label: str,
    description: str,
    *,
    kind: str = "string",
    secret: bool = False,
    choices: dict[str, str] | None = None,
    unset: str | None = None,
    examples: list[str] | None = None,
) -> dict[str, Any]:
    """Describe one connection extra for the Airflow 3 form: a JSON-schema (enum for a drop-down) plus texts."""
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if secret:
        schema["format"] = "password"
    if choices:
        schema["enum"] = [None, *choices]  # null: left unset, the documented default applies
        schema["values_display"] = {**choices, "null": unset or "(default)"}  # the UI labels null as "null"
    if examples:
        schema["examples"] = examples
    return {"label": label, "description": description, "schema": schema}


def _conn_fields() -> dict[str, dict[str, Any]]:
    """Connection extras shown in the Airflow 3 form, most used first (Airflow 2 reads the hook's classmethods)."""

    def choices(values: tuple[str, ...], labels: dict[str, str]) -> dict[str, str]:
        return {value: labels.get(value, value) for value in values}

    return {
        "region_id": _field(
            "Region", "Region id, e.g. cn-hangzhou. Required unless Endpoint is set.", examples=_REGION_EXAMPLES
        ),
        "project_id": _field("Workspace id", "Default DataWorks workspace (project) id, e.g. 12345.", kind="integer"),
        "env_type": _field(
            "Environment",
            "Default environment of operators and sensors; Prod when unset.",
            choices=choices(_ENV_TYPES, {"Prod": "Prod (production)", "Dev": "Dev (development)"}),
            unset="Prod (default)",
        ),
        "auth_type": _field(
            "Auth type",
            "How to authenticate; when unset, access_key if AccessKey ID is set, else default.",
            choices=choices(
                _AUTH_TYPES,
                {
                    "access_key": "access_key: AccessKey ID and Secret",
                    "sts": "sts: STS AccessKey and token",
                    "ram_role_arn": "ram_role_arn: assume a RAM role with the AccessKey",
                    "ecs_ram_role": "ecs_ram_role: the ECS instance's RAM role",
                    "oidc_role_arn": "oidc_role_arn: OIDC role (RRSA on ACK)",
                    "default": "default: the credentials default chain",
                },
            ),
            unset="automatic: access_key with an AccessKey ID, else default",
        ),
        "security_token": _field("STS token", "Security token for auth type sts.", secret=True),
        "role_arn": _field("Role ARN", "RAM role to assume (ram_role_arn, oidc_role_arn)."),
        "role_session_name": _field("Role session name", "Session name when assuming a role."),
        "external_id": _field("External id", "External id for ram_role_arn."),
        "policy": _field("Policy", "Optional policy JSON narrowing the assumed role."),
        "role_name": _field("ECS role name", "Instance RAM role for ecs_ram_role (discovered when unset)."),
        "oidc_provider_arn": _field("OIDC provider ARN", "For oidc_role_arn (RRSA on ACK)."),
        "oidc_token_file": _field("OIDC token file", "Path of the OIDC token file for oidc_role_arn."),
        "network": _field(
            "Network",
            "Endpoint network; public when unset.",
            choices=choices(_NETWORKS, {"public": "public", "vpc": "vpc (dataworks-vpc.<region>.aliyuncs.com)"}),
            unset="public (default)",
        ),
        "protocol": _field(
            "Protocol",
            "https when unset; http only for the local emulator.",
            choices=choices(_PROTOCOLS, {"http": "http (local emulator only)"}),
            unset="https (default)",
        ),
        "timezone": _field(
            "DataWorks time zone",
            "IANA zone DataWorks schedules in, for data dates; Asia/Shanghai (UTC+8) when unset.",
        ),
        "connect_timeout": _field("Connect timeout (s)", "Seconds to wait for a TCP connection.", kind="number"),
        "read_timeout": _field("Read timeout (s)", "Seconds to wait for a response.", kind="number"),
        "console_url": _field(
            "Console URL template",
            "Extra link template with {region}, {project_id}, {env}, {workflow_instance_id}.",
        ),
    }


def _config() -> dict[str, Any]:
    """The ``[dataworks]`` options the provider reads, declared so Airflow lists them and knows their defaults (a
    test keeps this equal to what the code reads; the defaults equal the code's fallbacks)."""
    return {
        "dataworks": {
            "description": "Settings of the Alibaba Cloud DataWorks provider (airflow-provider-dataworks).",
            "options": {
                "min_poll_interval": {
                    "description": (
                        "Floor, in seconds, under every poll interval of the DataWorks sensors, operators and "
                        "triggers (poke_interval, poll_interval): a lower interval is refused when the DAG is "
                        "parsed, and a trigger serialized with one polls at the floor. Each poll is a DataWorks "
                        "OpenAPI call (Basic Edition allows 100 a day, 5 a second). Lower it only against the "
                        "local emulator, e.g. 0 in tests."
                    ),
                    "version_added": "0.1.0",
                    "type": "float",
                    "example": "0",
                    "default": "5",
                },
                "daily_api_call_budget": {
                    "description": (
                        "DataWorks OpenAPI calls a day one wait may spend. When set, a sensor, operator or trigger "
                        "whose poll interval could spend more in a day (or within its timeout, if shorter) logs a "
                        "warning naming the interval that fits, once per process. Set it to 100 on DataWorks Basic "
                        "Edition (100 calls a day per account and region). Unset or 0: no warning."
                    ),
                    "version_added": "0.1.0",
                    "type": "integer",
                    "example": "100",
                    "default": "",
                },
            },
        }
    }


def get_provider_info() -> dict[str, Any]:
    """Return the provider metadata Airflow's ProvidersManager reads through the entry point."""
    return {
        "package-name": "airflow-provider-dataworks",
        "name": _INTEGRATION,
        "description": "Wait for, start and inspect Alibaba Cloud DataWorks workflow instances.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://www.alibabacloud.com/help/en/dataworks/",
                "tags": ["alibaba"],
            }
        ],
        "hooks": [{"integration-name": _INTEGRATION, "python-modules": [f"{_MODULE}.hooks.dataworks"]}],
        "operators": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    f"{_MODULE}.operators.dataworks",
                    f"{_MODULE}.operators.trigger_node",
                    f"{_MODULE}.operators.data_quality",
                ],
            }
        ],
        "sensors": [{"integration-name": _INTEGRATION, "python-modules": [f"{_MODULE}.sensors.dataworks"]}],
        "triggers": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    f"{_MODULE}.triggers.dataworks",
                    f"{_MODULE}.triggers.trigger_node",
                    # Airflow 3 only, for AssetWatchers (Airflow lists these modules; it does not import them).
                    f"{_MODULE}.triggers.event",
                ],
            }
        ],
        "connection-types": [
            {
                "connection-type": "dataworks",
                "hook-class-name": f"{_MODULE}.hooks.dataworks.DataWorksHook",
                "hook-name": _INTEGRATION,
                "conn-fields": _conn_fields(),
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {
                        "login": "AccessKey ID",
                        "password": "AccessKey Secret",
                        "host": "Endpoint",
                    },
                    "placeholders": {
                        "host": "optional, e.g. dataworks.cn-hangzhou.aliyuncs.com",
                        "login": "AccessKey ID, e.g. LTAI5t...",
                        "region_id": "cn-hangzhou",
                        "project_id": "12345",
                        "env_type": "Prod",
                        "auth_type": "access_key",
                    },
                },
            }
        ],
        "extra-links": [f"{_MODULE}.links.dataworks.DataWorksConsoleLink"],
        "config": _config(),
    }
