"""Pytest plugin (registered through the ``pytest11`` entry point) with a ``dataworks_emulator`` fixture."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_dataworks.emulator.runner import DataWorksEmulator


@pytest.fixture
def dataworks_emulator() -> Iterator[DataWorksEmulator]:
    """Yield a started emulator with an empty scenario; stopped when the test ends."""
    from airflow_provider_dataworks.emulator.runner import DataWorksEmulator

    with DataWorksEmulator() as emulator:
        yield emulator
