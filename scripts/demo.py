"""The README's main command: the provider against the bundled DataWorks emulator, end to end.

The emulator serves its bundled `examples` world (`dataworks-emulator --scenario examples`: the ids the example
DAGs use, data dates around today), the same one the README's quickstart and the example DAGs' system tests run
against.

1. The hook fetches a workflow instance from the emulator (real SDK, real HTTP, signed requests) and prints it.
2. Real Airflow (`airflow dags test <dag_id>` on a SQLite metadata DB, no date: a run due now) runs the example DAGs
   in deferrable mode, on each line (Airflow 3 from .venv, Airflow 2.11 from .venv-af2): sensors gate a downstream
   task on DataWorks instances, and an operator starts a DataWorks run and waits for it. The lines the downstream
   tasks print from XCom are shown; one DAG gates on one hourly DataWorks node, and the last one releases a
   DataWorks workflow through its HTTP trigger node.
3. Event-driven scheduling (Airflow 3): a dag-processor, a triggerer and a scheduler run the asset-watcher example;
   the emulator finishes a DataWorks instance and the scheduler creates the watched DAG run from its asset event.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

ROOT = Path(__file__).resolve().parent.parent
AIRFLOW_HOME = ROOT / ".airflow-home"
SHOWN = ("Pulled from XCom", "Fetched again")
#: The emulator's bundled world the example DAGs run against as written.
SCENARIO = "examples"
#: The example DAGs in the order the demo runs them (the asset watcher runs on Airflow 3's components, below).
EXAMPLE_DAGS = (
    "example_dataworks_sensor",
    "example_dataworks_run_workflow",
    "example_dataworks_node_sensor",
    "example_dataworks_trigger_node",
    "example_dataworks_data_quality",
)


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def airflow_env(connection_json: str, home: Path) -> dict[str, str]:
    """Environment for a throwaway Airflow that parses only the example DAGs and defers by default."""
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE="True",
        AIRFLOW_CONN_DATAWORKS_DEFAULT=connection_json,
        DATAWORKS_EXAMPLE_POKE_INTERVAL="1",
        AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL="1",  # the emulator is local: no quota to protect
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
    )
    return env


def run_airflow(venv: Path, args: list[str], env: dict[str, str], log_name: str) -> tuple[int, str]:
    """Run one airflow CLI command of ``venv``, keeping its full output in a log file in that Airflow's home."""
    result = subprocess.run(
        [str(venv / "bin" / "airflow"), *args], env=env, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    log_file = Path(env["AIRFLOW_HOME"]) / "demo-logs" / f"{log_name}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text(output)
    return result.returncode, output


def show_dag_run(line: str, venv: Path, dag_id: str, env: dict[str, str]) -> bool:
    """Run one example DAG with ``airflow dags test`` and show its deferrals and the lines it prints from XCom."""
    banner(f"{line}: airflow dags test {dag_id} (deferrable mode)")
    code, output = run_airflow(venv, ["dags", "test", dag_id], env, dag_id)
    print(f"  tasks deferred to the DataWorks trigger: {output.count('[DAG TEST] running trigger in line')}")
    for line in output.splitlines():
        if any(marker in line for marker in SHOWN):
            print("  " + line.strip())
    log_file = (Path(env["AIRFLOW_HOME"]) / "demo-logs" / f"{dag_id}.log").relative_to(ROOT)
    print(f"  -> DAG run {'succeeded' if code == 0 else 'FAILED'} (full log: {log_file})")
    return code == 0


#: The Airflow lines the demo runs the examples on: (name, virtualenv made by ./dev setup).
AIRFLOW_LINES = (("Airflow 3", ROOT / ".venv"), ("Airflow 2.11", ROOT / ".venv-af2"))


def show_event_driven_run(emulator: DataWorksEmulator, migrated: Path) -> bool:
    """Start Airflow's components on the asset-watcher example, finish a DataWorks instance, show the DAG run."""
    try:
        import airflow_provider_dataworks.triggers.event  # noqa: F401
    except ImportError as err:
        banner(f"Event-driven scheduling skipped: {err}")
        return True
    from asset_watcher_run import AirflowProcesses  # this script's sibling: its folder is first on sys.path

    banner("Event-driven scheduling: dag-processor, triggerer and scheduler on example_dataworks_asset_watcher")
    home = AIRFLOW_HOME / "asset-watcher"
    shutil.rmtree(home, ignore_errors=True)
    airflow = AirflowProcesses.prepare(home, emulator.connection_json(), poll_interval=1.0)
    shutil.copy(migrated, home / "airflow.db")
    emulator.reset_calls()
    airflow.start()
    try:
        airflow.ensure_unpaused(timeout=180)
        airflow.wait_until("watch start", airflow.watch_started, timeout=180)
        print("  the watch started: what finishes from now on is reported, even during its first poll")
        data_date = (emulator.now() - timedelta(days=1)).date().isoformat()  # yesterday in DataWorks' time zone
        instance_id = emulator.add_workflow_instance(
            workflow_id=500, name="ods_orders_daily", biz_date=data_date, type="Normal", statuses=["Success"]
        )
        print(f"  DataWorks instance {instance_id} of workflow 500 (data date {data_date}) finished: Success")
        runs = airflow.wait_until("asset-triggered DAG run", airflow.watched_runs, timeout=120)
    except (TimeoutError, RuntimeError) as err:
        print(f"  -> FAILED: {err}")
        return False
    finally:
        airflow.stop()
    for run in runs:
        instance = run["extra"]["payload"]["instance"]
        print(
            f"  -> DAG run {run['run_id']} ({run['run_type']}) created from the asset event of instance "
            f"{instance['Id']}: Status {instance['Status']}, BizDate {run['extra']['payload']['biz_date']}"
        )
    print(f"  (component logs: {home.relative_to(ROOT)}/*.log)")
    return bool(runs)


def show_hook() -> None:
    """Fetch one instance of the bundled world through the hook and the real SDK."""
    from dataworks_emulator import DataWorksEmulator

    with DataWorksEmulator(SCENARIO) as emulator:
        banner(f"DataWorks emulator listening on {emulator.endpoint} (dataworks-emulator --scenario {SCENARIO})")
        banner("DataWorksHook.get_workflow_instance(1001) through the real SDK")
        os.environ["AIRFLOW_CONN_DATAWORKS_DEFAULT"] = emulator.connection_json()
        from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

        print(json.dumps(DataWorksHook().get_workflow_instance(1001), indent=2))


def run_examples(line: str, venv: Path) -> bool:
    """Run the example DAGs on one Airflow line, each line against its own fresh copy of the bundled world."""
    from dataworks_emulator import DataWorksEmulator

    home = AIRFLOW_HOME / line.lower().replace(" ", "-")
    shutil.rmtree(home, ignore_errors=True)  # a fresh metadata DB: a rerun's migrate would keep the last run's rows
    with DataWorksEmulator(SCENARIO) as emulator:
        env = airflow_env(emulator.connection_json(), home)
        banner(f"{line}: airflow db migrate (SQLite metadata DB in {home.relative_to(ROOT)})")
        code, output = run_airflow(venv, ["db", "migrate"], env, "db-migrate")
        if code != 0:
            print(output[-3000:])
            return False
        shutil.copy(home / "airflow.db", home / "migrated.db")  # a clean DB for the event-driven run
        ok = True
        for dag_id in EXAMPLE_DAGS:
            if dag_id == "example_dataworks_sensor":
                # DataWorks reruns instance 1001 as the DAG run starts: the sensor finds it Running and defers.
                emulator.rerun_workflow_instance(1001, statuses=["Running", "Success"], advance="reads")
                print("\n  DataWorks reruns instance 1001 (Running, then Success), as the DAG run starts")
            ok = show_dag_run(line, venv, dag_id, env) and ok
        if venv == AIRFLOW_LINES[0][1]:
            ok = show_event_driven_run(emulator, home / "migrated.db") and ok
        calls = emulator.calls()
        banner(
            f"{line}: the emulator served {len(calls)} signed API calls: "
            + ", ".join(
                f"{action} x{sum(1 for c in calls if c.action == action)}"
                for action in sorted({c.action for c in calls})
            )
        )
    return ok


def main() -> int:
    # The emulator connection's extras "http" and "Prod" are not secrets, but Airflow 3 warns once per process
    # that it skips masking any connection value under 5 characters; 4 lets them through without that warning.
    os.environ.setdefault("AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET", "4")
    show_hook()
    ok = True
    for line, venv in AIRFLOW_LINES:
        if not (venv / "bin" / "airflow").exists():
            banner(f"{line}: skipped, {venv.relative_to(ROOT)} is missing (run ./dev setup)")
            continue
        ok = run_examples(line, venv) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
