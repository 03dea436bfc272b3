"""A real event-driven run: Airflow's dag-processor, triggerer and scheduler as processes, DataWorks emulated.

The dag-processor registers the example DAG's asset watcher, the triggerer runs the DataWorks event trigger, and
the scheduler creates the DAG run the asset event queues. Used by `./dev demo` and by the test of the same run;
`AirflowProcesses` also runs other test DAGs on other sets of components (e.g. tests/dags/test_worker_kill_run.py).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psutil

ROOT = Path(__file__).resolve().parent.parent
DAG_ID = "example_dataworks_asset_watcher"
DAG_FILE = ROOT / "example_dags" / f"{DAG_ID}.py"
COMPONENTS = ("dag-processor", "triggerer", "scheduler")
#: How the DataWorks event trigger's log lines begin; its first says the watch has started, before any poll.
WATCH_LOG = "Watching DataWorks workflows"


@dataclass
class AirflowProcesses:
    """The Airflow components of one throwaway deployment, started together and stopped together."""

    home: Path
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    dag_id: str = DAG_ID
    components: tuple[str, ...] = COMPONENTS

    @classmethod
    def prepare(
        cls,
        home: Path,
        connection_json: str,
        poll_interval: float = 1.0,
        *,
        dag_file: Path = DAG_FILE,
        components: Sequence[str] = COMPONENTS,
    ) -> AirflowProcesses:
        """An Airflow home whose dags folder holds only `dag_file` (named after its DAG, by default the asset-watcher
        example), to run with `components`; the DB is not created here."""
        dags = home / "dags"
        dags.mkdir(parents=True, exist_ok=True)
        link = dags / dag_file.name
        if not link.exists():
            link.symlink_to(dag_file)
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
        if "api-server" in components:  # Airflow 3 workers reach the metadata DB through its Execution API
            port = _free_port()
            env.update(
                AIRFLOW__API__HOST="127.0.0.1",
                AIRFLOW__API__PORT=str(port),
                AIRFLOW__API__WORKERS="1",
                AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
            )
        return cls(home=home, env=env, dag_id=dag_file.stem, components=tuple(components))

    def airflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one airflow command to completion (e.g. `db migrate`)."""
        return subprocess.run([_airflow(), *args], env=self.env, capture_output=True, text=True, check=False)

    def start(self) -> None:
        """Start the components (by default the dag-processor, triggerer and scheduler), each logging to a file in the
        home."""
        for component in self.components:
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
            result = self.airflow("dags", "unpause", self.dag_id)
            if result.returncode != 0:
                raise RuntimeError(f"airflow dags unpause failed:\n{(result.stdout + result.stderr)[-2000:]}")

    def _paused_flag(self) -> str | None:
        with sqlite3.connect(self.home / "airflow.db", timeout=10) as db:
            row = db.execute("SELECT is_paused FROM dag WHERE dag_id = ?", (self.dag_id,)).fetchone()
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
        for component, proc in zip(self.components, self.procs, strict=False):
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

    def watch_started(self) -> bool:
        """Whether the triggerer's DataWorks watch has started: from then on every finish is reported."""
        log = self.home / "triggerer.log"
        return log.exists() and WATCH_LOG in log.read_text(errors="replace")

    def watched_runs(self) -> list[dict[str, Any]]:
        """The example DAG's runs with the extras of the asset events that triggered them."""
        with sqlite3.connect(self.home / "airflow.db", timeout=10) as db:
            rows = db.execute(
                "SELECT r.run_id, r.run_type, e.extra FROM dag_run r "
                "JOIN dagrun_asset_event l ON l.dag_run_id = r.id JOIN asset_event e ON e.id = l.event_id "
                "WHERE r.dag_id = ? ORDER BY r.id, e.id",
                (self.dag_id,),
            ).fetchall()
        return [{"run_id": run, "run_type": kind, "extra": json.loads(extra)} for run, kind, extra in rows]

    def api_server_up(self) -> bool:
        """Whether the API server answers on its Execution API, which Airflow 3 workers need from their first step."""
        try:
            with urllib.request.urlopen(f"{self.env['AIRFLOW__CORE__EXECUTION_API_SERVER_URL']}health", timeout=5) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def trigger(self, run_id: str) -> None:
        """Create a manual run of the DAG, as `airflow dags trigger` does."""
        result = self.airflow("dags", "trigger", self.dag_id, "--run-id", run_id)
        if result.returncode != 0:
            raise RuntimeError(f"airflow dags trigger failed:\n{(result.stdout + result.stderr)[-2000:]}")

    def task_instance(self, run_id: str, task_id: str) -> dict[str, Any] | None:
        """The task instance's row in the metadata DB (state, try_number, ...), None before the scheduler makes it."""
        with sqlite3.connect(self.home / "airflow.db", timeout=10) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT * FROM task_instance WHERE dag_id = ? AND run_id = ? AND task_id = ? AND map_index = -1",
                (self.dag_id, run_id, task_id),
            ).fetchone()
        return None if row is None else dict(row)

    def task_log(self, run_id: str, task_id: str, attempt: int) -> str:
        """The text of one try's task log, as Airflow's default log file template names it ("" if none)."""
        path = self.home / "logs" / f"dag_id={self.dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        log = path / f"attempt={attempt}.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def task_processes(self, marker: str) -> list[psutil.Process]:
        """The worker side of a running task instance: its task process (the deepest of the scheduler's descendants
        whose process title carries `marker`) and that process's parent, the supervisor that heartbeats for it.

        Airflow 3 titles both with the task instance's id; Airflow 2 titles its `tasks run` processes with the run id.
        """
        import psutil

        scheduler = psutil.Process(self.procs[self.components.index("scheduler")].pid)
        titled = []
        for proc in scheduler.children(recursive=True):
            try:
                if marker in " ".join(proc.cmdline()):
                    titled.append(proc)
            except psutil.NoSuchProcess:
                continue
        tasks = [proc for proc in titled if not any(child in titled for child in proc.children())]
        if len(tasks) != 1:
            raise RuntimeError(f"expected one task process titled with {marker!r}, found {tasks}")
        return [psutil.Process(tasks[0].ppid()), tasks[0]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))
