"""The installed distribution registers with Airflow: `airflow providers list` and `providers hooks` show it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)


def airflow_cli(*args: str) -> str:
    airflow = str(Path(sys.executable).with_name("airflow"))
    result = subprocess.run(
        [airflow, *args, "-o", "json"], capture_output=True, text=True, timeout=100, check=False, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_providers_list_shows_the_provider():
    providers = {p["package_name"]: p for p in json.loads(airflow_cli("providers", "list"))}
    assert "airflow-provider-dataworks" in providers
    assert providers["airflow-provider-dataworks"]["version"] == __import__("airflow_provider_dataworks").__version__


def test_providers_hooks_shows_the_dataworks_connection_type():
    hooks = {h["connection_type"]: h for h in json.loads(airflow_cli("providers", "hooks"))}
    assert hooks["dataworks"]["class"] == "airflow_provider_dataworks.hooks.dataworks.DataWorksHook"
    assert hooks["dataworks"]["package_name"] == "airflow-provider-dataworks"
    assert hooks["dataworks"]["hook_name"] == "Alibaba Cloud DataWorks"


def test_airflow_3_reads_the_connection_form_from_provider_info():
    widgets = {w["connection_parameter_name"] for w in json.loads(airflow_cli("providers", "widgets"))}
    for extra in ("region_id", "auth_type", "security_token", "project_id", "env_type", "network", "console_url"):
        assert f"extra__dataworks__{extra}" in widgets
    behaviours = [b["field_behaviours"] for b in json.loads(airflow_cli("providers", "behaviours"))]
    assert "dataworks" in behaviours


def airflow_config_get_value(tmp_path: Path, section: str, option: str) -> subprocess.CompletedProcess[str]:
    """`airflow config get-value` in a fresh Airflow home, with no `[dataworks]` setting in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__DATAWORKS__") and k != "AIRFLOW_CONFIG"}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    airflow = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run(
        [airflow, "config", "get-value", section, option],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        env=env,
        cwd=tmp_path,
    )


@pytest.mark.parametrize(("option", "default"), [("min_poll_interval", "5"), ("daily_api_call_budget", "")])
def test_airflow_knows_the_provider_s_settings_and_their_defaults(tmp_path: Path, option: str, default: str) -> None:
    result = airflow_config_get_value(tmp_path, "dataworks", option)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == default, result.stdout + result.stderr[-2000:]
    assert "not found" not in result.stdout + result.stderr
