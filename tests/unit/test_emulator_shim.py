"""``airflow_provider_dataworks.emulator``, the documented import path, re-exports the emulator distribution."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import airflow_provider_dataworks.emulator as shim
import dataworks_emulator

PUBLIC_NAMES = [
    "FAULT_KINDS",
    "DataWorksEmulator",
    "EmulatorControl",
    "EmulatorControlError",
    "Fault",
    "RecordedCall",
    "Scenario",
    "ScenarioError",
]


def test_the_shim_exports_the_documented_names() -> None:
    assert sorted(shim.__all__) == sorted(PUBLIC_NAMES) == sorted(dataworks_emulator.__all__)


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_each_name_is_the_emulator_s_own_object(name: str) -> None:
    assert getattr(shim, name) is getattr(dataworks_emulator, name)


def test_from_import_works_through_the_shim() -> None:
    from airflow_provider_dataworks.emulator import DataWorksEmulator

    assert DataWorksEmulator.__module__.startswith("dataworks_emulator.")


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'EmulatorState'"):
        _ = shim.EmulatorState


def test_without_the_emulator_the_shim_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dataworks_emulator", None)  # as if the distribution were not installed
    with pytest.raises(ImportError) as raised:
        from airflow_provider_dataworks.emulator import DataWorksEmulator  # noqa: F401
    assert str(raised.value) == (
        "The DataWorks emulator is not installed: it is its own distribution, dataworks-emulator, not yet on a "
        "package index; install it from a checkout of the provider's repository (pip install ./dataworks-emulator) "
        "or from its built wheel (pip install dataworks_emulator-<version>-py3-none-any.whl)."
    )


def test_importing_the_shim_loads_neither_the_emulator_nor_aiohttp() -> None:
    probe = (
        "import json, sys, airflow_provider_dataworks.emulator; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('dataworks_emulator', 'aiohttp'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(
    ("former", "current"),
    [("state", "models.state"), ("server", "routing"), ("actions", "responses"), ("signing", "signing")],
)
def test_former_submodules_import_as_the_emulator_s_own_modules(former: str, current: str) -> None:
    module = importlib.import_module(f"airflow_provider_dataworks.emulator.{former}")
    assert module is importlib.import_module(f"dataworks_emulator.{current}")


def test_a_submodule_the_emulator_never_had_is_not_found() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow_provider_dataworks.emulator.no_such_module")
