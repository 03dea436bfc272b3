"""The SDK loader under races and failures, on a stand-in module that takes its time to execute."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import py_compile
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from airflow_provider_dataworks.hooks import sdk_loader

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SLOW_MODULE = """
import gc, time
COLLECTING_WHILE_LOADING = gc.isenabled()
time.sleep(0.5)
COMPLETE = True
"""


@pytest.fixture
def slow_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package whose `client` module needs 0.5 s to execute, standing in for the SDK; a fresh loader state.
    Yields the module's source file."""
    package = tmp_path / "slow_sdk_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "client.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sdk_loader, "CLIENT_MODULE", "slow_sdk_pkg.client")
    monkeypatch.setattr(sdk_loader, "_loaded", threading.Event())
    monkeypatch.setattr(sdk_loader, "_loading", type(sdk_loader._loading)())
    monkeypatch.setattr(sdk_loader, "_warned", False)
    yield package / "client.py"
    for name in ("slow_sdk_pkg.client", "slow_sdk_pkg"):
        sys.modules.pop(name, None)


def test_a_second_wait_never_sees_a_half_executed_module(slow_sdk: Path) -> None:
    seen: dict[str, bool] = {}
    name = sdk_loader.CLIENT_MODULE

    def first_wait() -> None:
        asyncio.run(sdk_loader.aload_sdk())

    loader = threading.Thread(target=first_wait)
    loader.start()
    deadline = time.time() + 10
    while name not in sys.modules and time.time() < deadline:  # the module is executing now
        time.sleep(0.005)
    assert name in sys.modules

    async def second_wait() -> None:  # another triggerer loop, or a trigger started in the meantime
        await sdk_loader.aload_sdk()
        seen["async"] = getattr(sys.modules[name], "COMPLETE", False)

    asyncio.run(second_wait())
    sdk_loader.load_sdk()  # a worker thread building a client
    seen["sync"] = getattr(sys.modules[name], "COMPLETE", False)
    loader.join(10)
    assert seen == {"async": True, "sync": True}


def test_concurrent_first_uses_share_one_load_in_a_worker_thread_while_the_loop_runs(
    slow_sdk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real_import = sdk_loader._import

    def counted_import() -> None:
        threads.append(threading.current_thread().name)
        real_import()

    monkeypatch.setattr(sdk_loader, "_import", counted_import)

    async def main() -> float:
        ticks: list[float] = []

        async def tick() -> None:
            while True:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                ticks.append(time.perf_counter() - before)

        ticker = asyncio.create_task(tick())
        await asyncio.gather(*(sdk_loader.aload_sdk() for _ in range(5)))
        ticker.cancel()
        return max(ticks)

    longest_tick = asyncio.run(main())
    assert len(threads) == 1 and threads[0].startswith("dataworks-sdk")  # one load, in the provider's pool
    assert sys.modules[sdk_loader.CLIENT_MODULE].COMPLETE is True
    assert longest_tick < 0.25  # the loop kept running through the 0.5 s load


def test_a_cancelled_first_use_leaves_the_load_to_the_others(slow_sdk: Path) -> None:
    async def main() -> None:
        cancelled = asyncio.ensure_future(sdk_loader.aload_sdk())
        kept = asyncio.ensure_future(sdk_loader.aload_sdk())
        await asyncio.sleep(0.05)
        cancelled.cancel()
        await kept
        assert cancelled.cancelled()

    asyncio.run(main())
    assert sys.modules[sdk_loader.CLIENT_MODULE].COMPLETE is True


def test_a_failed_load_is_tried_again(slow_sdk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = sdk_loader._import
    failures = iter([OSError("site-packages briefly unreadable")])

    def flaky_import() -> None:
        for error in failures:
            raise error
        real_import()

    monkeypatch.setattr(sdk_loader, "_import", flaky_import)

    async def twice() -> None:
        with pytest.raises(OSError, match="unreadable"):
            await sdk_loader.aload_sdk()
        await sdk_loader.aload_sdk()

    asyncio.run(twice())
    assert sys.modules[sdk_loader.CLIENT_MODULE].COMPLETE is True


def test_the_load_leaves_the_garbage_collector_as_it_was(slow_sdk: Path) -> None:
    before = (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold())
    asyncio.run(sdk_loader.aload_sdk())
    assert sys.modules[sdk_loader.CLIENT_MODULE].COLLECTING_WHILE_LOADING is gc.isenabled()
    assert (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()) == before


def bytecode_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == sdk_loader.__name__ and r.levelno == logging.WARNING]


def test_a_load_without_bytecode_warns_once_naming_the_fix(
    slow_sdk: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # nothing written by the import itself either
    caplog.set_level(logging.WARNING, logger=sdk_loader.__name__)
    asyncio.run(sdk_loader.aload_sdk())
    sdk_loader._warn_without_bytecode()  # a later look in the same process says nothing more
    (warning,) = bytecode_warnings(caplog)
    assert "no compiled bytecode" in warning
    assert "--compile-bytecode" in warning
    assert f"python -m compileall {slow_sdk.parent}" in warning


def test_a_load_with_bytecode_says_nothing(slow_sdk: Path, caplog: pytest.LogCaptureFixture) -> None:
    py_compile.compile(str(slow_sdk), cfile=importlib.util.cache_from_source(str(slow_sdk)), doraise=True)
    caplog.set_level(logging.WARNING, logger=sdk_loader.__name__)
    asyncio.run(sdk_loader.aload_sdk())
    assert bytecode_warnings(caplog) == []


def test_stale_bytecode_counts_as_none(slow_sdk: Path) -> None:
    py_compile.compile(str(slow_sdk), cfile=importlib.util.cache_from_source(str(slow_sdk)), doraise=True)
    assert sdk_loader.has_bytecode(str(slow_sdk))
    slow_sdk.write_text(SLOW_MODULE + "EDITED = True\n")  # another size: the cache no longer matches
    assert not sdk_loader.has_bytecode(str(slow_sdk))
