"""Reproducible measurements of the provider; `./dev bench` writes them to benchmarks/results/latest.json.

- import: what a DAG file pays to import the provider after `import airflow.sdk` (median of fresh interpreters);
- status_check: one GetWorkflowInstance through the hook vs a bare SDK client, interleaved, same emulator;
- deferred_waits: many trigger waits in one event loop, with and without shared polling: event-loop lag, memory
  and CPU per wait, API calls per wait. Each mode runs in a fresh interpreter (so the SDK's first load, and any
  stall it causes, is measured too) against an emulator in its own process (its CPU is not the provider's);
- data_quality_waits: the same for deferred waits on data-quality scan runs of one scan (shared polls read the
  scan's runs of the day with one ListDataQualityScanRuns per round).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
#: Seconds a waits child takes to start (interpreter, Airflow, the SDK): timed scan runs finish this much later.
CHILD_START_S = 5.0
BENCH_CONN = "dataworks_bench"

#: What a DAG file imports, timed after `import airflow.sdk` in a fresh interpreter.
IMPORT_PROBE = """
import json, sys, time
import airflow.sdk
start = time.perf_counter()
import airflow_provider_dataworks.sensors.dataworks, airflow_provider_dataworks.operators.dataworks
took = time.perf_counter() - start
print(json.dumps({"s": took, "sdk_loaded": "alibabacloud_dataworks_public20240518" in sys.modules,
                  "trigger_base_loaded": "airflow.triggers.base" in sys.modules}))
