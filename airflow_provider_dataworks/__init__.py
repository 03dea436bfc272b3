"""Apache Airflow provider for Alibaba Cloud DataWorks.

Airflow imports this module in every process that discovers providers, so it stays free of heavy imports:
the DataWorks SDK is only loaded when a hook first talks to DataWorks.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"  # the one place: the build and the provider metadata read it

_MODULE = "airflow_provider_dataworks"
_INTEGRATION = "Alibaba Cloud DataWorks"


def _text_field(label: str, description: str, *, secret: bool = False) -> dict[str, Any]:
    """Describe one connection extra for the Airflow 3 connection form."""
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if secret:
        schema["format"] = "password"
    return {"label": label, "description": description, "schema": schema}


def _conn_fields() -> dict[str, dict[str, Any]]:
    """Connection extras shown in the Airflow 3 form (Airflow 2 reads the hook's classmethods instead)."""
    return {
        "region_id": _text_field("Region", "Region id, e.g. cn-hangzhou. Required unless Endpoint is set."),
        "auth_type": _text_field(
            "Auth type",
            "access_key (default), sts, ram_role_arn, ecs_ram_role, oidc_role_arn or default.",
        ),
        "security_token": _text_field("STS token", "Security token for auth_type sts.", secret=True),
        "role_arn": _text_field("Role ARN", "RAM role to assume (ram_role_arn, oidc_role_arn)."),
        "role_session_name": _text_field("Role session name", "Session name when assuming a role."),
        "external_id": _text_field("External id", "External id for ram_role_arn."),
        "policy": _text_field("Policy", "Optional policy JSON narrowing the assumed role."),
        "role_name": _text_field("ECS role name", "Instance RAM role for ecs_ram_role."),
        "oidc_provider_arn": _text_field("OIDC provider ARN", "For oidc_role_arn (RRSA on ACK)."),
        "oidc_token_file": _text_field("OIDC token file", "Path of the OIDC token file for oidc_role_arn."),
        "network": _text_field("Network", "public (default) or vpc."),
        "protocol": _text_field("Protocol", "https (default); http only for the local emulator."),
        "project_id": _text_field("Workspace id", "Default DataWorks workspace (project) id."),
        "env_type": _text_field("Environment", "Prod (default) or Dev."),
        "connect_timeout": _text_field("Connect timeout (s)", "Seconds to wait for a TCP connection."),
        "read_timeout": _text_field("Read timeout (s)", "Seconds to wait for a response."),
        "console_url": _text_field(
            "Console URL template",
            "Extra link template with {region}, {project_id}, {env}, {workflow_instance_id}.",
        ),
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
        "operators": [{"integration-name": _INTEGRATION, "python-modules": [f"{_MODULE}.operators.dataworks"]}],
        "sensors": [{"integration-name": _INTEGRATION, "python-modules": [f"{_MODULE}.sensors.dataworks"]}],
        "triggers": [{"integration-name": _INTEGRATION, "python-modules": [f"{_MODULE}.triggers.dataworks"]}],
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
                        "region_id": "cn-hangzhou",
                        "auth_type": "access_key",
                        "env_type": "Prod",
                    },
                },
            }
        ],
        "extra-links": [f"{_MODULE}.links.dataworks.DataWorksConsoleLink"],
    }
