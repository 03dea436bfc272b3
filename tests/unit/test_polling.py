"""The registry of shared pollers: one per group and loop, forgotten when idle."""

from __future__ import annotations

import asyncio
from typing import Any

from airflow_provider_dataworks.waits import polling


async def test_idle_shared_pollers_are_forgotten() -> None:
    async def fetch(hook: Any, key: Any, ids: Any) -> dict[int, dict[str, Any]]:
        return {}

    old = polling.shared_poller(("workflow_instances", "c", 1, "Prod", 1), fetch)
    assert polling.shared_poller(("workflow_instances", "c", 1, "Prod", 1), fetch) is old
    old.last_read -= polling.IDLE_POLLER_SECONDS + 1
    polling.shared_poller(("workflow_instances", "c", 1, "Prod", 2), fetch)
    assert ("workflow_instances", "c", 1, "Prod", 1) not in polling._pollers[asyncio.get_running_loop()]
