"""The release artifacts of both distributions, the provider and the emulator: sdist and wheel build, pass
`twine check`, the provider wheel carries only the emulator's import shim, and the wheels work installed on their own.

The wheels go into a fresh virtualenv (stdlib venv, pip from ensurepip, no downloads) that sees this test run's
Airflow and dependencies through a path file, so the check runs next to whichever Airflow line runs the suite.
"""

from __future__ import annotations

import json
import os
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
EMULATOR_DIST_INFO = f"dataworks_emulator-{EMULATOR_VERSION}.dist-info"


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


def test_the_provider_artifacts_carry_only_the_emulator_shim(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"airflow_provider_dataworks-{VERSION}.dist-info/entry_points.txt").decode()
    assert {n for n in names if "emulator" in n} == {"airflow_provider_dataworks/emulator/__init__.py"}
    assert "pytest11" not in entry_points
    assert "console_scripts" not in entry_points
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        members = tf.getnames()
    assert not any("dataworks_emulator" in n or "dataworks-emulator" in n for n in members)


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
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", *wheels, cwd=tmp_path)
    # Airflow and the dependencies come from this run's environment, after the venv's own packages (the path file
    # adds its directories only, not their own path files: this checkout's editable installs stay out of sight).
    venv_site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip()
    Path(venv_site, "outer-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    return python, venv_site, env


def test_the_installed_wheel_registers_with_airflow(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    python, venv_site, env = fresh_venv(tmp_path, wheel)
    module_file = run(python, "-c", "import airflow_provider_dataworks as p; print(p.__file__)", cwd=tmp_path, env=env)
    assert module_file.startswith(venv_site), module_file  # the wheel's copy, not this checkout
    providers = json.loads(run(python, "-m", "airflow", "providers", "list", "-o", "json", cwd=tmp_path, env=env))
    mine = [p for p in providers if p["package_name"] == "airflow-provider-dataworks"]
    assert [p["version"] for p in mine] == [VERSION]


def test_without_the_emulator_the_shim_names_the_extra(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    python, _, env = fresh_venv(tmp_path, wheel)
    probe = "from airflow_provider_dataworks.emulator import DataWorksEmulator"
    result = subprocess.run([python, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ImportError: The DataWorks emulator is not installed: "
        "install airflow-provider-dataworks[emulator] (or dataworks-emulator)."
    )


def test_the_installed_emulator_wheel_serves_its_command_and_the_shim(
    dist: Path, emulator_dist: Path, tmp_path: Path
) -> None:
    wheels = [*dist.glob("*.whl"), *emulator_dist.glob("*.whl")]
    python, venv_site, env = fresh_venv(tmp_path, *wheels)
    probe = (
        "import airflow_provider_dataworks.emulator as shim, dataworks_emulator as emulator; "
        "assert shim.DataWorksEmulator is emulator.DataWorksEmulator; print(emulator.__file__)"
    )
    assert run(python, "-c", probe, cwd=tmp_path, env=env).startswith(venv_site)
    command = python.parent / "dataworks-emulator"
    printed = run(command, "--scenario", "demo", "--port", "8765", "--print-connection", cwd=tmp_path, env=env)
    assert json.loads(printed)["conn_type"] == "dataworks"
