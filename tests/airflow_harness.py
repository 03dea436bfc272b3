"""Run real Airflow DAGs in pytest with ``dag.test()`` against a migrated SQLite metadata DB.

The environment (``AIRFLOW_HOME``, dags folder, DB URL, ...) is set by ``tests/conftest.py``
before Airflow is imported; this module imports Airflow lazily, so importing it is cheap.

Pieces:

* :func:`prepare_worker_db` -- used by the session fixture ``airflow_db``. The schema is created
  once into a template file shared by all xdist workers (guarded by an ``fcntl`` lock; the
  ``filelock`` package is not installed here) and each worker copies the template to its own DB.
  The template is keyed by the Airflow version and its migration files and kept between
  sessions; delete ``.test-airflow/`` to force a rebuild.
* :class:`DagRunner` -- used by the ``run_dag`` fixture: finds a DAG by id in the dags folder,
  parses its file afresh, runs ``dag.test()`` as a new DagRun (unique run id) and returns a
  :class:`DagRunResult` (DagRun state, task states, XCom access).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["AIRFLOW_3", "AirflowDbInfo", "DagRunResult", "DagRunner", "prepare_worker_db"]

_MISSING: Any = object()

#: True on Airflow 3.x, False on 2.x; read from the distribution metadata so nothing imports Airflow.
AIRFLOW_3 = int(version("apache-airflow").split(".")[0]) >= 3


# --------------------------------------------------------------------------------------------
# Metadata database
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AirflowDbInfo:
    """What the ``airflow_db`` fixture returns."""

    path: Path  #: this worker's SQLite file
    template: Path  #: the shared template it was copied from
    built_template: bool  #: True if this worker created the template in this session
    migrate_seconds: float  #: time spent creating the schema (0.0 if the template existed)
    lock_wait_seconds: float  #: time spent waiting for another worker holding the lock
    total_seconds: float  #: wall time of the whole fixture setup (includes the Airflow import)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _template_key() -> str:
    import airflow
    import airflow.migrations

    versions_dir = Path(airflow.migrations.__file__).parent / "versions"
    names = sorted(p.name for p in versions_dir.glob("*.py"))
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:10]
    return f"{airflow.__version__}-{digest}"


def _remove_sqlite_files(db: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def prepare_worker_db(*, template_dir: Path, worker_db: Path) -> AirflowDbInfo:
    """Give this process a freshly migrated copy of the metadata DB at ``worker_db``.

    ``worker_db`` must be the file that ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` points to.
    """
    t_start = time.perf_counter()
    from airflow import settings

    template_dir.mkdir(parents=True, exist_ok=True)
    template = template_dir / f"airflow-{_template_key()}.db"
    migrate_seconds = 0.0
    built = False

    # No connection may stay open on a file we are about to replace.
    if settings.engine is not None:
        settings.engine.dispose()

    t_lock = time.perf_counter()
    with _exclusive_lock(template_dir / ".lock"):
        lock_wait = time.perf_counter() - t_lock
        if not template.exists():
            from airflow.utils import db

            _remove_sqlite_files(worker_db)
            t_migrate = time.perf_counter()
            root = logging.getLogger()
            root_level, root_handlers = root.level, list(root.handlers)
            db.initdb()  # what `airflow db migrate` does on an empty DB (ORM create_all + stamp)
            # Airflow 2's migration env loads alembic.ini's logging config (root at WARN, a stderr handler), which
            # would hide the INFO records tests read from caplog in this worker only.
            root.setLevel(root_level)
            root.handlers[:] = root_handlers
            migrate_seconds = time.perf_counter() - t_migrate
            settings.engine.dispose()
            for stale in template_dir.glob("airflow-*.db"):
                stale.unlink(missing_ok=True)
            tmp = template.with_name(f"{template.name}.{os.getpid()}.tmp")
            shutil.copyfile(worker_db, tmp)
            os.replace(tmp, template)  # atomic: a crash never leaves a partial template
            built = True
        else:
            _remove_sqlite_files(worker_db)
            shutil.copyfile(template, worker_db)  # ~1 ms (0.7 MB)

    return AirflowDbInfo(
        path=worker_db,
        template=template,
        built_template=built,
        migrate_seconds=migrate_seconds,
        lock_wait_seconds=lock_wait,
        total_seconds=time.perf_counter() - t_start,
    )


# --------------------------------------------------------------------------------------------
# DAG runs
# --------------------------------------------------------------------------------------------


@dataclass
class DagRunResult:
    """Outcome of one ``dag.test()`` run, read back from the metadata DB."""

    dag_id: str
    run_id: str
    #: final DagRun state as a plain string: "success" or "failed"
    state: str
    #: {task_id: state} for every task instance; mapped instances appear as "task_id[i]".
    #: States are plain strings ("success", "failed", "skipped", "upstream_failed", ...) or None.
    task_states: dict[str, str | None]
    #: {task_id: try_number}, same keys as task_states
    try_numbers: dict[str, int]
    #: wall time of dag.test() in seconds
    duration: float
    logical_date: datetime | None = field(repr=False, default=None)

    def xcom(self, task_id: str, key: str = "return_value", *, map_index: int = -1, default: Any = _MISSING):
        """Deserialized XCom value pushed by ``task_id`` in this run.

        Raises ``KeyError`` (listing the keys that do exist) if there is none, unless
        ``default`` is given.
        """
        from airflow.utils.session import create_session

        query = {"run_id": self.run_id, "dag_ids": self.dag_id, "task_ids": task_id, "key": key}
        with create_session() as session:
            if AIRFLOW_3:
                from airflow.models.xcom import XComModel
                from airflow.sdk.serde import deserialize

                row = session.scalars(XComModel.get_many(**query, map_indexes=map_index)).first()
                # Values written through the Execution API are serde-encoded JSON; decode like
                # BaseXCom.deserialize_value does in a task (tuples, datetimes, ... round-trip).
                value = _MISSING if row is None else deserialize(row.value)
            else:
                from airflow.models.xcom import XCom

                row = XCom.get_many(**query, map_indexes=map_index, session=session).first()
                # Airflow 2's XCom model deserializes its value when the row is loaded.
                value = _MISSING if row is None else row.value
        if value is _MISSING:
            if default is not _MISSING:
                return default
            raise KeyError(
                f"no XCom {key!r} for task {task_id!r} (map_index={map_index}) in {self.run_id}; "
                f"keys present: {self.xcom_keys(task_id)}"
            )
        return value

    def xcom_keys(self, task_id: str) -> list[str]:
        """All XCom keys ``task_id`` pushed in this run (e.g. ``return_value``, ``_link_*``)."""
        from airflow.utils.session import create_session
        from sqlalchemy import select

        XComModel = _xcom_model()

        with create_session() as session:
            return sorted(
                set(
                    session.scalars(
                        select(XComModel.key).where(
                            XComModel.dag_id == self.dag_id,
                            XComModel.run_id == self.run_id,
                            XComModel.task_id == task_id,
                        )
                    )
                )
            )


def _xcom_model() -> Any:
    """The XCom table's ORM class (``XComModel`` on Airflow 3, ``XCom`` on 2)."""
    if AIRFLOW_3:
        from airflow.models.xcom import XComModel

        return XComModel
    from airflow.models.xcom import XCom

    return XCom


class _NoEcho(logging.StreamHandler):  # type: ignore[type-arg]
    """Takes the place of the stdout handler Airflow 2's dag.test() adds to the task logger."""

    def emit(self, record: logging.LogRecord) -> None:
        """Drop the record: pytest's caplog already has it."""


def _quiet_airflow2_stdout_echo() -> None:
    """Keep Airflow 2 log records out of stdout, where they would be counted twice (caplog has them).

    Airflow 2 echoes every record to stdout from the root logger, and dag.test() adds its own stdout handler to the
    task logger once per process, bound to the first test's captured (then closed) stdout.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler).__name__ == "RedirectStdHandler":
            root.removeHandler(handler)
    task_logger = logging.getLogger("airflow.task")
    for handler in list(task_logger.handlers):
        if isinstance(handler, logging.StreamHandler):
            task_logger.removeHandler(handler)
    task_logger.addHandler(_NoEcho())


_last_now: datetime | None = None


def _unique_now() -> datetime:
    """Strictly increasing "now" (UTC) per process, so every run gets its own run id."""
    global _last_now
    if AIRFLOW_3:
        from airflow.sdk import timezone
    else:
        from airflow.utils import timezone

    now = timezone.utcnow()
    if _last_now is not None and now <= _last_now:
        now = _last_now + timedelta(milliseconds=1)
    _last_now = now
    return now


# (dags folder, dag_id) -> absolute DAG file path; built once per process.
_dag_index: dict[tuple[str, str], str] = {}


class DagRunner:
    """Run DAGs from ``dags_folder`` (must be Airflow's configured dags folder) with ``dag.test()``."""

    BUNDLE_NAME = "dags-folder"  # the default bundle built from [core] dags_folder

    def __init__(self, dags_folder: Path):
        self.dags_folder = Path(dags_folder)

    # -- DAG lookup -------------------------------------------------------------------------

    def _bag(self, path: Path):
        if not AIRFLOW_3:
            from airflow.models.dagbag import DagBag

            return DagBag(dag_folder=path, include_examples=False)
        from airflow.dag_processing.dagbag import BundleDagBag

        return BundleDagBag(dag_folder=path, bundle_path=self.dags_folder, bundle_name=self.BUNDLE_NAME)

    def dag_file(self, dag_id: str) -> Path:
        """The file defining ``dag_id`` (the folder is scanned once per process, again on a miss)."""
        key = (str(self.dags_folder), dag_id)
        if key not in _dag_index:
            bag = self._bag(self.dags_folder)
            _dag_index.update({(key[0], d_id): dag.fileloc for d_id, dag in bag.dags.items()})
            if key not in _dag_index:
                raise LookupError(
                    f"DAG {dag_id!r} not found in {self.dags_folder}; "
                    f"DAGs: {sorted(bag.dags)}; import errors: {bag.import_errors}"
                )
        return Path(_dag_index[key])

    def load_dag(self, dag_id: str):
        """Parse the DAG's file afresh (operators are not reused between runs)."""
        bag = self._bag(self.dag_file(dag_id))
        if dag_id not in bag.dags:
            raise LookupError(f"DAG {dag_id!r} failed to load: {bag.import_errors}")
        return bag.dags[dag_id]

    # -- running ------------------------------------------------------------------------------

    def run(
        self,
        dag_id: str,
        *,
        run_conf: dict[str, Any] | None = None,
        logical_date: Any = _MISSING,
        conn_file_path: str | os.PathLike[str] | None = None,
        variable_file_path: str | os.PathLike[str] | None = None,
        mark_success_pattern: str | None = None,
        configure: Callable[[Any], None] | None = None,
    ) -> DagRunResult:
        """Run ``dag_id`` once with ``dag.test()`` and return its result.

        Every call creates a new DagRun with a unique run id (``manual__<run_after>``), so XComs
        and task states never mix between runs or tests. ``logical_date`` defaults to the same
        unique "now"; pass one only if the DAG's templates need a specific date, or None for a run without a
        logical date (Airflow 3: its data interval is then None too).
        """
        from airflow import settings

        if not AIRFLOW_3:
            _quiet_airflow2_stdout_echo()
        dag = self.load_dag(dag_id)
        if configure is not None:
            configure(dag)  # e.g. switch a task to deferrable mode for this run only
        run_after = _unique_now()  # dag.test() derives the run id from run_after
        if logical_date is _MISSING:
            logical_date = run_after
        t0 = time.perf_counter()
        # Airflow 2 has no run_after: its run id comes from the (unique by default) logical date.
        dates = (
            {"logical_date": logical_date, "run_after": run_after} if AIRFLOW_3 else {"execution_date": logical_date}
        )
        try:
            dr = dag.test(
                **dates,
                run_conf=run_conf,
                conn_file_path=os.fspath(conn_file_path) if conn_file_path else None,
                variable_file_path=os.fspath(variable_file_path) if variable_file_path else None,
                mark_success_pattern=mark_success_pattern,
            )
            duration = time.perf_counter() - t0
            run_id = dr.run_id
        finally:
            if settings.Session is not None:
                settings.Session.remove()  # dag.test() leaves its scoped session open
        return self._collect(dag_id, run_id, duration, logical_date)

    @staticmethod
    def _collect(dag_id: str, run_id: str, duration: float, logical_date: datetime | None) -> DagRunResult:
        from airflow.models.dagrun import DagRun
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        def plain(state: Any) -> str | None:
            return None if state is None else str(getattr(state, "value", state))

        with create_session() as session:
            dr_state = session.scalar(select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
            states: dict[str, str | None] = {}
            tries: dict[str, int] = {}
            for ti in session.scalars(
                select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
            ):
                name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
                states[name] = plain(ti.state)
                tries[name] = ti.try_number
        return DagRunResult(
            dag_id=dag_id,
            run_id=run_id,
            state=plain(dr_state) or "none",
            task_states=dict(sorted(states.items())),
            try_numbers=dict(sorted(tries.items())),
            duration=duration,
            logical_date=logical_date,
        )

    def close(self) -> None:
        from airflow import settings

        if settings.Session is not None:
            settings.Session.remove()
