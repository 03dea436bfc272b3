"""Importing the provider (as Airflow does at DAG parse time) must not load the DataWorks SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from airflow_compat import AIRFLOW_3

if TYPE_CHECKING:
    from pathlib import Path

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


#: Loads the SDK the way a trigger does, with no bytecode cache, and reports what got imported.
LOADER_PROBE = """
import asyncio, json, sys
from airflow_provider_dataworks.hooks import sdk_loader
spawned = []
original = asyncio.create_subprocess_exec
async def spy(*args, **kwargs):
    spawned.append(args[-1])
    return await original(*args, **kwargs)
asyncio.create_subprocess_exec = spy
async def main():
    await asyncio.gather(*(sdk_loader.aload_sdk() for _ in range(5)))
asyncio.run(main())
client = sys.modules[sdk_loader.CLIENT_MODULE]
import alibabacloud_dataworks_public20240518 as package
print(json.dumps({"spawned": spawned, "origin": client.__spec__.origin, "same": package.client is client,
                  "has_get": hasattr(client.Client, "get_workflow_instance")}))
"""


def test_the_sdk_client_is_compiled_in_a_child_once_and_imported_whole(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", LOADER_PROBE], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["spawned"] == [report["origin"]]  # five concurrent first uses, one child compilation
    assert report["origin"].endswith("alibabacloud_dataworks_public20240518/client.py")
    assert report["same"] and report["has_get"]


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
