"""Provider metadata read by Airflow's ProvidersManager, and the Airflow 2 connection-form classmethods."""

from __future__ import annotations

import importlib

import pytest

import airflow_provider_dataworks
from airflow_provider_dataworks import get_provider_info

EXTRAS = (
    "region_id",
    "auth_type",
    "security_token",
    "role_arn",
    "role_session_name",
    "external_id",
    "policy",
    "role_name",
    "oidc_provider_arn",
    "oidc_token_file",
    "network",
    "protocol",
    "project_id",
    "env_type",
    "connect_timeout",
    "read_timeout",
    "console_url",
)


def connection_type() -> dict:
    (conn_type,) = get_provider_info()["connection-types"]
    return conn_type


def test_package_name_and_version() -> None:
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-dataworks"
    assert info["name"] == "Alibaba Cloud DataWorks"
    assert airflow_provider_dataworks.__version__.count(".") == 2
    assert info["versions"] == [airflow_provider_dataworks.__version__]


def test_connection_type_points_at_the_hook() -> None:
    conn_type = connection_type()
    assert conn_type["connection-type"] == "dataworks"
    module, _, name = conn_type["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert hook.conn_type == "dataworks"
    assert hook.default_conn_name == "dataworks_default"
    assert hook.conn_name_attr == "dataworks_conn_id"


def test_conn_fields_cover_every_documented_extra() -> None:
    fields = connection_type()["conn-fields"]
    assert tuple(fields) == EXTRAS
    for name, spec in fields.items():
        assert spec["label"], name
        assert spec["description"], name
        assert spec["schema"]["type"] == ["string", "null"], name


def test_only_the_sts_token_is_a_password_field() -> None:
    fields = connection_type()["conn-fields"]
    secret = {name for name, spec in fields.items() if spec["schema"].get("format") == "password"}
    assert secret == {"security_token"}


def test_ui_field_behaviour() -> None:
    behaviour = connection_type()["ui-field-behaviour"]
    assert behaviour["hidden-fields"] == ["schema", "port"]
    assert behaviour["relabeling"] == {"login": "AccessKey ID", "password": "AccessKey Secret", "host": "Endpoint"}
    assert behaviour["placeholders"]["region_id"] == "cn-hangzhou"


def test_modules_and_links_listed_in_provider_info_exist() -> None:
    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert hasattr(importlib.import_module(module), name), link


def test_airflow2_ui_field_behaviour_uses_snake_case_keys() -> None:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    behaviour = DataWorksHook.get_ui_field_behaviour()
    assert set(behaviour) == {"hidden_fields", "relabeling", "placeholders"}
    assert behaviour["hidden_fields"] == ["schema", "port"]
    assert behaviour["relabeling"]["password"] == "AccessKey Secret"


def test_airflow2_connection_form_widgets() -> None:
    pytest.importorskip("flask_appbuilder")
    pytest.importorskip("wtforms")
    from wtforms import PasswordField

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    widgets = DataWorksHook.get_connection_form_widgets()
    assert tuple(widgets) == EXTRAS
    assert widgets["security_token"].field_class is PasswordField
