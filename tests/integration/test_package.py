"""The release artifacts: sdist and wheel build, pass `twine check`, and the wheel registers with Airflow on its own.

The wheel goes into a fresh virtualenv (stdlib venv, pip from ensurepip, no downloads) that sees this test run's
Airflow and dependencies through a path file, so the check runs next to whichever Airflow line runs the suite.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from airflow_harness import AIRFLOW_3

import airflow_provider_dataworks

pytestmark = pytest.mark.timeout(300)

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION = airflow_provider_dataworks.__version__


def run(*args: str | os.PathLike[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [os.fspath(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend comes from the locked environments, not from a download.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, REPO_ROOT, cwd=out)
    return out


def test_build_makes_an_sdist_and_a_wheel(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [
        f"airflow_provider_dataworks-{VERSION}-py3-none-any.whl",
        f"airflow_provider_dataworks-{VERSION}.tar.gz",
    ]


@pytest.mark.skipif(
    not AIRFLOW_3,
    reason="twine 7 (the first to accept metadata 2.5) needs rich>=14, which Airflow 2.11's FAB pins below; "
    "the release is checked on the locked Airflow 3 environment",
)
def test_twine_accepts_both_artifacts(dist: Path) -> None:
    output = run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()), cwd=dist)
    assert output.count("PASSED") == 2


def test_wheel_holds_the_package_data_and_entry_points(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"airflow_provider_dataworks-{VERSION}.dist-info/entry_points.txt").decode()
    assert "airflow_provider_dataworks/py.typed" in names
    assert "airflow_provider_dataworks/emulator/scenarios/demo.yaml" in names
    assert not any(n.startswith(("tests/", "example_dags/", "scripts/")) for n in names)
    assert "provider_info = airflow_provider_dataworks:get_provider_info" in entry_points
    assert "dataworks_emulator = airflow_provider_dataworks.emulator.pytest_plugin" in entry_points


def test_the_installed_wheel_registers_with_airflow(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    # Airflow and the provider's dependencies come from this run's environment, after the venv's own packages.
    venv_site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip()
    Path(venv_site, "outer-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    module_file = run(python, "-c", "import airflow_provider_dataworks as p; print(p.__file__)", cwd=tmp_path, env=env)
    assert module_file.startswith(venv_site), module_file  # the wheel's copy, not this checkout
    providers = json.loads(run(python, "-m", "airflow", "providers", "list", "-o", "json", cwd=tmp_path, env=env))
    mine = [p for p in providers if p["package_name"] == "airflow-provider-dataworks"]
    assert [p["version"] for p in mine] == [VERSION]
