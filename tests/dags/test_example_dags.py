"""The example DAGs users copy, run as written against the emulator's bundled world (`--scenario examples`).

Each run is `dag.test()` on SQLite with no date, the run `airflow dags test <dag_id>` makes (due now), so every
example must find its instances in a world whose data dates are relative to today. As written means blocking (the
default) with the examples' own poll intervals (300 s, 60 s): the bundled world answers at the first look. Each also
runs deferrable. The same files, run by pytest, are system tests (`test_run[emulator]` passes, `test_run[workspace]`
is skipped without a real workspace), and Airflow parsing them imports none of that test code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from airflow_harness import AIRFLOW_3

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "example_dags"
#: Example DAG files by Airflow line: the asset watcher needs Airflow 3's event-driven scheduling.
EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("example_*.py") if AIRFLOW_3 or "asset_watcher" not in p.name)
TRIGGER_RAN = "[DAG TEST] running trigger in line"
SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def examples_world(monkeypatch):
    """The bundled world, and the default connection pointing at it: nothing else is set for the examples."""
    from dataworks_emulator import DataWorksEmulator

    monkeypatch.delenv("DATAWORKS_EXAMPLE_POKE_INTERVAL", raising=False)  # the examples' own intervals
    with DataWorksEmulator("examples") as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emulator.connection_json())
        yield emulator


def set_deferrable(deferrable: bool):
    """As written (False: the DAG file untouched, its tasks at `[operators] default_deferrable`), or every task
    that can defer made deferrable."""
    if not deferrable:
        return None

    def configure(dag) -> None:
        for task in dag.tasks:
            if hasattr(task, "deferrable"):
                task.deferrable = True

    return configure


def data_date_of_daily_run(now: datetime):
    """The data date a daily run due `now` gates on: the day before its data interval ends, in UTC+8.

    A manual @daily run's interval ends now on Airflow 3 (CronTriggerTimetable), and at the last midnight UTC on
    Airflow 2 (its data-interval timetable infers the latest complete day).
    """
    due = now if AIRFLOW_3 else now.replace(hour=0, minute=0, second=0, microsecond=0)
    return due.astimezone(SHANGHAI).date() - timedelta(days=1)


def data_date_of_unscheduled_run(now: datetime):
    """The data date a manual run of a DAG without a schedule gates on: its interval ends now on both lines."""
    return now.astimezone(SHANGHAI).date() - timedelta(days=1)


def scheduled_instance(emulator, workflow_id: int, data_date) -> dict:
    from dataworks_emulator.models.state import to_biz_date_ms

    (instance,) = [
        i
        for i in emulator.state.workflow_instances()
        if i["WorkflowId"] == workflow_id and i["BizDate"] == to_biz_date_ms(data_date) and i["Type"] == "Normal"
    ]
    return instance


def logs_of(capsys, caplog) -> str:
    return capsys.readouterr().out + caplog.text


@pytest.mark.parametrize("deferrable", [False, True], ids=["as_written", "deferrable"])
def test_sensor_example(deferrable, run_dag, examples_world, caplog, capsys):
    emu = examples_world
    if deferrable:  # DataWorks reruns 1001 as the run starts: unfinished at the first look, so the sensor defers
        emu.rerun_workflow_instance(1001, statuses=["Running", "Success"], advance="reads")
    now = datetime.now(UTC)
    result = run_dag("example_dataworks_sensor", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.task_states == {"wait_for_instance": "success", "wait_for_todays_run": "success", "report": "success"}
    todays = scheduled_instance(emu, 501, data_date_of_daily_run(now))
    assert result.xcom("report") == f"1001:Success,{todays['Id']}:Success"
    logs = logs_of(capsys, caplog)
    assert "Pulled from XCom: DataWorks workflow instance 1001 (ods_orders_daily) of workflow 500 is Success" in logs
    assert logs.count(TRIGGER_RAN) == (1 if deferrable else 0)


@pytest.mark.parametrize("deferrable", [False, True], ids=["as_written", "deferrable"])
def test_node_sensor_example(deferrable, run_dag, examples_world, caplog, capsys):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    result = run_dag("example_dataworks_node_sensor", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    node = result.xcom("node_gate")
    # A run due now gates on the node's instance of the hour it is in (its scheduled_time), on both lines.
    assert (node["TaskId"], node["Status"], node["TriggerTime"]) == (9001, "Success", int(hour.timestamp() * 1000))
    assert result.xcom("use_node") == f"{node['Id']}:Success"
    logs = logs_of(capsys, caplog)
    assert "Pulled from XCom: DataWorks node ods_orders_hourly (9001)" in logs
    assert logs.count(TRIGGER_RAN) == 0  # finished at the first look: nothing to defer


@pytest.mark.parametrize("deferrable", [False, True], ids=["as_written", "deferrable"])
def test_run_workflow_example(deferrable, run_dag, examples_world, caplog, capsys):
    emu = examples_world
    result = run_dag("example_dataworks_run_workflow", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.task_states == {"run_workflow": "success", "fetch_instance": "success", "report": "success"}
    instances = result.xcom("run_workflow")
    ids = result.xcom("run_workflow", key="workflow_instance_ids")
    assert [i["Id"] for i in instances] == ids and len(ids) == 1
    assert (instances[0]["Status"], instances[0]["WorkflowId"], instances[0]["Type"]) == (
        "Success",
        501,
        "ManualWorkflow",
    )
    assert '"run_by": "airflow"' in instances[0]["WorkflowParameters"]
    assert result.xcom("fetch_instance")["Id"] == ids[0]
    assert result.xcom("report") == ids
    logs = logs_of(capsys, caplog)
    assert f"Pulled from XCom: run instance {ids[0]}" in logs
    assert logs.count(TRIGGER_RAN) == (1 if deferrable else 0)
    (create,) = emu.calls("CreateWorkflowInstances")
    assert create.params["Name"].startswith("airflow-example_dataworks_run_workflow-run_workflow-manual__")


@pytest.mark.parametrize("deferrable", [False, True], ids=["as_written", "deferrable"])
def test_trigger_node_example(deferrable, run_dag, examples_world, caplog, capsys):
    emu = examples_world
    now = datetime.now(UTC)
    result = run_dag("example_dataworks_trigger_node", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert result.task_states == {"ingest": "success", "release_dataworks": "success", "report": "success"}
    released = scheduled_instance(emu, 700, data_date_of_daily_run(now))
    node = result.xcom("release_dataworks")
    assert (node["TaskId"], node["Status"], node["WorkflowInstanceId"]) == (21, "Success", released["Id"])
    assert result.xcom("report") == f"{node['Id']}:Success"
    assert emu.workflow_instance(released["Id"])["Status"] == "Success"
    (fired,) = emu.calls("TriggerSchedulerTaskInstance")
    assert (fired.params["TaskId"], fired.params["TriggerTime"]) == ("21", str(node["TriggerTime"]))
    logs = logs_of(capsys, caplog)
    assert "Pulled from XCom: DataWorks trigger node wait_for_airflow (21)" in logs


@pytest.mark.parametrize("deferrable", [False, True], ids=["as_written", "deferrable"])
def test_data_quality_example(deferrable, run_dag, examples_world, caplog, capsys):
    emu = examples_world
    now = datetime.now(UTC)
    result = run_dag("example_dataworks_data_quality", configure=set_deferrable(deferrable))

    assert result.state == "success", result
    assert set(result.task_states.values()) == {"success"}, result.task_states
    scan_run = result.xcom("check_orders")
    assert (scan_run["Status"], [r["Status"] for r in scan_run["Results"]]) == ("Pass", ["Pass", "Pass"])
    assert result.xcom("check_orders", key="data_quality_scan_run_id") == scan_run["Id"]
    (create,) = emu.calls("CreateDataQualityScanRun")
    midnight = datetime.combine(data_date_of_unscheduled_run(now), datetime.min.time(), tzinfo=SHANGHAI)
    trigger_time = str(int(midnight.timestamp() * 1000))
    assert json.loads(create.params["Parameters"]) == [{"Name": "triggerTime", "Value": trigger_time}]
    assert result.xcom("check_scheduled_scan")["Id"] == 3001
    assert result.xcom("publish") == scan_run["Id"]
    assert f"Publishing: scan run {scan_run['Id']} ended Pass" in logs_of(capsys, caplog)


@pytest.mark.skipif(not AIRFLOW_3, reason="event-driven scheduling (AssetWatcher) needs Airflow 3")
def test_asset_watcher_example_runs_by_hand(run_dag, examples_world):
    # Started by hand (as `airflow dags test` does) the run has no asset event: the task reads none.
    result = run_dag("example_dataworks_asset_watcher")

    assert result.state == "success", result
    assert result.xcom("report") == []


# -- the same files as system tests, and what Airflow's parsing of them costs ----------------------------------


def clean_env(home: Path, template: Path) -> dict[str, str]:
    """A fresh Airflow home with a migrated DB, the example DAGs as its dags folder, and nothing of the suite's
    settings: no AIRFLOW_* or DATAWORKS_* variable, no pytest worker state."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, home / "airflow.db")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "DATAWORKS", "PYTEST_", "ALIBABA_CLOUD")) and k != "COV_CORE_SOURCE"
    }
    env.update(
        HOME=str(home),
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(EXAMPLES),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
    return env


def test_example_files_run_by_pytest_as_system_tests(airflow_db, tmp_path):
    env = clean_env(tmp_path / "home", airflow_db.template)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *map(str, EXAMPLE_FILES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    count = len(EXAMPLE_FILES)
    assert re.search(rf"\b{count} passed, {count} skipped\b", output), output[-2000:]
    assert "set DATAWORKS_SYSTEM_TEST_CONN" in output  # why the workspace case was skipped


PARSE_PROBE = """
import importlib.util, json, sys
loaded = {}
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("parsed_" + path.rsplit("/", 1)[-1][:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loaded[path] = hasattr(module, "test_run")
test_code = sorted(m for m in sys.modules if m.split(".")[0] in ("pytest", "_pytest", "dataworks_emulator"))
print(json.dumps({"test_run": loaded, "test_modules": test_code}))
"""


def test_parsing_the_examples_imports_no_test_code(tmp_path):
    """Airflow parses DAG files every 30 s: the system-test hook must cost nothing there."""
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLES)}
    result = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, *map(str, EXAMPLE_FILES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"test_run": {str(p): False for p in EXAMPLE_FILES}, "test_modules": []}


