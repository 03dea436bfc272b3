"""Integration fixtures: the real SDK client, through DataWorksHook, over HTTP to the local emulator."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from dataworks_emulator import DataWorksEmulator

#: Short timeouts and backoff keep fault tests fast while exercising the real retry path.
FAST = {"read_timeout": 1.0, "connect_timeout": 1.0}


@pytest.fixture
def make_hook(dataworks_emulator: DataWorksEmulator, monkeypatch: pytest.MonkeyPatch) -> Callable[..., DataWorksHook]:
    """Build a hook on a fresh connection to the emulator; keyword arguments override connection fields."""
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    counter = iter(range(1_000_000))

    def build(
        *, retry_limit: int = 3, retry_delay: float = 0.01, extra: dict[str, Any] | None = None, **fields: Any
    ) -> DataWorksHook:
        conn = dataworks_emulator.connection(**{**FAST, **(extra or {})})
        conn.update(fields)
        conn_id = f"dw_it_{next(counter)}"
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return DataWorksHook(conn_id, retry_limit=retry_limit, retry_delay=retry_delay)

    return build


@pytest.fixture
def hook(make_hook: Callable[..., DataWorksHook]) -> DataWorksHook:
    """A hook with the emulator's default AccessKey connection."""
    return make_hook()
