"""The README's main command: the provider against the bundled DataWorks emulator, end to end.

1. The hook fetches a workflow instance from the emulator (real SDK, real HTTP, signed requests) and prints it.
2. Real Airflow (`airflow dags test` on a SQLite metadata DB) runs the example DAGs in deferrable mode: sensors
   gate a downstream task on DataWorks instances, and an operator starts a DataWorks run and waits for it.
   The lines the downstream tasks print from XCom are shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AIRFLOW_HOME = ROOT / ".airflow-home"
SHOWN = ("Pulled from XCom", "Fetched again")


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def airflow_env(connection_json: str) -> dict[str, str]:
    """Environment for a throwaway Airflow that parses only the example DAGs and defers by default."""
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(AIRFLOW_HOME),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE="True",
        AIRFLOW_CONN_DATAWORKS_DEFAULT=connection_json,
        DATAWORKS_EXAMPLE_POKE_INTERVAL="1",
        AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL="1",  # the emulator is local: no quota to protect
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
    )
    return env


def run_airflow(args: list[str], env: dict[str, str], log_name: str) -> tuple[int, str]:
    """Run one airflow CLI command, keeping its full output in a log file."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    result = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    log_file = AIRFLOW_HOME / "demo-logs" / f"{log_name}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text(output)
    return result.returncode, output


def show_dag_run(dag_id: str, logical_date: str, env: dict[str, str]) -> bool:
    banner(f"airflow dags test {dag_id} {logical_date} (deferrable mode)")
    code, output = run_airflow(["dags", "test", dag_id, logical_date], env, dag_id)
    print(f"  tasks deferred to the DataWorks trigger: {output.count('[DAG TEST] running trigger in line')}")
    for line in output.splitlines():
        if any(marker in line for marker in SHOWN):
            print("  " + line.strip())
    print(f"  -> DAG run {'succeeded' if code == 0 else 'FAILED'} (full log: .airflow-home/demo-logs/{dag_id}.log)")
    return code == 0


def main() -> int:
    from airflow_provider_dataworks.emulator import DataWorksEmulator

    ds = (date.today() - timedelta(days=1)).isoformat()
    with DataWorksEmulator() as emulator:
        emulator.add_workflow_instance(
            id=1001,
            workflow_id=500,
            name="ods_orders_daily",
            biz_date=ds,
            statuses=["WaitResource", "Running", "Running", "Success"],
            advance=1.0,
        )
        emulator.add_workflow_instance(
            workflow_id=501,
            name="dws_sales_daily",
            biz_date=ds,
            statuses=["Running", "Running", "Success"],
            advance=1.0,
        )
        emulator.add_workflow(
            id=501,
            name="dws_sales_daily",
            statuses=["Running", "Running", "Success"],
            advance=1.0,
            tasks=[{"name": "extract_orders"}, {"name": "aggregate_sales"}],
        )
        banner(f"DataWorks emulator listening on {emulator.endpoint}")

        banner("DataWorksHook.get_workflow_instance(1001) through the real SDK")
        os.environ["AIRFLOW_CONN_DATAWORKS_DEFAULT"] = emulator.connection_json()
        from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

        print(json.dumps(DataWorksHook().get_workflow_instance(1001), indent=2))

        env = airflow_env(emulator.connection_json())
        banner("airflow db migrate (SQLite metadata DB in .airflow-home)")
        code, output = run_airflow(["db", "migrate"], env, "db-migrate")
        if code != 0:
            print(output[-3000:])
            return code
        ok = show_dag_run("example_dataworks_sensor", ds, env)
        ok = show_dag_run("example_dataworks_run_workflow", ds, env) and ok
        calls = emulator.calls()
        banner(
            f"The emulator served {len(calls)} signed API calls: "
            + ", ".join(
                f"{action} x{sum(1 for c in calls if c.action == action)}"
                for action in sorted({c.action for c in calls})
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
