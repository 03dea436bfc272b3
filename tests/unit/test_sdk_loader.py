"""The SDK loader under races and failures, on a stand-in module that takes its time to execute."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from airflow_provider_dataworks.hooks import sdk_loader

if TYPE_CHECKING:
    from pathlib import Path

SLOW_MODULE = """
import gc, time
COLLECTING_WHILE_LOADING = gc.isenabled()
time.sleep(0.5)
COMPLETE = True
"""


@pytest.fixture
def slow_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A package whose `client` module needs 0.5 s to execute, standing in for the SDK; a fresh loader state."""
    package = tmp_path / "slow_sdk_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "client.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sdk_loader, "CLIENT_MODULE", "slow_sdk_pkg.client")
    monkeypatch.setattr(sdk_loader, "_loaded", threading.Event())
    monkeypatch.setattr(sdk_loader, "_loading", type(sdk_loader._loading)())
    yield "slow_sdk_pkg.client"
    for name in ("slow_sdk_pkg.client", "slow_sdk_pkg"):
        sys.modules.pop(name, None)


def test_a_second_wait_never_sees_a_half_executed_module(slow_sdk: str) -> None:
    seen: dict[str, bool] = {}

    def first_wait() -> None:
        asyncio.run(sdk_loader.aload_sdk())

    loader = threading.Thread(target=first_wait)
    loader.start()
    deadline = time.time() + 10
    while slow_sdk not in sys.modules and time.time() < deadline:  # the module is executing now
        time.sleep(0.005)
    assert slow_sdk in sys.modules

    async def second_wait() -> None:  # another triggerer loop, or a trigger started in the meantime
        await sdk_loader.aload_sdk()
        seen["async"] = getattr(sys.modules[slow_sdk], "COMPLETE", False)

    asyncio.run(second_wait())
    sdk_loader.load_sdk()  # a worker thread building a client
    seen["sync"] = getattr(sys.modules[slow_sdk], "COMPLETE", False)
    loader.join(10)
    assert seen == {"async": True, "sync": True}


def test_a_failed_load_is_tried_again(slow_sdk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = sdk_loader._import
    failures = iter([OSError("site-packages briefly unreadable")])

    def flaky_import(code: bytes | None) -> None:
        for error in failures:
            raise error
        real_import(code)

    monkeypatch.setattr(sdk_loader, "_import", flaky_import)

    async def twice() -> None:
        with pytest.raises(OSError, match="unreadable"):
            await sdk_loader.aload_sdk()
        await sdk_loader.aload_sdk()

    asyncio.run(twice())
    assert sys.modules[slow_sdk].COMPLETE is True


def test_the_load_runs_without_collections_and_freezes_what_it_made(slow_sdk: str) -> None:
    assert gc.isenabled()
    gc.unfreeze()  # whatever an earlier load in this process froze
    try:
        asyncio.run(sdk_loader.aload_sdk())
        assert sys.modules[slow_sdk].COLLECTING_WHILE_LOADING is False
        assert gc.isenabled()  # the collector runs again afterwards
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
