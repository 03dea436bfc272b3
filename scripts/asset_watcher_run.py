"""A real event-driven run: Airflow's dag-processor, triggerer and scheduler as processes, DataWorks emulated.

The dag-processor registers the example DAG's asset watcher, the triggerer runs the DataWorks event trigger, and
the scheduler creates the DAG run the asset event queues. Used by `./dev demo` and by the test of the same run.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "example_dataworks_asset_watcher"
DAG_FILE = ROOT / "example_dags" / f"{DAG_ID}.py"
COMPONENTS = ("dag-processor", "triggerer", "scheduler")


@dataclass
class AirflowProcesses:
    """The Airflow components of one throwaway deployment, started together and stopped together."""

    home: Path
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def prepare(cls, home: Path, connection_json: str, poll_interval: float = 1.0) -> AirflowProcesses:
        """An Airflow home whose dags folder holds only the asset-watcher example; the DB is not created here."""
        dags = home / "dags"
        dags.mkdir(parents=True, exist_ok=True)
        link = dags / DAG_FILE.name
        if not link.exists():
            link.symlink_to(DAG_FILE)
        from cryptography.fernet import Fernet

        env = dict(os.environ)
        env.update(
            # one key for every component (each would otherwise make its own and not read the others' triggers)
            AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
            AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
            AIRFLOW_HOME=str(home),
            AIRFLOW_CONFIG=str(home / "airflow.cfg"),
            AIRFLOW__CORE__DAGS_FOLDER=str(dags),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="2",
            AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="5",
            AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
            AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC="1",
            AIRFLOW_CONN_DATAWORKS_DEFAULT=connection_json,
            DATAWORKS_EXAMPLE_POKE_INTERVAL=str(poll_interval),
            AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL=str(poll_interval),  # the emulator is local: no quota to protect
            ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
        )
        return cls(home=home, env=env)

    def airflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one airflow command to completion (e.g. `db migrate`)."""
        return subprocess.run([_airflow(), *args], env=self.env, capture_output=True, text=True, check=False)

    def start(self) -> None:
        """Start the dag-processor, triggerer and scheduler, each logging to a file in the home."""
        for component in COMPONENTS:
            log = open(self.home / f"{component}.log", "wb")  # noqa: SIM115 - closed with the process
            proc = subprocess.Popen(
                [_airflow(), component], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            log.close()
            self.procs.append(proc)

    def ensure_unpaused(self, timeout: float) -> None:
        """Wait for the dag-processor to register the DAG; unpause it if an older run of this DB paused it."""
        paused = self.wait_until("registered DAG", self._paused_flag, timeout)
        if paused == "paused":
            result = self.airflow("dags", "unpause", DAG_ID)
            if result.returncode != 0:
                raise RuntimeError(f"airflow dags unpause failed:\n{(result.stdout + result.stderr)[-2000:]}")

    def _paused_flag(self) -> str | None:
        with sqlite3.connect(self.home / "airflow.db", timeout=10) as db:
            row = db.execute("SELECT is_paused FROM dag WHERE dag_id = ?", (DAG_ID,)).fetchone()
        return None if row is None else ("paused" if row[0] else "active")

    def stop(self, grace: float = 15.0) -> None:
        """Stop what `start` started: SIGTERM to each process group, then SIGKILL whatever is left."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def check_alive(self) -> None:
        """Fail early, with the log's tail, if a component died."""
        for component, proc in zip(COMPONENTS, self.procs, strict=False):
            if proc.poll() is not None:
                tail = (self.home / f"{component}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"airflow {component} exited with {proc.returncode}:\n{tail}")

    def wait_until(self, what: str, probe: Any, timeout: float) -> Any:
        """Poll `probe()` until it returns something truthy, checking the components stay up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            found = probe()
            if found:
                return found
            time.sleep(0.5)
        raise TimeoutError(f"no {what} within {timeout:.0f} s; logs in {self.home}")

    def watched_runs(self) -> list[dict[str, Any]]:
        """The example DAG's runs with the extras of the asset events that triggered them."""
        with sqlite3.connect(self.home / "airflow.db", timeout=10) as db:
            rows = db.execute(
                "SELECT r.run_id, r.run_type, e.extra FROM dag_run r "
                "JOIN dagrun_asset_event l ON l.dag_run_id = r.id JOIN asset_event e ON e.id = l.event_id "
                "WHERE r.dag_id = ? ORDER BY r.id, e.id",
                (DAG_ID,),
            ).fetchall()
        return [{"run_id": run, "run_type": kind, "extra": json.loads(extra)} for run, kind, extra in rows]


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))
