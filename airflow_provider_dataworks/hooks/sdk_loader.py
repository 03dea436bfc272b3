"""Load the DataWorks SDK from async code without blocking the event loop: once per process, in a worker thread.

The import runs in the provider's thread pool; the loop's other triggers run meanwhile, as the import's bytecode
yields the GIL like any other. What does not yield is compiling the SDK's generated `client.py` (1.4 MB of
source, compiled in C with the GIL held: stalls of 120 to 180 ms, and a first use of 2 s instead of 0.5 s), so
bytecode is the deployment's job: pip compiles at install time by default, uv does with `--compile-bytecode`.
Without it, one warning at the first load names the fix.

Concurrent first uses on one loop await the same load. The module counts as loaded only once it has been executed
completely (a module in `sys.modules` may still be executing), and a load that failed is tried again by the next
caller, not remembered. Nothing here touches process-wide state beyond the import itself.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
import os
import threading
import weakref

from airflow_provider_dataworks.hooks.pool import run_blocking

CLIENT_MODULE = "alibabacloud_dataworks_public20240518.client"

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded = threading.Event()
_loading: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[None]] = weakref.WeakKeyDictionary()
_warned = False


def load_sdk() -> None:
    """Make sure the SDK client module is imported completely (blocking: for workers and worker threads)."""
    if not _loaded.is_set():
        _import()


async def aload_sdk() -> None:
    """Make sure the SDK client module is imported, the import running in the provider's thread pool."""
    if _loaded.is_set():
        return
    loop = asyncio.get_running_loop()
    load = _loading.get(loop)
    if load is None:
        load = _loading[loop] = asyncio.ensure_future(run_blocking(_import))
        load.add_done_callback(lambda _: _loading.pop(loop, None))  # loaded, or failed: the next caller tries again
    await asyncio.shield(load)  # a cancelled waiter leaves the load to the others


def _import() -> None:
    """Import the client module once (other threads wait for it), warning first if it has no bytecode."""
    with _lock:
        if _loaded.is_set():
            return
        _warn_without_bytecode()
        importlib.import_module(CLIENT_MODULE)
        _loaded.set()


def _warn_without_bytecode() -> None:
    """One warning per process when the client module will be compiled from source (its cache missing or stale)."""
    global _warned
    if _warned:
        return
    spec = importlib.util.find_spec(CLIENT_MODULE)
    origin = spec.origin if spec is not None else None
    if origin is None or not origin.endswith(".py") or has_bytecode(origin):
        return
    _warned = True
    log.warning(
        "The DataWorks SDK has no compiled bytecode (%s), so its first use compiles it, holding up every other "
        "trigger of this process meanwhile. Compile it at install time: pip does by default; with uv use "
        "--compile-bytecode (or UV_COMPILE_BYTECODE=1); or run python -m compileall %s",
        importlib.util.cache_from_source(origin),
        os.path.dirname(origin),
    )


def has_bytecode(source: str) -> bool:
    """Whether `source` has a bytecode cache that the import system will use (this interpreter's, up to date)."""
    try:
        with open(importlib.util.cache_from_source(source), "rb") as cached:
            header = cached.read(16)
        stat = os.stat(source)
    except (OSError, NotImplementedError):
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") & 1:  # hash-based: checked against the source by the import itself
        return True
    mtime, size = int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF
