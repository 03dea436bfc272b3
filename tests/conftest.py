"""Root test configuration.

The block at the top pins Airflow to a private, per-xdist-worker home *before* anything
imports ``airflow`` (Airflow reads its configuration once, at import time). Nothing here
imports Airflow, so unit tests that never touch the metadata database pay neither for the
Airflow import nor for a database migration.

DAG-run tests request the ``run_dag`` fixture (or ``airflow_db``); see ``airflow_harness.py``. The helper modules
beside this file (``airflow_harness``, ``airflow_compat``, ...) and the scripts in ``scripts/`` import by name:
pyproject's ``[tool.pytest.ini_options] pythonpath`` puts their folders on ``sys.path``.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from pathlib import Path

import pytest  # does not import airflow

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
AIRFLOW_MAJOR = version("apache-airflow").split(".")[0]
#: Root of all test state (gitignored), one per Airflow line (Airflow 2 writes an airflow.cfg into its home).
#: Delete it to force a rebuild of the DB template.
TEST_AIRFLOW_ROOT = REPO_ROOT / ".test-airflow" / f"airflow{AIRFLOW_MAJOR}"
#: The Airflow dags folder (the "dags-folder" bundle) used by DAG-run tests.
DAGS_FOLDER = TESTS_DIR / "dags" / "dag_files"
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
AIRFLOW_HOME = TEST_AIRFLOW_ROOT / XDIST_WORKER
AIRFLOW_DB = AIRFLOW_HOME / "airflow.db"

if "airflow" in sys.modules:
    # Airflow reads its config once, on first import; too late to isolate it now.
    raise RuntimeError(
        "airflow was imported before tests/conftest.py could point AIRFLOW_HOME at .test-airflow/ "
        "(a pytest plugin loaded via entry point, or -p, imported it); move that import into a "
        "function or fixture."
    )

AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)

# Forced: tests must never see a developer's real Airflow home, config, dags or database.
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW_CONFIG": str(AIRFLOW_HOME / "airflow.cfg"),  # written by Airflow 2 only
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_DB}",
        # Never let Alibaba Cloud credential providers probe the ECS metadata service.
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
    }
)
# Defaults a developer may override from the shell. AIRFLOW__CORE__UNIT_TEST_MODE is deliberately
# not set: in 3.3 it only swaps in Airflow's own unit_tests.cfg (LocalExecutor, load_examples=True,
# Airflow's in-repo test dags folder, fresh random fernet/JWT keys per process), which buys nothing
# for dag.test() and makes behaviour differ from a real deployment.
for _key, _value in {
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # shown only for failing tests (captured)
    "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "False",  # pin the default the provider reads
    # The emulator answers in milliseconds and has no quota: tests poll fast (tests of the floor set it back).
    "AIRFLOW__DATAWORKS__MIN_POLL_INTERVAL": "0",
}.items():
    os.environ.setdefault(_key, _value)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "airflow_db: test uses the migrated Airflow metadata DB (added automatically for tests "
        "using the airflow_db / run_dag fixtures); deselect with -m 'not airflow_db'",
    )
    # Emitted when Airflow builds its in-process Execution API (fastapi.testclient); harmless.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient` is deprecated")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "airflow_db" not in getattr(item, "fixturenames", ()):
            continue
        item.add_marker(pytest.mark.airflow_db)
        # Airflow's DAG-file import timeout (and a task's execution_timeout) re-arm SIGALRM and
        # then cancel it, which silently disables pytest-timeout's default "signal" method: a hung
        # dag.test() would hang forever (SIGTERM is swallowed too). The "thread" method still works;
        # it dumps all stacks and ends the process (under xdist only that worker, which is replaced).
        marker = item.get_closest_marker("timeout")
        if marker is None:
            item.add_marker(pytest.mark.timeout(method="thread"), append=False)
        elif "method" not in marker.kwargs and len(marker.args) < 2:
            item.add_marker(pytest.mark.timeout(*marker.args, method="thread", **marker.kwargs), append=False)


@pytest.fixture
def stats_recorder(monkeypatch: pytest.MonkeyPatch):
    """Airflow's `Stats` as the provider sees it, replaced by a recorder of the metrics sent through it."""
    from metrics_recorder import StatsRecorder

    from airflow_provider_dataworks.utils import metrics

    recorder = StatsRecorder()
    monkeypatch.setattr(metrics, "_stats", recorder)
    return recorder


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated SQLite metadata DB for this xdist worker (built once, see airflow_harness)."""
    from airflow_harness import prepare_worker_db

    info = prepare_worker_db(
        template_dir=TEST_AIRFLOW_ROOT / "db-template",
        worker_db=AIRFLOW_DB,
    )
    return info


@pytest.fixture
def run_dag(airflow_db):
    """Run a DAG from ``tests/dags/dag_files`` with ``dag.test()``; returns a ``DagRunResult``.

    Usage::

        def test_x(run_dag):
            result = run_dag("my_dag", run_conf={"k": "v"})
            assert result.state == "success", result.task_states
            assert result.xcom("push")["answer"] == 42
    """
    from airflow_harness import DagRunner

    runner = DagRunner(DAGS_FOLDER)
    yield runner.run
    runner.close()


# -- the run operator's fault matrix: rows come from each test's `fault_matrix` property (also across xdist) --

_FAULT_MATRIX: list[dict] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        for name, row in report.user_properties:
            if name == "fault_matrix":
                _FAULT_MATRIX.append({**row, "mode": _mode(report.nodeid), "passed": report.passed})


def _mode(nodeid: str) -> str:
    return "deferrable" if "deferr" in nodeid else "blocking"


def pytest_terminal_summary(terminalreporter) -> None:
    if not _FAULT_MATRIX:
        return
    write = terminalreporter.write_line
    terminalreporter.section("DataWorksRunWorkflowOperator fault matrix")
    header = f"{'case':<52} {'mode':<10} {'task':<7} {'error':<30} {'runs':>4} {'left':>4} {'calls':>5} {'s':>5}  ok"
    write(header)
    write("-" * len(header))
    for row in sorted(_FAULT_MATRIX, key=lambda r: (r["case"], r["mode"])):
        write(
            f"{row['case']:<52} {row['mode']:<10} {row['state']:<7} {row['error'] or '-':<30} "
            f"{row['runs_created']:>4} {row['left_running']:>4} {row['calls']:>5} {row['seconds']:>5}  "
            f"{'PASS' if row['passed'] else 'FAIL'}"
        )
    passed = sum(1 for r in _FAULT_MATRIX if r["passed"])
    write(f"{passed}/{len(_FAULT_MATRIX)} cases pass")
