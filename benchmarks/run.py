"""Reproducible measurements of the provider; `./dev bench` writes them to benchmarks/results/latest.json.

- import cost: what a DAG file pays to import the provider (must stay free of the DataWorks SDK), vs the SDK;
- polling: the SDK's native async calls vs the hook's thread offload of the blocking client, for many concurrent waits
  against the local emulator, measuring throughput and how long the event loop was blocked (loop lag).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def import_seconds(statement: str, repeats: int) -> dict[str, float]:
    """Median wall time of a fresh interpreter running `statement` (minus a bare interpreter)."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        return time.perf_counter() - start

    bare = statistics.median(run("pass") for _ in range(repeats))
    full = statistics.median(run(statement) for _ in range(repeats))
    return {"median_s": round(full, 3), "over_bare_interpreter_s": round(full - bare, 3)}


async def loop_lag_probe(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    """Sleep in small steps and record how late each wake-up was: blocking work on the loop shows up here."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - before - interval)


async def native_async_get(hook: Any, instance_id: int) -> Any:
    """The SDK's own aiohttp method, awaited on the loop (the alternative the hook does not use)."""
    from alibabacloud_dataworks_public20240518 import models

    request = models.GetWorkflowInstanceRequest(id=instance_id)
    return (await hook.get_conn().get_workflow_instance_async(request)).body.workflow_instance


async def poll_many(mode: str, hook: Any, instance_ids: list[int], rounds: int) -> dict[str, float]:
    """`rounds` polls of every instance concurrently: the SDK's native async, or the hook's thread offload."""
    stop, lags = asyncio.Event(), []
    probe = asyncio.create_task(loop_lag_probe(stop, lags))
    start = time.perf_counter()
    for _ in range(rounds):
        if mode == "sdk_native_async":
            await asyncio.gather(*(native_async_get(hook, i) for i in instance_ids))
        else:
            await asyncio.gather(*(hook.aget_workflow_instance(i) for i in instance_ids))
    elapsed = time.perf_counter() - start
    stop.set()
    await probe
    calls = rounds * len(instance_ids)
    return {
        "calls": calls,
        "calls_per_s": round(calls / elapsed, 1),
        "loop_lag_p50_ms": round(statistics.median(lags) * 1000, 2),
        "loop_lag_max_ms": round(max(lags) * 1000, 2),
    }


def polling(concurrency: int, rounds: int) -> dict[str, Any]:
    from airflow_provider_dataworks.emulator import DataWorksEmulator
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    results: dict[str, Any] = {"concurrent_instances": concurrency, "rounds": rounds}
    with DataWorksEmulator() as emulator:
        ids = [
            emulator.add_workflow_instance(workflow_id=1, name=f"i{n}", biz_date="2026-11-27", statuses=["Running"])
            for n in range(concurrency)
        ]
        os.environ["AIRFLOW_CONN_DATAWORKS_BENCH"] = emulator.connection_json()
        for mode in ("sdk_native_async", "hook_thread_offload"):
            hook = DataWorksHook("dataworks_bench")
            hook.get_conn()
            asyncio.run(poll_many(mode, hook, ids[:2], 1))  # warm up pools and imports
            results[mode] = asyncio.run(poll_many(mode, hook, ids, rounds))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="interpreter starts per import measurement")
    parser.add_argument("--concurrency", type=int, default=50, help="instances polled at once")
    parser.add_argument("--rounds", type=int, default=5, help="poll rounds per mode")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()
    os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")

    provider_modules = "; ".join(
        f"import airflow_provider_dataworks.{m}.dataworks" for m in ("hooks", "sensors", "operators", "triggers")
    )
    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "import": {
            "airflow_sdk_only": import_seconds("import airflow.sdk", args.repeats),
            "provider_modules": import_seconds(
                f"import airflow.sdk; {provider_modules}; import sys; "
                "assert 'alibabacloud_dataworks_public20240518' not in sys.modules",
                args.repeats,
            ),
            "dataworks_sdk_client": import_seconds("import alibabacloud_dataworks_public20240518.client", args.repeats),
        },
        "polling": polling(args.concurrency, args.rounds),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
