"""Importing the provider (as Airflow does at DAG parse time) loads declarations only: never the DataWorks SDK, nor
what only a running task needs; loading the SDK later changes nothing process-wide."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from airflow_compat import AIRFLOW_3

SDK_PACKAGES = ("alibabacloud_dataworks_public20240518", "alibabacloud_tea_openapi", "alibabacloud_credentials")

#: Imports the provider's top-level modules and every module of its subpackages, then reports.
PROBE = f"""
import importlib, json, pkgutil, sys
import airflow
import airflow_provider_dataworks as root
imported = []
# Airflow 2 has no event-driven scheduling: that module refuses to import there (tested on its own).
skip = {{"airflow_provider_dataworks.triggers.event"}} if airflow.__version__.startswith("2.") else set()
for info in pkgutil.iter_modules(root.__path__, root.__name__ + "."):
    if not info.ispkg:
        importlib.import_module(info.name)
        imported.append(info.name)
for sub in ("hooks", "sensors", "operators", "triggers", "links", "waits", "runs", "utils"):
    package = importlib.import_module(f"{{root.__name__}}.{{sub}}")
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name in skip:
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
prefixes = {SDK_PACKAGES!r}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in prefixes)
print(json.dumps({{"imported": imported, "sdk": loaded}}))
"""


def test_importing_the_provider_leaves_the_sdk_unloaded() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for module in (
        "airflow_provider_dataworks.hooks.dataworks",
        "airflow_provider_dataworks.hooks.connection",
        "airflow_provider_dataworks.hooks.errors",
        "airflow_provider_dataworks.sensors.dataworks",
        "airflow_provider_dataworks.operators.dataworks",
        "airflow_provider_dataworks.triggers.dataworks",
        "airflow_provider_dataworks.links.dataworks",
        "airflow_provider_dataworks.waits.loop",
    ):
        assert module in report["imported"]
    assert report["sdk"] == []


#: Loads the SDK the way triggers do (five first uses at once on one loop), and reports what got imported and
#: what the garbage collector looks like before and after.
LOADER_PROBE = """
import asyncio, gc, json, sys, threading
from airflow_provider_dataworks.hooks import sdk_loader
collector = lambda: [gc.isenabled(), gc.get_freeze_count(), list(gc.get_threshold())]
before = collector()
loads = []
real_import = sdk_loader._import
def counted():
    loads.append(threading.current_thread().name)
    real_import()
sdk_loader._import = counted
async def main():
    await asyncio.gather(*(sdk_loader.aload_sdk() for _ in range(5)))
asyncio.run(main())
client = sys.modules[sdk_loader.CLIENT_MODULE]
import alibabacloud_dataworks_public20240518 as package
print(json.dumps({"loads": loads, "origin": client.__spec__.origin, "same": package.client is client,
                  "has_get": hasattr(client.Client, "get_workflow_instance"), "gc": [before, collector()]}))
"""


def test_the_sdk_client_is_imported_whole_once_in_a_worker_thread_leaving_the_collector_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADER_PROBE], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["loads"]) == 1 and report["loads"][0].startswith("dataworks-sdk")  # five first uses, one load
    assert report["origin"].endswith("alibabacloud_dataworks_public20240518/client.py")
    assert report["same"] and report["has_get"]
    before, after = report["gc"]
    assert before == after  # no process-wide side effect: collector on, nothing frozen, thresholds as they were


#: What a DAG file imports: every public operator and sensor module; reports the provider modules that loaded.
PARSE_PROBE = """
import json, sys
import airflow
if not airflow.__version__.startswith("2."):
    import airflow.sdk
before = set(sys.modules)
import airflow_provider_dataworks.sensors.dataworks, airflow_provider_dataworks.operators.dataworks
import airflow_provider_dataworks.operators.trigger_node, airflow_provider_dataworks.operators.data_quality
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith("airflow_provider_dataworks"))))
"""
#: What runs a task, never what declares one: none of it loads when a DAG file is parsed.
RUNTIME_MODULES = (
    "airflow_provider_dataworks.hooks",
    "airflow_provider_dataworks.runs",
    "airflow_provider_dataworks.triggers",
    "airflow_provider_dataworks.waits.loop",
    "airflow_provider_dataworks.waits.polling",
    "airflow_provider_dataworks.waits.outcome",
    "airflow_provider_dataworks.waits.failures",
    "airflow_provider_dataworks.waits.quality",
    "airflow_provider_dataworks.waits.reachability",
    "airflow_provider_dataworks.utils.fanout",
)


def test_a_dag_file_loads_only_the_declarations() -> None:
    done = subprocess.run([sys.executable, "-c", PARSE_PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "airflow_provider_dataworks.sensors.dataworks" in loaded
    assert [m for m in loaded if m.startswith(RUNTIME_MODULES)] == []
    assert len(loaded) <= 22, loaded  # about 20 small modules: classes, constants, validation


def test_the_declared_defaults_are_the_ones_the_runtime_uses() -> None:
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.runs.scan_runs import ScanRunStarter
    from airflow_provider_dataworks.runs.starting import RunStarter
    from airflow_provider_dataworks.task_base import DEFAULT_CONN_ID

    assert DataWorksHook.default_conn_name == DEFAULT_CONN_ID
    # The creation timeouts' defaults live in the operators' modules only: a starter is always given one.
    for starter in (RunStarter, ScanRunStarter):
        (creation_timeout,) = [f for f in dataclasses.fields(starter) if f.name == "creation_timeout"]
        assert creation_timeout.default is dataclasses.MISSING, starter


DAG_FILE_PROBE = """
import json, sys
import airflow_provider_dataworks.sensors.dataworks, airflow_provider_dataworks.operators.dataworks
print(json.dumps("airflow.triggers.base" in sys.modules))
"""


@pytest.mark.skipif(not AIRFLOW_3, reason="Airflow 2's BaseSensorOperator imports airflow.triggers.base itself")
def test_a_dag_file_does_not_load_the_trigger_machinery() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DAG_FILE_PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False
