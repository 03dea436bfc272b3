"""The documented import path of the local DataWorks emulator, which ships as its own distribution.

The emulator lives in ``dataworks_emulator`` (distribution ``dataworks-emulator``), so that production installs of
the provider carry no test server. This module re-exports its public names lazily: importing it stays cheap (no
aiohttp), and only using a name needs the emulator installed. Its former submodules
(``airflow_provider_dataworks.emulator.state`` and the like) still import, as the emulator's own modules.
"""

from __future__ import annotations

import sys
from importlib import import_module
from importlib.abc import Loader, MetaPathFinder
from importlib.util import find_spec, spec_from_loader
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from dataworks_emulator import (
        FAULT_KINDS,
        DataWorksEmulator,
        EmulatorControl,
        EmulatorControlError,
        Fault,
        RecordedCall,
        Scenario,
        ScenarioError,
    )

__all__ = [
    "FAULT_KINDS",
    "DataWorksEmulator",
    "EmulatorControl",
    "EmulatorControlError",
    "Fault",
    "RecordedCall",
    "Scenario",
    "ScenarioError",
]

EMULATOR_PACKAGE = "dataworks_emulator"
#: Until both distributions are published, neither `pip install dataworks-emulator` nor the extra can find it on
#: a package index: say where it is.
NOT_INSTALLED = (
    "The DataWorks emulator is not installed: it is its own distribution, dataworks-emulator, not yet on a package "
    "index; install it from a checkout of the provider's repository (pip install ./dataworks-emulator) or from its "
    "built wheel (pip install dataworks_emulator-<version>-py3-none-any.whl)."
)
#: Submodules that moved when the emulator was split into models, responses and routing; the rest kept their name.
MOVED = {
    "actions": "responses",
    "server": "routing",
    **{name: f"models.{name}" for name in ("dates", "records", "state", "tasks", "trigger_nodes")},
}


def _emulator(submodule: str = "") -> ModuleType:
    """Import the emulator package (or one of its modules), or say how to install it if it is missing."""
    try:
        return import_module(f"{EMULATOR_PACKAGE}.{submodule}" if submodule else EMULATOR_PACKAGE)
    except ModuleNotFoundError as exc:
        if exc.name != EMULATOR_PACKAGE:
            raise
        raise ImportError(NOT_INSTALLED, name=EMULATOR_PACKAGE) from None


def __getattr__(name: str) -> Any:
    """Return a public name of ``dataworks_emulator`` on first access."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_emulator(), name)


class _FormerSubmodules(MetaPathFinder, Loader):
    """Makes ``airflow_provider_dataworks.emulator.<module>`` the emulator's own module object (not a copy, so
    its classes and state are the same ones)."""

    prefix = f"{__name__}."

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """A spec for a former submodule whose emulator module exists; None for anything else."""
        if not fullname.startswith(self.prefix) or "." in fullname[len(self.prefix) :]:
            return None
        name = fullname[len(self.prefix) :]
        _emulator()
        if find_spec(f"{EMULATOR_PACKAGE}.{MOVED.get(name, name)}") is None:
            return None
        return spec_from_loader(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        """The emulator's module itself, which the import system then files under the former name too."""
        name = spec.name[len(self.prefix) :]
        return _emulator(MOVED.get(name, name))

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the emulator's module is already imported."""


sys.meta_path.append(_FormerSubmodules())
