"""The emulator is a distribution of its own: it imports nothing of the provider, and importing it stays cheap."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import dataworks_emulator

PACKAGE_DIR = Path(dataworks_emulator.__file__).parent
PROVIDER = "airflow_provider_dataworks"


def test_the_emulator_imports_nothing_from_the_provider() -> None:
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(sources) > 10, sources  # the package itself, not an empty folder
    offenders = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(PACKAGE_DIR)}: {name}" for name in names if name.startswith(PROVIDER)]
    assert offenders == []


#: Imports every module of the emulator, then reports which of the provider's and aiohttp's modules got loaded.
PROBE = """
import importlib, json, pkgutil, sys
import dataworks_emulator as root
cheap = sorted(m for m in sys.modules if m.split(".")[0] == "aiohttp")
for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
    importlib.import_module(info.name)
provider = sorted(m for m in sys.modules if m.split(".")[0] == "airflow_provider_dataworks")
print(json.dumps({"aiohttp_at_import": cheap, "provider": provider}))
"""


def test_loading_every_emulator_module_loads_no_provider_module() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"aiohttp_at_import": [], "provider": []}
