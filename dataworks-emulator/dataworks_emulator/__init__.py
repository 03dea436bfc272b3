"""Local DataWorks 2024-05-18 OpenAPI emulator: a signed-HTTP test double for the real Alibaba Cloud SDK.

Public names are loaded lazily so that importing this package stays cheap (no aiohttp at import time).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"  # the one place: the build reads it

if TYPE_CHECKING:
    from dataworks_emulator.control_client import EmulatorControl, EmulatorControlError
    from dataworks_emulator.faults import FAULT_KINDS, Fault
    from dataworks_emulator.models.records import RecordedCall
    from dataworks_emulator.runner import DataWorksEmulator
    from dataworks_emulator.scenario import Scenario, ScenarioError

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

_LOCATIONS = {
    "DataWorksEmulator": "runner",
    "EmulatorControl": "control_client",
    "EmulatorControlError": "control_client",
    "FAULT_KINDS": "faults",
    "Fault": "faults",
    "RecordedCall": "models.records",
    "Scenario": "scenario",
    "ScenarioError": "scenario",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first access."""
    if name not in _LOCATIONS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_LOCATIONS[name]}"), name)
