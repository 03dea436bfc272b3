"""One import path per public class: the module that defines it, which README, docs and example DAGs name.

No lazy re-exports (a module ``__getattr__`` hides a name from type checkers and IDEs), no second path into the
emulator: it is its own distribution, imported as ``dataworks_emulator``, and the provider imports nothing of it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import airflow_provider_dataworks
import dataworks_emulator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(airflow_provider_dataworks.__file__).parent
PYTHON_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Where users read import lines: the front doors of both distributions, the docs and the example DAGs.
PAGES = [ROOT / "README.md", ROOT / "dataworks-emulator" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
EXAMPLE_DAGS = sorted((ROOT / "example_dags").glob("*.py"))
DISTRIBUTIONS = ("airflow_provider_dataworks", "dataworks_emulator")


def provider_sources() -> list[Path]:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 20, sources  # the package itself, not an empty folder
    return sources


def documented_imports() -> list[tuple[str, str, str]]:
    """(where, module, name) of every ``from <provider or emulator module> import <name>`` users are shown."""
    snippets = [(page, code) for page in PAGES for code in PYTHON_FENCE.findall(page.read_text(encoding="utf-8"))]
    snippets += [(path, path.read_text(encoding="utf-8")) for path in EXAMPLE_DAGS]
    found = []
    for where, code in snippets:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DISTRIBUTIONS:
                found += [(where.relative_to(ROOT).as_posix(), node.module, a.name) for a in node.names]
    return found


def test_no_provider_module_re_exports_through_a_module_getattr() -> None:
    offenders = [
        path.relative_to(PACKAGE).as_posix()
        for path in provider_sources()
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
    ]
    assert offenders == []


def test_the_provider_has_no_path_into_the_emulator() -> None:
    assert not (PACKAGE / "emulator").exists()
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow_provider_dataworks.emulator")
    imports = []
    for path in provider_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            imports += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.split(".")[0] == "dataworks_emulator"]
    assert imports == []  # a production install carries no emulator


def test_users_are_shown_the_imports_of_every_public_class() -> None:
    shown = {(module, name) for _, module, name in documented_imports()}
    for module, name in [
        ("airflow_provider_dataworks.sensors.dataworks", "DataWorksWorkflowInstanceSensor"),
        ("airflow_provider_dataworks.operators.dataworks", "DataWorksRunWorkflowOperator"),
        ("airflow_provider_dataworks.operators.trigger_node", "DataWorksTriggerNodeOperator"),
        ("airflow_provider_dataworks.operators.data_quality", "DataWorksDataQualityScanOperator"),
        ("airflow_provider_dataworks.triggers.event", "DataWorksWorkflowInstanceEventTrigger"),
        ("dataworks_emulator", "DataWorksEmulator"),
    ]:
        assert (module, name) in shown, f"{module}.{name}"


@pytest.mark.parametrize(("where", "module", "name"), documented_imports(), ids="{0[0]}:{0[2]}".format)
def test_every_documented_import_names_the_defining_module(where: str, module: str, name: str) -> None:
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as err:  # only the Airflow 3 event trigger refuses to import, on Airflow 2
        assert module == "airflow_provider_dataworks.triggers.event", err
        pytest.skip(f"{where}: {err}")
    if module == "dataworks_emulator":  # the emulator's one documented path is its package
        assert name in dataworks_emulator.__all__, f"{where}: {name} is not a public name of the emulator"
    elif inspect.isclass(value) or inspect.isfunction(value):
        assert value.__module__ == module, f"{where}: {name} lives in {value.__module__}, not {module}"