"""


def import_cost(repeats: int) -> dict[str, Any]:
    """Median ms to import the sensor and operator modules once `airflow.sdk` is loaded: with a bytecode cache
    (as installers write it), and without one (every module compiled from source)."""
    with tempfile.TemporaryDirectory() as cache:
        cached, uncached = bytecode_env(cache, cached=True), bytecode_env(cache, cached=False)
        probe(cached)  # writes the cache
        runs = {"bytecode_cached": [probe(cached) for _ in range(repeats)]}
        runs["no_bytecode_cache"] = [probe(uncached) for _ in range(repeats)]
    every = runs["bytecode_cached"] + runs["no_bytecode_cache"]
    return {
        **{f"{k}_ms": round(statistics.median(r["s"] for r in v) * 1000, 1) for k, v in runs.items()},
        "target_ms": 20,
        "sdk_loaded": any(r["sdk_loaded"] for r in every),
        "airflow_triggers_base_loaded": any(r["trigger_base_loaded"] for r in every),
        "interpreters": repeats,
    }


def probe(env: dict[str, str]) -> dict[str, Any]:
    """One fresh interpreter's import measurement."""
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True, env=env)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@contextlib.contextmanager
def emulator_process() -> Any:
    """A `dataworks-emulator` in its own process; yields (connection JSON, control client)."""
    from dataworks_emulator.control_client import EmulatorControl

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).with_name("dataworks-emulator")), "--port", str(port)]
    line = subprocess.run([*command, "--print-connection"], capture_output=True, text=True, check=True).stdout
    connection = shlex.split(line)[1].partition("=")[2]  # export AIRFLOW_CONN_DATAWORKS_DEFAULT='<json>'
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield connection.strip(), EmulatorControl(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def status_check(calls: int) -> dict[str, Any]:
    """Median seconds of one status check through the hook and through a bare SDK client, interleaved."""
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_dataworks_public20240518.client import Client

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    with emulator_process() as (connection, control):
        os.environ[f"AIRFLOW_CONN_{BENCH_CONN.upper()}"] = connection
        instance_id = control.add_workflow_instance(workflow_id=1, name="bench", statuses=["Running"])
        hook = DataWorksHook(BENCH_CONN)
        bare = Client(hook.settings.sdk_config())
        request = models.GetWorkflowInstanceRequest(id=instance_id)
        hook.get_workflow_instance(instance_id), bare.get_workflow_instance(request)  # warm both up
        timings: dict[str, list[float]] = {"hook": [], "bare_sdk": []}
        checks = {
            "hook": lambda: hook.get_workflow_instance(instance_id),
            "bare_sdk": lambda: bare.get_workflow_instance(request).body.to_map(),
        }
        for n in range(calls):
            for name in ("hook", "bare_sdk") if n % 2 else ("bare_sdk", "hook"):  # alternate who goes first
                start = time.perf_counter()
                checks[name]()
                timings[name].append(time.perf_counter() - start)
    hook_ms, bare_ms = (statistics.median(timings[k]) * 1000 for k in ("hook", "bare_sdk"))
    return {
        "calls_each": calls,
        "hook_median_ms": round(hook_ms, 3),
        "bare_sdk_median_ms": round(bare_ms, 3),
        "ratio": round(hook_ms / bare_ms, 3),
        "target_ratio": 1.10,
    }


def rss_kb() -> int:
    """Resident memory of this process now, in KB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


async def waits_in_one_loop(
    connection: str, ids: list[int], shared: bool, interval: float, kind: str = "workflow"
) -> dict[str, Any]:
    """Run one trigger per instance (or scan run) on this loop until all fire; measure loop lag, memory and CPU."""
    os.environ[f"AIRFLOW_CONN_{BENCH_CONN.upper()}"] = connection
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.triggers import dataworks as triggers_module
    from airflow_provider_dataworks.waits import polling

    trigger_class = (
        triggers_module.DataWorksDataQualityScanRunTrigger
        if kind == "data_quality"
        else triggers_module.DataWorksWorkflowInstanceTrigger
    )
    if not shared:  # a wait never learns its group, so every read is its own GetWorkflowInstance
        polling.SharedReader.learn = lambda self, instance: None  # type: ignore[method-assign]
    lags: list[float] = []
    stop = asyncio.Event()

    async def probe() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - before - 0.005)

    probing = asyncio.create_task(probe())
    await asyncio.sleep(0.1)
    await DataWorksHook(BENCH_CONN).aget_conn()  # first use: the SDK loads and the client is built, loop running
    lags.clear()  # the first use is measured on its own (first_use)
    base_rss, peak_rss = rss_kb(), 0
    cpu, wall = time.process_time(), time.perf_counter()
    triggers = [
        trigger_class([i], time.time() + 600, dataworks_conn_id=BENCH_CONN, poll_interval=interval) for i in ids
    ]
    runs = [asyncio.ensure_future(anext(t.run())) for t in triggers]
    while not all(r.done() for r in runs):
        peak_rss = max(peak_rss, rss_kb())
        await asyncio.sleep(0.5)
    events = [r.result().payload for r in runs]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stop.set()
    await probing
    lags.sort()
    return {
        "events": {status: sum(e["status"] == status for e in events) for status in {e["status"] for e in events}},
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 2),
        "loop_lag_p50_ms": round(lags[len(lags) // 2] * 1000, 2),
        "loop_lag_p99_ms": round(lags[int(len(lags) * 0.99)] * 1000, 2),
        "loop_lag_max_ms": round(lags[-1] * 1000, 2),
        "kb_per_wait": round((peak_rss - base_rss) / len(ids), 1),
        "api_calls_by_trigger_logs": round(sum(t.api_calls() for t in triggers), 1),
    }


def bytecode_env(cache: str, *, cached: bool) -> dict[str, str]:
    """Environment of a child interpreter with a bytecode cache in `cache` (as installers write it), or with none."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache if cached else os.path.join(cache, "unused")
    if not cached:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


async def first_use(connection: str) -> dict[str, Any]:
    """Longest event-loop stall while the first DataWorks wait of a process loads the SDK and builds its client."""
    os.environ[f"AIRFLOW_CONN_{BENCH_CONN.upper()}"] = connection
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    lags: list[float] = []
    stop = asyncio.Event()

    async def probe() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.002)
            lags.append(time.perf_counter() - before - 0.002)

    probing = asyncio.create_task(probe())
    await asyncio.sleep(0.1)
    start = time.perf_counter()
    await DataWorksHook(BENCH_CONN).aget_conn()
    took = time.perf_counter() - start
    stop.set()
    await probing
    return {"max_loop_lag_ms": round(max(lags) * 1000, 1), "load_s": round(took, 2)}


