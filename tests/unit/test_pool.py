"""The provider's own thread pool: SDK attempts run there, backoffs hold no thread, other executors stay free."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_dataworks.exceptions import DataWorksTransientError
from airflow_provider_dataworks.hooks import pool
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.hooks.retry import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadPoolExecutor]:
    """A one-thread provider pool, so a thread held through a backoff would show as a queued call."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dataworks-sdk")
    monkeypatch.setattr(pool, "_pool", executor)
    monkeypatch.setattr(pool, "_pool_pid", os.getpid())
    yield executor
    executor.shutdown(wait=False, cancel_futures=True)


def hook_answering(answer: Any) -> DataWorksHook:
    """A hook whose single attempt is `answer(action)` (the client counts as built)."""
    hook = DataWorksHook(retry_limit=2, retry_delay=0.3)
    hook._client = object()  # type: ignore[assignment]
    hook._call_once = answer  # type: ignore[method-assign]
    return hook


async def test_attempts_run_in_the_providers_pool_not_the_default_executor() -> None:
    threads: list[str] = []
    hook = hook_answering(lambda action, params: threads.append(threading.current_thread().name) or {"ok": 1})
    assert await hook.acall("GetWorkflowInstance", {"Id": 1}) == {"ok": 1}
    assert threads and all(name.startswith("dataworks-sdk") for name in threads)
    assert pool.executor()._max_workers == pool.MAX_THREADS


async def test_a_backoff_holds_no_thread(small_pool: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch) -> None:
    failures = {"slow": 1}
    finished: dict[str, float] = {}

    def answer(action: str, params: dict[str, Any]) -> dict[str, Any]:
        if failures.get(action, 0):
            failures[action] -= 1
            raise DataWorksTransientError("503", action=action, status_code=503)
        finished[action] = time.monotonic()
        return {}

    hook = hook_answering(answer)
    monkeypatch.setattr(RetryPolicy, "wait_seconds", lambda self, state: 0.5)
    start = time.monotonic()
    await asyncio.gather(hook.acall("slow", {}), hook.acall("fast", {}))
    # the one thread served "fast" while "slow" waited out its backoff on the loop
    assert finished["fast"] - start < 0.3 <= finished["slow"] - start


async def test_a_hung_endpoint_cannot_starve_other_triggers_threads(small_pool: ThreadPoolExecutor) -> None:
    release = threading.Event()
    hook = hook_answering(lambda action, params: release.wait(10) and {})
    hung = asyncio.ensure_future(hook.acall("GetWorkflowInstance", {"Id": 1}))
    await asyncio.sleep(0.05)
    # every DataWorks thread is stuck, yet the event loop's default executor (other providers) still answers
    assert await asyncio.wait_for(asyncio.to_thread(lambda: "other provider"), timeout=2) == "other provider"
    release.set()
    await hung
