"""Load the DataWorks SDK from async code without stalling the event loop.

Importing in a worker thread is not enough: the SDK's generated `client.py` is 1.4 MB of source, and compiling it
(when no bytecode cache exists, e.g. with PYTHONDONTWRITEBYTECODE or a read-only site-packages) is one C call that
holds the GIL for about 0.5 s, so every other trigger in the process stalls with it. Here the compilation runs in a
child process; a worker thread then executes the compiled code, which yields the GIL as ordinary bytecode does.

The module counts as loaded only once it has been executed completely (a module in `sys.modules` may still be
executing), and a load that failed is tried again by the next caller, not remembered.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import importlib.util
import marshal
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING

from airflow_provider_dataworks.hooks.pool import run_blocking
from airflow_provider_dataworks.utils.fanout import FanOut

if TYPE_CHECKING:
    from collections.abc import Iterator

CLIENT_MODULE = "alibabacloud_dataworks_public20240518.client"
#: Compiles one source file: into its bytecode cache when it may be written (then the parent imports it normally,
#: now and in every later process), else to stdout as a marshalled code object.
_COMPILE = """
import importlib.util, marshal, py_compile, sys
source = sys.argv[1]
if not sys.dont_write_bytecode:
    try:
        py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True)
        sys.exit(0)
    except (OSError, py_compile.PyCompileError):
        pass
sys.stdout.buffer.write(marshal.dumps(compile(open(source, "rb").read(), source, "exec")))
"""

_lock = threading.Lock()
_loaded = threading.Event()
_loading: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FanOut[None]] = weakref.WeakKeyDictionary()


def load_sdk() -> None:
    """Make sure the SDK client module is imported completely (blocking: for workers and worker threads)."""
    if not _loaded.is_set():
        _import(None)


async def aload_sdk() -> None:
    """Make sure the SDK client module is imported, blocking the loop for no more than a few milliseconds."""
    if _loaded.is_set():
        return
    loop = asyncio.get_running_loop()
    pending = _loading.get(loop)
    if pending is None or pending.failed():
        pending = _loading[loop] = FanOut(_load())
    await pending.wait()


async def _load() -> None:
    origin, cached = await run_blocking(_locate)
    code = None
    if origin and not _has_fresh_bytecode(origin, cached):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _COMPILE,
            origin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        data, _ = await process.communicate()
        code = data if process.returncode == 0 and data else None  # None: cached now, or import the ordinary way
    await run_blocking(_import, code)


def _locate() -> tuple[str | None, str | None]:
    """Source and bytecode-cache paths of the client module (imports only its small package)."""
    spec = importlib.util.find_spec(CLIENT_MODULE)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None, None
    return spec.origin, spec.cached


def _has_fresh_bytecode(origin: str, cached: str | None) -> bool:
    try:
        return cached is not None and os.stat(cached).st_mtime >= os.stat(origin).st_mtime
    except OSError:
        return False


def _import(code: bytes | None) -> None:
    """Import the client module, from the child's compiled code when there is some (else the ordinary way)."""
    with _lock:
        if _loaded.is_set():
            return
        with _collector_paused():
            _execute(code)
        _loaded.set()


def _execute(code: bytes | None) -> None:
    if code is None or CLIENT_MODULE in sys.modules:
        importlib.import_module(CLIENT_MODULE)
        return
    spec = importlib.util.find_spec(CLIENT_MODULE)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[CLIENT_MODULE] = module
    try:
        exec(marshal.loads(code), module.__dict__)  # the SDK's own source, compiled by the child
    except BaseException:
        del sys.modules[CLIENT_MODULE]
        raise
    package, _, name = CLIENT_MODULE.rpartition(".")
    setattr(sys.modules[package], name, module)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the SDK loads, and what the process holds then is frozen afterwards.

    The load makes about 200,000 long-lived objects; a full collection walks them all while holding the GIL (100 to
    170 ms, from whichever thread triggers it, stalling every trigger). Frozen objects (`gc.freeze`, as Airflow
    does before forking) are never walked again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
