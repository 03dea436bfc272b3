"""The README's quickstart, run as written: its shell block in a fresh Airflow home and a clean environment.

What a newcomer types after the install (clone, virtualenv, `pip install ./dataworks-emulator .`: here the checkout
and this test's own environment) runs unchanged, with one substitution: the emulator's port, a free one instead of
8765, so that runs in parallel do not meet. Nothing else is set: no AIRFLOW_* or DATAWORKS_* variable of the test
suite reaches it, so a step the README does not name cannot be what makes it pass.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INSTALL = "pip install ./dataworks-emulator ."


def quickstart_commands() -> list[str]:
    """The lines of the first shell block under the README's "Quickstart" heading."""
    section = README.read_text().split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README has no bash block under 'Quickstart'"
    return match.group(1).strip().splitlines()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_quickstart_names_every_step() -> None:
    commands = quickstart_commands()
    text = "\n".join(commands)
    steps = [
        "git clone",
        "python3 -m venv",
        INSTALL,
        "airflow db migrate",
        "dataworks-emulator --scenario examples &",
        "--print-connection",
        "airflow dags test example_",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions), "the quickstart's steps are out of order"


def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    commands = quickstart_commands()
    installed = next(i for i, line in enumerate(commands) if line.startswith(INSTALL))
    port = free_port()
    after_install = [
        re.sub(r"\bdataworks-emulator\b", f"dataworks-emulator --port {port}", line)
        for line in commands[installed + 1 :]
    ]
    script = "\n".join(["set -euo pipefail", *after_install])
    venv_bin = str(Path(sys.executable).parent)  # where `pip install ./dataworks-emulator .` put the commands
    env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    if "PYTHONPATH" in os.environ:  # only where the suite itself runs with one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=ROOT,  # after `git clone ... && cd airflow-provider-dataworks`
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=280)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the emulator, if the script did not get to stop it
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output[-5000:]
    assert (tmp_path / "dataworks-quickstart" / "airflow" / "airflow.db").exists()  # where the README put Airflow
    assert "Pulled from XCom: DataWorks workflow instance 1001 (ods_orders_daily) of workflow 500 is Success" in output
    assert re.search(r"Pulled from XCom: DataWorks workflow instance \d+ \(dws_sales_daily\) of workflow 501", output)
    for shown in re.findall(r"^Pulled from XCom: .*$", README.read_text(), re.M):  # what README says it prints
        pattern = re.escape(shown).replace(r"\.\.\.", ".*")
        assert re.search(pattern, output), shown
