"""The release check of both distributions, the provider and the emulator: sdist and wheel build, carry the
Apache-2.0 LICENSE and its metadata, pass `twine check`, the provider's artifacts carry nothing of the emulator (its
sdist carries the emulator's package and tests), the provider wheel works alone, and the two wheels, installed into a
clean environment next to Airflow, import every public class from its one path, register with `airflow providers
list`, declare their settings to `airflow config` and serve the emulator command.

The wheels go into a fresh virtualenv (stdlib venv, pip from ensurepip, no downloads) that sees this test run's
Airflow and dependencies through a path file, so the check runs next to whichever Airflow line runs the suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from airflow_harness import AIRFLOW_3

import airflow_provider_dataworks
import dataworks_emulator

pytestmark = pytest.mark.timeout(300)

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION = airflow_provider_dataworks.__version__
EMULATOR_VERSION = dataworks_emulator.__version__
INFO = airflow_provider_dataworks.get_provider_info()
EMULATOR_DIST_INFO = f"dataworks_emulator-{EMULATOR_VERSION}.dist-info"
PROVIDER_DIST_INFO = f"airflow_provider_dataworks-{VERSION}.dist-info"
LICENSE = REPO_ROOT / "LICENSE"
#: MD5 of the Apache License 2.0 text as apache.org publishes it (https://www.apache.org/licenses/LICENSE-2.0.txt).
APACHE_2_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"


def run(*args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [os.fspath(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


def build(source: Path, out: Path) -> Path:
    # --no-isolation: the build backend comes from the locked environments, not from a download.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=out)
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(REPO_ROOT, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def emulator_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(REPO_ROOT / "dataworks-emulator", tmp_path_factory.mktemp("emulator-dist"))


def test_build_makes_an_sdist_and_a_wheel(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [
        f"airflow_provider_dataworks-{VERSION}-py3-none-any.whl",
        f"airflow_provider_dataworks-{VERSION}.tar.gz",
    ]


def test_the_emulator_builds_an_sdist_and_a_wheel(emulator_dist: Path) -> None:
    names = sorted(p.name for p in emulator_dist.iterdir())
    assert names == [
        f"dataworks_emulator-{EMULATOR_VERSION}-py3-none-any.whl",
        f"dataworks_emulator-{EMULATOR_VERSION}.tar.gz",
    ]


def test_the_repository_and_the_emulator_carry_the_apache_2_license_text() -> None:
    text = LICENSE.read_bytes()
    assert hashlib.md5(text).hexdigest() == APACHE_2_MD5  # the standard text, unchanged
    assert (REPO_ROOT / "dataworks-emulator" / "LICENSE").read_bytes() == text  # the emulator's sdist is built there


@pytest.mark.parametrize("which", ["provider", "emulator"])
def test_each_artifact_carries_the_license_and_says_apache_2(which: str, dist: Path, emulator_dist: Path) -> None:
    folder, dist_info = (dist, PROVIDER_DIST_INFO) if which == "provider" else (emulator_dist, EMULATOR_DIST_INFO)
    (wheel,) = folder.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(f"{dist_info}/licenses/LICENSE") == LICENSE.read_bytes()
        metadata = zf.read(f"{dist_info}/METADATA").decode()
    (sdist,) = folder.glob("*.tar.gz")
    root = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as tf:
        sdist_license = tf.extractfile(f"{root}/LICENSE")
        assert sdist_license is not None and sdist_license.read() == LICENSE.read_bytes()
        pkg_info = tf.extractfile(f"{root}/PKG-INFO")
        assert pkg_info is not None
        sdist_metadata = pkg_info.read().decode()
    for text in (metadata, sdist_metadata):
        assert "License-Expression: Apache-2.0" in text.splitlines()
        assert "License-File: LICENSE" in text.splitlines()


@pytest.mark.skipif(
    not AIRFLOW_3,
    reason="twine 7 (the first to accept metadata 2.5) needs rich>=14, which Airflow 2.11's FAB pins below; "
    "the release is checked on the locked Airflow 3 environment",
)
def test_twine_accepts_every_artifact(dist: Path, emulator_dist: Path) -> None:
    artifacts = sorted([*dist.iterdir(), *emulator_dist.iterdir()])
    output = run(sys.executable, "-m", "twine", "check", "--strict", *artifacts, cwd=dist)
    assert output.count("PASSED") == 4


def test_wheel_holds_the_package_data_and_entry_points(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"airflow_provider_dataworks-{VERSION}.dist-info/entry_points.txt").decode()
        metadata = zf.read(f"airflow_provider_dataworks-{VERSION}.dist-info/METADATA").decode()
    assert "airflow_provider_dataworks/py.typed" in names
    assert not any(n.startswith(("tests/", "example_dags/", "scripts/")) for n in names)
    assert "provider_info = airflow_provider_dataworks:get_provider_info" in entry_points
    assert "Provides-Extra: emulator" in metadata
    assert "Requires-Dist: dataworks-emulator; extra == 'emulator'" in metadata


def test_the_provider_artifacts_carry_nothing_of_the_emulator(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"airflow_provider_dataworks-{VERSION}.dist-info/entry_points.txt").decode()
    assert {n for n in names if "emulator" in n} == set()
    assert "pytest11" not in entry_points
    assert "console_scripts" not in entry_points
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        members = tf.getnames()
    assert not any("dataworks_emulator" in n or "dataworks-emulator" in n for n in members)


def test_the_emulator_sdist_carries_its_package_and_its_own_tests(emulator_dist: Path) -> None:
    (sdist,) = emulator_dist.glob("*.tar.gz")
    root = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as tf:
        members = {name.removeprefix(f"{root}/") for name in tf.getnames()}
    tests = {name for name in members if name.startswith("tests/") and name.endswith(".py")}
    assert {"tests/conftest.py", "tests/test_emulator_package.py", "tests/test_emulator_signing.py"} <= tests
    assert {"dataworks_emulator/__init__.py", "dataworks_emulator/scenarios/demo.yaml", "pyproject.toml"} <= members
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in members)


def test_the_emulator_wheel_holds_its_package_data_and_entry_points(emulator_dist: Path) -> None:
    (wheel,) = emulator_dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"{EMULATOR_DIST_INFO}/entry_points.txt").decode()
        metadata = zf.read(f"{EMULATOR_DIST_INFO}/METADATA").decode()
    assert {"dataworks_emulator/py.typed", "dataworks_emulator/scenarios/demo.yaml"} <= names
    assert all(n.startswith(("dataworks_emulator/", EMULATOR_DIST_INFO)) for n in names), sorted(names)
    assert "[pytest11]\ndataworks_emulator = dataworks_emulator.pytest_plugin" in entry_points
    assert "[console_scripts]\ndataworks-emulator = dataworks_emulator.cli:main" in entry_points
    assert "Requires-Python: >=3.11" in metadata
    assert {line for line in metadata.splitlines() if line.startswith("Requires-Dist:")} == {
        "Requires-Dist: aiohttp>=3.9",
        "Requires-Dist: pyyaml>=6",
    }


def fresh_venv(tmp_path: Path, *wheels: Path) -> tuple[Path, str, dict[str, str]]:
    """Install ``wheels`` alone into a new venv; return its python, its site-packages and the env to run it in."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    if wheels:
        pip = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index")
        run(python, *pip, *wheels, cwd=tmp_path)
    # Airflow and the dependencies come from this run's environment, after the venv's own packages (the path file
    # adds its directories only, not their own path files: this checkout's editable installs stay out of sight).
    venv_site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip()
    Path(venv_site, "outer-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    # A fresh Airflow home and configuration; no [dataworks] setting of this test run (it lowers the floor).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "AIRFLOW_CONFIG") and not k.startswith("AIRFLOW__DATAWORKS__")
    }
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    return python, venv_site, env