def test_example_dags_start_in_the_past_and_default_to_ids_of_the_bundled_world():
    """A start date after the day someone runs `airflow dags test` would make the run execute no task, yet exit 0;
    a param default missing from the bundled world would make it wait for nothing."""
    import yaml

    import dataworks_emulator

    world = yaml.safe_load((Path(dataworks_emulator.__file__).parent / "scenarios" / "examples.yaml").read_text())
    known = (
        {i["id"] for i in world["workflow_instances"]}
        | {i["workflow_id"] for i in world["workflow_instances"]}
        | {w["workflow_id"] for w in world["scheduled_workflows"]}
        | {t["task_id"] for w in world["scheduled_workflows"] for t in w["tasks"]}
        | {s["id"] for s in world["data_quality_scans"]}
        | {r["id"] for r in world["data_quality_scan_runs"]}
    )
    for path in EXAMPLE_FILES:
        text = path.read_text()
        for year, month, day in re.findall(r"start_date=datetime\((\d{4}), (\d{1,2}), (\d{1,2})\)", text):
            assert datetime(int(year), int(month), int(day)) <= datetime(2025, 1, 1), path.name
        defaults = {int(value) for value in re.findall(r"Param\((\d+),", text)}
        assert defaults <= known, (path.name, defaults - known)
