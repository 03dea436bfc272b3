"""Provider metadata read by Airflow's ProvidersManager, and the Airflow 2 connection-form classmethods."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest
from airflow_harness import AIRFLOW_3

import airflow_provider_dataworks
from airflow_provider_dataworks import get_provider_info
from airflow_provider_dataworks.hooks.connection import AUTH_TYPES, NETWORKS, PROTOCOLS
from airflow_provider_dataworks.status import ENV_TYPES

#: The AssetWatcher trigger's module: Airflow 3 only (it refuses to import on Airflow 2, naming the sensor instead).
EVENT_TRIGGER_MODULE = "airflow_provider_dataworks.triggers.event"
EXTRAS = (  # the form's order: the most used first
    "region_id",
    "project_id",
    "env_type",
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
    "timezone",
    "connect_timeout",
    "read_timeout",
    "console_url",
)
CHOICES = {"auth_type": AUTH_TYPES, "env_type": ENV_TYPES, "network": NETWORKS, "protocol": PROTOCOLS}
NUMBERS = {"project_id": "integer", "connect_timeout": "number", "read_timeout": "number"}


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
        assert spec["schema"]["type"] == [NUMBERS.get(name, "string"), "null"], name


def test_choices_are_drop_downs_of_exactly_what_the_connection_accepts() -> None:
    fields = connection_type()["conn-fields"]
    for name, spec in fields.items():
        schema = spec["schema"]
        if name not in CHOICES:
            assert "enum" not in schema, name
            continue
        assert schema["enum"] == [None, *CHOICES[name]], name  # null: unset, the documented default applies
        assert set(schema["values_display"]) == {*CHOICES[name], "null"}, name  # null: what "unset" means


def test_region_suggests_examples() -> None:
    examples = connection_type()["conn-fields"]["region_id"]["schema"]["examples"]
    assert examples[0] == "cn-hangzhou" and "cn-shanghai" in examples


def test_only_the_sts_token_is_a_password_field() -> None:
    fields = connection_type()["conn-fields"]
    secret = {name for name, spec in fields.items() if spec["schema"].get("format") == "password"}
    assert secret == {"security_token"}


def test_ui_field_behaviour() -> None:
    behaviour = connection_type()["ui-field-behaviour"]
    assert behaviour["hidden-fields"] == ["schema", "port"]
    assert behaviour["relabeling"] == {"login": "AccessKey ID", "password": "AccessKey Secret", "host": "Endpoint"}
    assert behaviour["placeholders"]["region_id"] == "cn-hangzhou"
    assert behaviour["placeholders"]["auth_type"] == "access_key"
    assert behaviour["placeholders"]["env_type"] == "Prod"


def test_modules_and_links_listed_in_provider_info_exist() -> None:
    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                if module == EVENT_TRIGGER_MODULE and not AIRFLOW_3:
                    with pytest.raises(ImportError, match="needs Airflow 3"):  # listed, as Airflow 2 never imports it
                        importlib.import_module(module)
                    continue
                importlib.import_module(module)
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert hasattr(importlib.import_module(module), name), link


def test_every_operator_and_trigger_module_is_listed() -> None:
    info = get_provider_info()
    (operators,) = info["operators"]
    (triggers,) = info["triggers"]
    assert operators["python-modules"] == [
        "airflow_provider_dataworks.operators.dataworks",
        "airflow_provider_dataworks.operators.trigger_node",
        "airflow_provider_dataworks.operators.data_quality",
    ]
    assert triggers["python-modules"] == [
        "airflow_provider_dataworks.triggers.dataworks",
        "airflow_provider_dataworks.triggers.trigger_node",
        EVENT_TRIGGER_MODULE,
    ]
    listed = {m for kind in ("operators", "triggers") for entry in info[kind] for m in entry["python-modules"]}
    on_disk = {
        f"airflow_provider_dataworks.{path.parent.name}.{path.stem}"
        for folder in ("operators", "triggers")
        for path in (PACKAGE / folder).glob("*.py")
        if path.stem != "__init__"
    }
    assert listed == on_disk


def test_airflow2_ui_field_behaviour_uses_snake_case_keys() -> None:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    behaviour = DataWorksHook.get_ui_field_behaviour()
    assert set(behaviour) == {"hidden_fields", "relabeling", "placeholders"}
    assert behaviour["hidden_fields"] == ["schema", "port"]
    assert behaviour["relabeling"]["password"] == "AccessKey Secret"


def test_airflow2_connection_form_widgets() -> None:
    pytest.importorskip("flask_appbuilder")
    pytest.importorskip("wtforms")
    from wtforms import PasswordField, StringField
    from wtforms.validators import AnyOf

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    widgets = DataWorksHook.get_connection_form_widgets()
    assert tuple(widgets) == EXTRAS
    assert widgets["security_token"].field_class is PasswordField
    # Airflow 2 drops a hook whose form uses any other field class (e.g. SelectField).
    assert {w.field_class for name, w in widgets.items() if name != "security_token"} == {StringField}
    for name, values in CHOICES.items():
        (any_of,) = [v for v in widgets[name].kwargs["validators"] if isinstance(v, AnyOf)]
        assert list(any_of.values) == list(values), name


# -- the provider's own settings, `[dataworks] ...`, declared so that Airflow lists them and knows their defaults --

PACKAGE = Path(airflow_provider_dataworks.__file__).parent
CONF_GETTERS = {"get", "getint", "getfloat", "getboolean", "getjson", "getlist", "getimport", "has_option"}


def options_the_code_reads(section: str) -> dict[str, str]:
    """{option: "module:line"} of every ``conf.<getter>("<section>", "<option>", ...)`` in the package's source."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in CONF_GETTERS or len(node.args) < 2:
                continue
            sec, option = node.args[0], node.args[1]
            if isinstance(sec, ast.Constant) and sec.value == section:
                assert isinstance(option, ast.Constant), f"{path}:{node.lineno}: option name must be a literal"
                found.setdefault(option.value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_dataworks_option_the_code_reads_is_declared_and_nothing_else() -> None:
    read = options_the_code_reads("dataworks")
    assert {"min_poll_interval", "daily_api_call_budget"} <= set(read)  # the scan finds what it must
    assert set(get_provider_info()["config"]["dataworks"]["options"]) == set(read), read


def test_the_config_declaration_follows_airflow_s_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = Path(importlib.import_module("airflow").__file__).parent / "provider_info.schema.json"
    schema = json.loads(schema_file.read_text())
    jsonschema.validate(get_provider_info(), schema)
    section = get_provider_info()["config"]["dataworks"]
    assert section["description"]
    for name, option in section["options"].items():
        assert option["description"].endswith("."), name
        assert option["version_added"] == "0.1.0", name  # the first release; later options name theirs
        assert isinstance(option["default"], str) and isinstance(option["example"], str), name  # as airflow.cfg has


def test_the_declared_defaults_are_the_code_s_own() -> None:
    from airflow_provider_dataworks.utils import quota

    options = get_provider_info()["config"]["dataworks"]["options"]
    assert float(options["min_poll_interval"]["default"]) == quota.DEFAULT_MIN_POLL_INTERVAL
    assert options["min_poll_interval"]["type"] == "float"
    assert options["daily_api_call_budget"]["default"] == ""  # unset: no warning
    assert options["daily_api_call_budget"]["type"] == "integer"
    assert int(options["daily_api_call_budget"]["example"]) == quota.BASIC_EDITION_DAILY_CALLS


def test_airflow_s_configuration_serves_the_declared_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a task reads when nothing is configured: the declared defaults, through Airflow's own parser."""
    from airflow_provider_dataworks.utils import quota
    from airflow_provider_dataworks.utils.compat import conf

    monkeypatch.delenv("AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL", raising=False)
    monkeypatch.delenv("AIRFLOW__DATAWORKS__DAILY_API_CALL_BUDGET", raising=False)
    if not AIRFLOW_3:  # Airflow 2 loads provider options where its CLI commands ask for them; Airflow 3 lazily
        from airflow.providers_manager import ProvidersManager

        ProvidersManager().initialize_providers_configuration()
    assert conf.get("dataworks", "min_poll_interval") == "5"
    assert quota.min_poll_interval() == 5.0
    assert quota.daily_api_call_budget() is None
