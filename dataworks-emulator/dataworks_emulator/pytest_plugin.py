"""Pytest plugin (registered through the ``pytest11`` entry point) with a ``dataworks_emulator`` fixture.

The ini option ``dataworks_emulator_creation_delay`` sets how long created runs take to appear (default: the
emulator's 5 s, DataWorks-like); a suite may shorten it, never to the kind zero that hides lost-answer bugs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dataworks_emulator.runner import DataWorksEmulator

CREATION_DELAY_INI = "dataworks_emulator_creation_delay"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(CREATION_DELAY_INI, "seconds from a create request to its instances existing in the emulator")


@pytest.fixture
def dataworks_emulator(request: pytest.FixtureRequest) -> Iterator[DataWorksEmulator]:
    """Yield a started emulator with an empty scenario; stopped when the test ends."""
    from dataworks_emulator.runner import DataWorksEmulator

    configured = request.config.getini(CREATION_DELAY_INI)
    delay = float(configured) if configured else None
    with DataWorksEmulator(creation_delay=delay) as emulator:
        yield emulator
