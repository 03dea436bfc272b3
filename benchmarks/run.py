"""Reproducible measurements of the provider; `./dev bench` writes them to benchmarks/results/latest.json.

- import: what a DAG file pays to import the provider after `import airflow.sdk` (median of fresh interpreters);
- status_check: one GetWorkflowInstance through the hook vs a bare SDK client, interleaved, same emulator;
- first_use: the longest event-loop stall while the first wait of a fresh process loads the SDK, with and without
  bytecode, and how much of it was the interpreter's full garbage collections (observed, never changed);
- deferred_waits: many trigger waits in one event loop: event-loop lag, memory and CPU per wait, API calls per wait.
  An ablation: with every mechanism the provider keeps for many waits, and with each of them switched off in turn
  (by monkeypatching in the benchmark's child process: the provider has no switches), so each one's share is
  printed. Each mode runs in a fresh interpreter against an emulator in its own process (its CPU is not the
  provider's);
- sparse_waits: a few waits starting over one poll interval, with and without clock alignment: what lets waits
  that started apart share their polls (the 1,000 waits start together, so they share without it);
- data_quality_waits: deferred waits on data-quality scan runs of one scan, with and without shared polling (shared
  polls read the scan's runs of the day with one ListDataQualityScanRuns per round).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
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
#: Sections of a run (`--only` picks some).
SECTIONS = ("import", "status_check", "first_use", "deferred_waits", "sparse_waits", "data_quality_waits")


def _no_shared_polling() -> None:
    from airflow_provider_dataworks.waits import polling

    polling.SharedReader.learn = lambda self, instance: None  # type: ignore[method-assign]  # every read its own Get


def _no_fanout_slicing() -> None:
    from airflow_provider_dataworks.utils import fanout

    fanout.SLICE = 10**9  # every waiter of a shared result wakes in the same loop iteration


def _no_clock_alignment() -> None:
    from airflow_provider_dataworks.waits import loop

    loop.aligned_delay = lambda interval, now=None: interval  # each wait sleeps its own interval


def _no_one_lookup_at_a_time() -> None:
    from airflow_provider_dataworks.hooks import dataworks

    dataworks._one_lookup_at_a_time = lambda key, lookup: lookup()  # type: ignore[assignment,return-value]  # each its own


def _no_call_slots() -> None:
    from airflow_provider_dataworks.hooks import dataworks

    class Unlimited:  # every call builds its retry state and queues its future for a pool thread at once
        async def __aenter__(self) -> Unlimited:
            return self

        async def __aexit__(self, *exc_info: object) -> None:
            return None

        sleep = staticmethod(asyncio.sleep)

    dataworks.CallSlot = Unlimited  # type: ignore[assignment,misc]


#: What the provider does for many waits in one loop, and how the ablation switches each off in its child process.
MECHANISMS: dict[str, Any] = {
    "shared_polling": _no_shared_polling,
    "fanout_slicing": _no_fanout_slicing,
    "clock_alignment": _no_clock_alignment,
    "one_lookup_at_a_time": _no_one_lookup_at_a_time,
    "call_slots": _no_call_slots,
}

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


class LoopWatch:
    """Event-loop lag (a task sleeping `tick` s at a time) and the interpreter's full garbage collections meanwhile,
    observed through `gc.callbacks` (the collector itself is left as it is)."""

    def __init__(self, tick: float) -> None:
        self.tick = tick
        self.samples: list[tuple[float, float]] = []
        self.collections: list[tuple[float, float]] = []
        self._started: list[float] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._paused: list[tuple[float, float]] = []

    def _watch(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._started.append(time.perf_counter())
            elif self._started:
                self.collections.append((self._started.pop(), time.perf_counter()))

    async def _probe(self) -> None:
        while not self._stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.samples.append((before, time.perf_counter()))

    def start(self) -> None:
        self._task = asyncio.create_task(self._probe())
        gc.callbacks.append(self._watch)

    def reset(self) -> None:
        self.samples.clear()
        self.collections.clear()

    def count_objects(self) -> int:
        """The objects the collector tracks now; the samples this count stalls are dropped (it is the benchmark's)."""
        begin = time.perf_counter()
        count = len(gc.get_objects())
        self._paused.append((begin, time.perf_counter()))
        return count

    async def stop(self) -> None:
        gc.callbacks.remove(self._watch)
        self._stop.set()
        assert self._task is not None
        await self._task

    def lags(self, outside_collections: bool = False) -> list[float]:
        """Sorted lags (s); `outside_collections`: less the time full collections took within each sample."""
        found = []
        for begin, end in self.samples:
            if any(b < end and e > begin for b, e in self._paused):
                continue
            lag = end - begin - self.tick
            if outside_collections:
                lag -= sum(max(0.0, min(end, e) - max(begin, b)) for b, e in self.collections)
            found.append(lag)
        return sorted(found)

    def report(self) -> dict[str, Any]:
        lags, own = self.lags(), self.lags(outside_collections=True)
        return {
            "loop_lag_p50_ms": round(lags[len(lags) // 2] * 1000, 2),
            "loop_lag_p99_ms": round(lags[int(len(lags) * 0.99)] * 1000, 2),
            "loop_lag_max_ms": round(lags[-1] * 1000, 2),
            "full_collections_ms": [round((e - b) * 1000, 1) for b, e in self.collections],
            "loop_lag_max_outside_full_collections_ms": round(own[-1] * 1000, 2),
        }


async def first_event(trigger: Any, delay: float) -> Any:
    """The first event `trigger` fires, its run starting `delay` seconds from now."""
    await asyncio.sleep(delay)
    return await anext(trigger.run())


async def waits_in_one_loop(
    connection: str,
    ids: list[int],
    switched_off: str | None,
    interval: float,
    kind: str = "workflow",
    stagger: float = 0.0,
) -> dict[str, Any]:
    """Run one trigger per instance (or scan run) on this loop until all fire; measure loop lag, memory and CPU.
    `switched_off` names a mechanism (of MECHANISMS) to switch off in this process first; the triggers are
    created one per loop iteration, as Airflow's triggerer creates them (`create_triggers`): all at once (as after a
    triggerer restart), or their runs spread evenly over `stagger` seconds."""
    os.environ[f"AIRFLOW_CONN_{BENCH_CONN.upper()}"] = connection
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.triggers import dataworks as triggers_module

    trigger_class = (
        triggers_module.DataWorksDataQualityScanRunTrigger
        if kind == "data_quality"
        else triggers_module.DataWorksWorkflowInstanceTrigger
    )
    if switched_off:
        MECHANISMS[switched_off]()
    watch = LoopWatch(0.005)
    watch.start()
    await asyncio.sleep(0.1)
    await DataWorksHook(BENCH_CONN).aget_conn()  # first use: the SDK loads and the client is built, loop running
    watch.reset()  # the first use is measured on its own (first_use)
    base_rss, peak_rss = rss_kb(), 0
    base_objects, waiting_objects = watch.count_objects(), None
    cpu, wall = time.process_time(), time.perf_counter()
    triggers, runs = [], []
    for n, instance_id in enumerate(ids):  # as Airflow's triggerer creates them: one per loop iteration
        await asyncio.sleep(0)
        triggers.append(
            trigger_class([instance_id], time.time() + 600, dataworks_conn_id=BENCH_CONN, poll_interval=interval)
        )
        await asyncio.sleep(0)
        runs.append(asyncio.create_task(first_event(triggers[-1], stagger * n / len(ids))))
    created = time.perf_counter()
    while not all(r.done() for r in runs):
        peak_rss = max(peak_rss, rss_kb())
        if waiting_objects is None and time.perf_counter() - created > stagger + interval * 0.6:
            waiting_objects = watch.count_objects()  # between the first and the second poll: every wait waiting
        await asyncio.sleep(0.5)
    events = [r.result().payload for r in runs]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await watch.stop()
    return {
        "events": {status: sum(e["status"] == status for e in events) for status in {e["status"] for e in events}},
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 2),
        **watch.report(),
        "kb_per_wait": round((peak_rss - base_rss) / len(ids), 1),
        "objects_before_waits": base_objects,
        "objects_per_waiting_wait": (
            None if waiting_objects is None else round((waiting_objects - base_objects) / len(ids), 1)
        ),
        "api_calls_by_trigger_logs": round(sum(t.api_calls() for t in triggers), 1),
    }


def bytecode_env(cache: str, *, cached: bool) -> dict[str, str]:
    """Environment of a child interpreter with a bytecode cache in `cache` (as installers write it), or with none."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache if cached else os.path.join(cache, "unused")
    if not cached:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


async def first_use(connection: str, triggerer_sized: bool) -> dict[str, Any]:
    """Longest event-loop stall while the first DataWorks wait of a process loads the SDK and builds its client, and
    the full garbage collections that ran meanwhile.

    `triggerer_sized`: the process first imports what a triggerer holds (Airflow's triggerer job runner, whose
    process forks the one that runs the triggers), so a full collection walks as many objects as it would there.
    """
    os.environ[f"AIRFLOW_CONN_{BENCH_CONN.upper()}"] = connection
    if triggerer_sized:
        import airflow.jobs.triggerer_job_runner  # noqa: F401
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    objects = len(gc.get_objects())
    watch = LoopWatch(0.002)
    watch.start()
    await asyncio.sleep(0.1)
    watch.reset()
    start = time.perf_counter()
    await DataWorksHook(BENCH_CONN).aget_conn()
    took = time.perf_counter() - start
    await watch.stop()
    report = watch.report()
    gc.collect()  # the measurement is over: what the load keeps, without its garbage
    kept = len(gc.get_objects()) - objects
    return {
        "max_loop_lag_ms": round(report["loop_lag_max_ms"], 1),
        "full_collections_ms": report["full_collections_ms"],
        "max_loop_lag_outside_full_collections_ms": round(report["loop_lag_max_outside_full_collections_ms"], 1),
        "objects_before": objects,
        "objects_the_load_keeps": kept,
        "load_s": round(took, 2),
    }


def first_use_stalls(cache: str) -> dict[str, Any]:
    """`first_use` in fresh interpreters: with a bytecode cache (as installers write it) in a bare process and in a
    triggerer-sized one, and without a cache."""
    results: dict[str, Any] = {"target_ms": 50}
    runs = (
        ("writing_cache", True, False),  # writes the cache (not reported); the next ones read it
        ("bytecode_cached", True, False),
        ("bytecode_cached_triggerer_sized", True, True),
        ("no_bytecode_cache", False, False),
    )
    with emulator_process() as (connection, _):
        for name, cached, sized in runs:
            child = subprocess.run(
                [sys.executable, __file__, "--first-use-child", *(["--triggerer-sized"] if sized else [])],
                input=json.dumps({"connection": connection}),
                capture_output=True,
                text=True,
                check=True,
                env=bytecode_env(cache, cached=cached),
            )
            results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    del results["writing_cache"]
    return results


def deferred_waits(
    waits: int,
    reads: int,
    interval: float,
    cache: str,
    kind: str = "workflow",
    switch_off: tuple[str, ...] = (),
    stagger: float = 0.0,
) -> dict[str, Any]:
    """`waits` deferred waits of one workspace and date (or of one data-quality scan), each finishing after `reads`
    polls: by reads of workflow instances, by time for scan runs (a shared poll's list answer is no Get read). Run
    with every mechanism (`all`), then with each of `switch_off` switched off in turn (`without_<mechanism>`). The
    waits start at once, or spread evenly over `stagger` seconds."""
    results: dict[str, Any] = {
        "kind": kind,
        "waits": waits,
        "reads_per_instance": reads,
        "poll_interval_s": interval,
        "starts_spread_over_s": stagger,
    }
    modes: dict[str, Any] = {}
    for off in (None, *switch_off):
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
                [
                    sys.executable,
                    __file__,
                    "--waits-child",
                    *(["--switch-off", off] if off else []),
                    "--interval",
                    str(interval),
                    "--kind",
                    kind,
                    "--stagger",
                    str(stagger),
                ],
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
            result["api_calls_per_wait_and_poll"] = round(len(made) / (waits * reads), 2)
            result["calls_by_action"] = {a: sum(c["action"] == a for c in made) for a in {c["action"] for c in made}}
            result["cpu_s_per_1000_polls"] = round(result["cpu_s"] / (waits * reads) * 1000, 3)
            modes[f"without_{off}" if off else "all"] = result
    results["modes"] = modes
    return results


def ablation_table(results: dict[str, Any]) -> str:
    """The modes of a `deferred_waits` result as a text table."""
    head = (
        f"{'mode':<30}{'max lag ms':>11}{'p99 ms':>8}{'outside full GC':>16}{'full GCs ms':>18}"
        f"{'calls/wait':>11}{'calls/wait/poll':>16}{'cpu s':>7}"
    )
    spread = results["starts_spread_over_s"]
    starts = f"starting over {spread:g} s" if spread else "starting at once"
    title = f"{results['waits']} {results['kind']} waits, {starts}, {results['reads_per_instance']} polls each:"
    lines = [title, head]
    for mode, r in results["modes"].items():
        lines.append(
            f"{mode:<30}{r['loop_lag_max_ms']:>11}{r['loop_lag_p99_ms']:>8}"
            f"{r['loop_lag_max_outside_full_collections_ms']:>16}{_rounded(r['full_collections_ms']):>18}"
            f"{r['api_calls_per_wait']:>11}{r['api_calls_per_wait_and_poll']:>16}{r['cpu_s']:>7}"
        )
    return "\n".join(lines)


def _rounded(values: list[float]) -> str:
    return " ".join(str(round(v)) for v in values) or "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7, help="fresh interpreters per import measurement")
    parser.add_argument("--calls", type=int, default=300, help="interleaved status checks per client")
    parser.add_argument("--waits", type=int, default=1000, help="deferred waits in one loop")
    parser.add_argument("--reads", type=int, default=3, help="reads until each instance finishes")
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval of the waits (s)")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--quality-waits", type=int, default=200, help="deferred waits on data-quality scan runs")
    parser.add_argument("--sparse-waits", type=int, default=20, help="waits starting over one poll interval")
    parser.add_argument(
        "--ablate", help=f"comma-separated mechanisms to switch off in turn (default: all of {', '.join(MECHANISMS)})"
    )
    parser.add_argument("--only", help=f"comma-separated sections to run (default: all of {', '.join(SECTIONS)})")
    parser.add_argument("--waits-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--switch-off", choices=tuple(MECHANISMS), help=argparse.SUPPRESS)
    parser.add_argument("--stagger", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("workflow", "data_quality"), default="workflow", help=argparse.SUPPRESS)
    parser.add_argument("--first-use-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--triggerer-sized", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    if args.waits_child:
        given = json.loads(sys.stdin.read())
        result = asyncio.run(
            waits_in_one_loop(
                given["connection"], given["ids"], args.switch_off, args.interval, args.kind, args.stagger
            )
        )
        print(json.dumps(result))
        return 0
    if args.first_use_child:
        connection = json.loads(sys.stdin.read())["connection"]
        print(json.dumps(asyncio.run(first_use(connection, args.triggerer_sized))))
        return 0
    sections = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    ablated = tuple(args.ablate.split(",")) if args.ablate is not None else tuple(MECHANISMS)
    if set(ablated) - set(MECHANISMS) - {""}:
        parser.error(
            f"unknown mechanisms {sorted(set(ablated) - set(MECHANISMS))}; choose from {', '.join(MECHANISMS)}"
        )
    ablated = tuple(m for m in ablated if m)

    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ("apache-airflow", "alibabacloud-dataworks-public20240518")},
        "bytecode_cache": "off (PYTHONDONTWRITEBYTECODE)" if sys.dont_write_bytecode else "on",
    }
    if "import" in sections:
        results["import"] = import_cost(args.repeats)
    if "status_check" in sections:
        results["status_check"] = status_check(args.calls)
    with tempfile.TemporaryDirectory() as cache:
        if "first_use" in sections:
            results["first_use"] = first_use_stalls(cache)
        if "deferred_waits" in sections:
            results["deferred_waits"] = deferred_waits(args.waits, args.reads, args.interval, cache, switch_off=ablated)
        if "sparse_waits" in sections:
            # fewer waits than batch windows in an interval, as 1,000 waits polling every 5 minutes arrive
            results["sparse_waits"] = deferred_waits(
                args.sparse_waits,
                args.reads,
                args.interval,
                cache,
                switch_off=("clock_alignment",),
                stagger=args.interval,
            )
        if "data_quality_waits" in sections:
            results["data_quality_waits"] = deferred_waits(
                args.quality_waits, args.reads, args.interval, cache, "data_quality", ("shared_polling",)
            )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    for name in ("deferred_waits", "sparse_waits", "data_quality_waits"):
        if name in results:
            print(f"\n{ablation_table(results[name])}")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
