"""The documented import path of the local DataWorks emulator, which ships as its own distribution.

The emulator lives in ``dataworks_emulator`` (distribution ``dataworks-emulator``), so that production installs of
the provider carry no test server. This module re-exports its public names lazily: importing it stays cheap (no
aiohttp), and only using a name needs the emulator installed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
NOT_INSTALLED = (
    "The DataWorks emulator is not installed: install airflow-provider-dataworks[emulator] (or dataworks-emulator)."
)


def __getattr__(name: str) -> Any:
    """Return a public name of ``dataworks_emulator`` on first access, or say how to install it if it is missing."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        package = import_module(EMULATOR_PACKAGE)
    except ModuleNotFoundError as exc:
        if exc.name != EMULATOR_PACKAGE:
            raise
        raise ImportError(NOT_INSTALLED, name=EMULATOR_PACKAGE) from None
    return getattr(package, name)
