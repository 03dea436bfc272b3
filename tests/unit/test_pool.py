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


async def test_a_backoff_holds_no_thread_and_no_call_slot(
    small_pool: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every call slot's call backing off and one pool thread, another call is still answered at once."""
    failing = {f"slow{n}": 1 for n in range(pool.MAX_THREADS)}
    finished: dict[str, float] = {}

    def answer(action: str, params: dict[str, Any]) -> dict[str, Any]:
        if failing.get(action, 0):
            failing[action] -= 1
            raise DataWorksTransientError("503", action=action, status_code=503)
        finished[action] = time.monotonic()
        return {}

    hook = hook_answering(answer)
    monkeypatch.setattr(RetryPolicy, "wait_seconds", lambda self, state: 0.5)
    start = time.monotonic()
    slow = [asyncio.ensure_future(hook.acall(action, {})) for action in failing]
    await asyncio.sleep(0.1)  # every slow call has failed once and is backing off
    await hook.acall("fast", {})
    await asyncio.gather(*slow)
    # the one thread and a slot served "fast" while the others waited out their backoffs on the loop
    assert finished["fast"] - start < 0.3 <= min(finished[action] for action in failing) - start


async def test_a_hung_endpoint_cannot_starve_other_triggers_threads(small_pool: ThreadPoolExecutor) -> None:
    release = threading.Event()
    hook = hook_answering(lambda action, params: release.wait(10) and {})
    hung = asyncio.ensure_future(hook.acall("GetWorkflowInstance", {"Id": 1}))
    await asyncio.sleep(0.05)
    # every DataWorks thread is stuck, yet the event loop's default executor (other providers) still answers
    assert await asyncio.wait_for(asyncio.to_thread(lambda: "other provider"), timeout=2) == "other provider"
    release.set()
    await hung


async def test_calls_beyond_the_threads_wait_as_coroutines_without_retry_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call builds its retry state and queues for a thread only once it has one of the loop's call slots."""
    release = threading.Event()
    running = 0
    most_running = 0

    def answer(action: str, params: dict[str, Any]) -> dict[str, Any]:
        nonlocal running, most_running
        running += 1
        most_running = max(most_running, running)
        release.wait(10)
        running -= 1
        return {}

    built = 0
    async_retrying = RetryPolicy.async_retrying

    def counting(self: RetryPolicy, **kwargs: Any) -> Any:
        nonlocal built
        built += 1
        return async_retrying(self, **kwargs)

    monkeypatch.setattr(RetryPolicy, "async_retrying", counting)
    hook = hook_answering(answer)
    calls = [asyncio.ensure_future(hook.acall("GetWorkflowInstance", {"Id": n})) for n in range(5 * pool.MAX_THREADS)]
    await asyncio.sleep(0.2)
    assert built == pool.MAX_THREADS
    release.set()
    assert await asyncio.gather(*calls) == [{}] * len(calls)
    assert built == len(calls)
    assert most_running <= pool.MAX_THREADS


async def test_a_cancelled_call_leaves_every_slot_to_the_others() -> None:
    """Calls cancelled while queued for a slot or backing off give back what they held."""
    release = threading.Event()
    running = 0

    def answer(action: str, params: dict[str, Any]) -> dict[str, Any]:
        nonlocal running
        if action == "fail":
            raise DataWorksTransientError("503", action=action, status_code=503)
        running += 1
        release.wait(10)
        running -= 1
        return {}

    hook = hook_answering(answer)
    backing_off = asyncio.ensure_future(hook.acall("fail", {}))
    holding = [asyncio.ensure_future(hook.acall("hold", {})) for _ in range(pool.MAX_THREADS)]
    queued = asyncio.ensure_future(hook.acall("hold", {}))
    await asyncio.sleep(0.1)
    backing_off.cancel()
    queued.cancel()
    release.set()
    await asyncio.gather(*holding)
    with pytest.raises(asyncio.CancelledError):
        await queued
    release.clear()
    again = [asyncio.ensure_future(hook.acall("hold", {})) for _ in range(pool.MAX_THREADS)]
    await asyncio.sleep(0.1)
    assert running == pool.MAX_THREADS  # every slot came back: all of them are being answered at once
    release.set()
    await asyncio.gather(*again)
    places = pool._slots[asyncio.get_running_loop()]
    for _ in range(pool.MAX_THREADS):
        await places.acquire()
    assert places.locked()  # and none was given back twice
