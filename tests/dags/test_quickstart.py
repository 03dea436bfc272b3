"""The README's quickstart DAG, copied unchanged into a fresh Airflow home, run with `airflow dags test` against the
emulator's bundled daily world: the run of 2025-01-16 must gate on the instance of BizDate 2025-01-15."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataworks_emulator.models.state import FIRST_INSTANCE_ID

pytestmark = pytest.mark.timeout(240)

README = Path(__file__).resolve().parents[2] / "README.md"
#: BizDate 2025-01-15 (00:00 UTC+8) in epoch ms, and the daily world's instance of that date.
JAN_15_MS = 1736870400000
JAN_15_INSTANCE = FIRST_INSTANCE_ID + 5


def quickstart_source() -> str:
    """The first Python block under the README's "Quickstart DAG" heading, as a user would copy it."""
    section = README.read_text().split("## Quickstart DAG", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README has no Python block under 'Quickstart DAG'"
    return match.group(1)


def test_quickstart_gates_on_the_day_before_on_airflow_3s_default_timetable(airflow_db, tmp_path):
    from dataworks_emulator import DataWorksEmulator

    home = tmp_path / "airflow-home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "quickstart.py").write_text(quickstart_source())
    shutil.copy(airflow_db.template, home / "airflow.db")  # a freshly migrated metadata DB
    with DataWorksEmulator(scenario="daily") as emulator:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW_CONN_DATAWORKS_DEFAULT": emulator.connection_json(),
        }
        airflow = str(Path(sys.executable).with_name("airflow"))
        result = subprocess.run(
            [airflow, "dags", "test", "gate_on_dataworks", "2025-01-16"],
            env=env,
            capture_output=True,
            text=True,
            timeout=200,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        lookups = emulator.calls("ListWorkflowInstances")
    assert [call.params["BizDate"] for call in lookups] == [str(JAN_15_MS)]
    assert f"{JAN_15_INSTANCE} Success {JAN_15_MS}" in output  # what the quickstart's downstream task prints
    assert "wait_for_sales_daily" in output and "state=success" in output