def first_use_stalls(cache: str) -> dict[str, Any]:
    """`first_use` in fresh interpreters, with and without a bytecode cache."""
    results: dict[str, Any] = {"target_ms": 50}
    with emulator_process() as (connection, _):
        # the first cached run writes the cache (and is not reported); the next one reads it
        for name, cached in (("writing_cache", True), ("bytecode_cached", True), ("no_bytecode_cache", False)):
            child = subprocess.run(
                [sys.executable, __file__, "--first-use-child"],
                input=json.dumps({"connection": connection}),
                capture_output=True,
                text=True,
                check=True,
                env=bytecode_env(cache, cached=cached),
            )
            results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    del results["writing_cache"]
    return results


def deferred_waits(waits: int, reads: int, interval: float, cache: str, kind: str = "workflow") -> dict[str, Any]:
    """`waits` deferred waits of one workspace and date (or of one data-quality scan), each finishing after `reads`
    polls: by reads of workflow instances, by time for scan runs (a shared poll's list answer is no Get read)."""
    results: dict[str, Any] = {"kind": kind, "waits": waits, "reads_per_instance": reads, "poll_interval_s": interval}
    for mode in ("alone", "shared"):
        with emulator_process() as (connection, control):
            if kind == "data_quality":
                control.add_data_quality_scan(id=301, name="bench_quality", listing_delay=0)
                ids = [
                    control.add_data_quality_scan_run(
                        301, statuses=["Running", "Pass"], advance=CHILD_START_S + max(reads - 1, 1) * interval
                    )
                    for _ in range(waits)
                ]
            else:
                statuses = ["Running"] * (reads - 1) + ["Success"]
                ids = [
                    control.add_workflow_instance(workflow_id=1, name=f"w{n}", biz_date="2026-11-27", statuses=statuses)
                    for n in range(waits)
                ]
            control.reset_calls()
            child = subprocess.run(
                [sys.executable, __file__, "--waits-child", mode, "--interval", str(interval), "--kind", kind],
                input=json.dumps({"connection": connection, "ids": ids}),
                capture_output=True,
                text=True,
                check=True,
                env={**bytecode_env(cache, cached=True), "AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL": str(interval)},
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            made = control.calls()
            result["api_calls"] = len(made)
            result["api_calls_per_wait"] = round(len(made) / waits, 2)
            result["calls_by_action"] = {a: sum(c["action"] == a for c in made) for a in {c["action"] for c in made}}
            result["cpu_s_per_1000_polls"] = round(result["cpu_s"] / (waits * reads) * 1000, 3)
            results[mode] = result
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7, help="fresh interpreters per import measurement")
    parser.add_argument("--calls", type=int, default=300, help="interleaved status checks per client")
    parser.add_argument("--waits", type=int, default=1000, help="deferred waits in one loop")
    parser.add_argument("--reads", type=int, default=3, help="reads until each instance finishes")
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval of the waits (s)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--quality-waits", type=int, default=200, help="deferred waits on data-quality scan runs")
    parser.add_argument("--waits-child", choices=("alone", "shared"), help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("workflow", "data_quality"), default="workflow", help=argparse.SUPPRESS)
    parser.add_argument("--first-use-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    if args.waits_child:
        given = json.loads(sys.stdin.read())
        result = asyncio.run(
            waits_in_one_loop(given["connection"], given["ids"], args.waits_child == "shared", args.interval, args.kind)
        )
        print(json.dumps(result))
        return 0
    if args.first_use_child:
        print(json.dumps(asyncio.run(first_use(json.loads(sys.stdin.read())["connection"]))))
        return 0

    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ("apache-airflow", "alibabacloud-dataworks-public20240518")},
        "bytecode_cache": "off (PYTHONDONTWRITEBYTECODE)" if sys.dont_write_bytecode else "on",
        "import": import_cost(args.repeats),
        "status_check": status_check(args.calls),
    }
    with tempfile.TemporaryDirectory() as cache:
        results["first_use"] = first_use_stalls(cache)
        results["deferred_waits"] = deferred_waits(args.waits, args.reads, args.interval, cache)
        results["data_quality_waits"] = deferred_waits(
            args.quality_waits, args.reads, args.interval, cache, kind="data_quality"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