@pytest.fixture(scope="module")
def release_venv(dist: Path, emulator_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """Both wheels, installed together into a clean environment next to this run's Airflow."""
    return fresh_venv(tmp_path_factory.mktemp("release"), *dist.glob("*.whl"), *emulator_dist.glob("*.whl"))


#: Imports every class the wheels make public: those of the modules Airflow registers (get_provider_info), of the
#: public modules beside them, and the emulator's public names; prints {import path: defining file}.
PUBLIC_CLASSES_PROBE = """
import importlib, inspect, json
import airflow
import airflow_provider_dataworks as provider
import dataworks_emulator as emulator

info = provider.get_provider_info()
modules = {m for kind in ("hooks", "operators", "sensors", "triggers") for e in info[kind] for m in e["python-modules"]}
modules |= {link.rpartition(".")[0] for link in info["extra-links"]}
modules |= {c["hook-class-name"].rpartition(".")[0] for c in info["connection-types"]}
modules |= {f"airflow_provider_dataworks.{name}" for name in ("exceptions", "dates", "status")}
classes = {}
for name in sorted(modules):
    try:
        module = importlib.import_module(name)
    except ImportError:
        if name.endswith(".triggers.event") and airflow.__version__.startswith("2."):
            continue  # the AssetWatcher trigger, Airflow 3 only
        raise
    for attr, value in vars(module).items():
        if inspect.isclass(value) and value.__module__ == name and not attr.startswith("_"):
            classes[f"{name}.{attr}"] = inspect.getfile(value)
for attr in emulator.__all__:
    value = getattr(emulator, attr)
    if inspect.isclass(value):
        classes[f"dataworks_emulator.{attr}"] = inspect.getfile(value)
print(json.dumps(classes))
"""
#: Classes the README, the docs and the example DAGs name, by their one import path: the probe must find each.
DOCUMENTED_CLASSES = {
    "airflow_provider_dataworks.hooks.dataworks.DataWorksHook",
    "airflow_provider_dataworks.sensors.dataworks.DataWorksWorkflowInstanceSensor",
    "airflow_provider_dataworks.sensors.dataworks.DataWorksTaskInstanceSensor",
    "airflow_provider_dataworks.sensors.dataworks.DataWorksDataQualityScanRunSensor",
    "airflow_provider_dataworks.operators.dataworks.DataWorksGetWorkflowInstanceOperator",
    "airflow_provider_dataworks.operators.dataworks.DataWorksRunWorkflowOperator",
    "airflow_provider_dataworks.operators.trigger_node.DataWorksTriggerNodeOperator",
    "airflow_provider_dataworks.operators.data_quality.DataWorksDataQualityScanOperator",
    "airflow_provider_dataworks.triggers.dataworks.DataWorksWorkflowInstanceTrigger",
    "airflow_provider_dataworks.triggers.dataworks.DataWorksTaskInstanceTrigger",
    "airflow_provider_dataworks.triggers.dataworks.DataWorksDataQualityScanRunTrigger",
    "airflow_provider_dataworks.triggers.trigger_node.DataWorksTriggerNodeTrigger",
    *(["airflow_provider_dataworks.triggers.event.DataWorksWorkflowInstanceEventTrigger"] if AIRFLOW_3 else []),
    "airflow_provider_dataworks.links.dataworks.DataWorksConsoleLink",
    "airflow_provider_dataworks.exceptions.DataWorksConfigError",
    "dataworks_emulator.DataWorksEmulator",
    "dataworks_emulator.EmulatorControl",
}


def test_the_installed_wheels_import_every_public_class(release_venv: tuple[Path, str, dict], tmp_path: Path) -> None:
    python, venv_site, env = release_venv
    classes = json.loads(run(python, "-c", PUBLIC_CLASSES_PROBE, cwd=tmp_path, env=env).strip().splitlines()[-1])
    assert set(classes) >= DOCUMENTED_CLASSES, sorted(DOCUMENTED_CLASSES - set(classes))
    elsewhere = {name: file for name, file in classes.items() if not file.startswith(venv_site)}
    assert not elsewhere, elsewhere  # the wheels' copies, not this checkout


def test_the_installed_wheels_register_with_airflow(release_venv: tuple[Path, str, dict], tmp_path: Path) -> None:
    python, _, env = release_venv
    providers = json.loads(run(python, "-m", "airflow", "providers", "list", "-o", "json", cwd=tmp_path, env=env))
    mine = [p for p in providers if p["package_name"] == "airflow-provider-dataworks"]
    assert [p["version"] for p in mine] == [VERSION]
    floor = run(python, "-m", "airflow", "config", "get-value", "dataworks", "min_poll_interval", cwd=tmp_path, env=env)
    assert floor.strip() == "5"  # the declared default, from the wheel's provider info


def test_the_documented_install_from_wheels_resolves_the_extra_without_an_index(
    dist: Path, emulator_dist: Path, tmp_path: Path
) -> None:
    """README's `pip install "<provider wheel>[emulator]" <emulator wheel>`: both come from the built files, and every
    other requirement is met by the Airflow environment beside it (no package index is asked)."""
    (provider_wheel,) = dist.glob("*.whl")
    (emulator_wheel,) = emulator_dist.glob("*.whl")
    python, _, env = fresh_venv(tmp_path)
    report = run(
        python,
        *("-m", "pip", "install", "--dry-run", "--no-index", "--quiet", "--disable-pip-version-check", "--report", "-"),
        f"{provider_wheel}[emulator]",
        emulator_wheel,
        cwd=tmp_path,
        env=env,
    )
    installs = {item["metadata"]["name"]: item for item in json.loads(report)["install"]}
    assert set(installs) == {"airflow-provider-dataworks", "dataworks-emulator"}
    assert installs["airflow-provider-dataworks"]["download_info"]["url"] == provider_wheel.as_uri()
    assert installs["dataworks-emulator"]["download_info"]["url"] == emulator_wheel.as_uri()
    assert installs["airflow-provider-dataworks"]["requested_extras"] == ["emulator"]


#: Imports every module the provider registers with Airflow, then reports whether the emulator can be imported.
WITHOUT_EMULATOR_PROBE = """
import importlib, importlib.util, json
import airflow
import airflow_provider_dataworks as provider

info = provider.get_provider_info()
kinds = ("hooks", "operators", "sensors", "triggers")
modules = sorted({m for kind in kinds for e in info[kind] for m in e["python-modules"]})
for name in modules:
    if name.endswith(".triggers.event") and airflow.__version__.startswith("2."):
        continue  # the AssetWatcher trigger, Airflow 3 only
    importlib.import_module(name)
print(json.dumps({"modules": len(modules), "emulator": importlib.util.find_spec("dataworks_emulator") is not None}))
"""


def test_the_provider_wheel_alone_works_without_the_emulator(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    python, _, env = fresh_venv(tmp_path, wheel)
    report = json.loads(run(python, "-c", WITHOUT_EMULATOR_PROBE, cwd=tmp_path, env=env).strip().splitlines()[-1])
    registered = {
        m for kind in ("hooks", "operators", "sensors", "triggers") for e in INFO[kind] for m in e["python-modules"]
    }
    assert report == {"modules": len(registered), "emulator": False}


def test_the_installed_emulator_wheel_serves_its_package_and_command(
    release_venv: tuple[Path, str, dict], tmp_path: Path
) -> None:
    python, venv_site, env = release_venv
    probe = "import dataworks_emulator; print(dataworks_emulator.__file__)"
    assert run(python, "-c", probe, cwd=tmp_path, env=env).startswith(venv_site)
    command = python.parent / "dataworks-emulator"
    printed = run(command, "--scenario", "demo", "--port", "8765", "--print-connection", cwd=tmp_path, env=env)
    export, assignment = shlex.split(printed)
    name, _, value = assignment.partition("=")
    assert (export, name) == ("export", "AIRFLOW_CONN_DATAWORKS_DEFAULT")
    assert json.loads(value)["conn_type"] == "dataworks"
