"""Run an Airflow DAG file as a system test under pytest: against the emulator's bundled world, or a real workspace.

The counterpart of Airflow's own ``tests_common.test_utils.system_tests.get_test_run``. The example DAGs of
airflow-provider-dataworks end with::

    if "pytest" in sys.modules:
        with contextlib.suppress(ImportError):
            from dataworks_emulator.system_tests import get_test_run

            test_run = get_test_run(dag)

so that ``pytest example_dags/example_dataworks_sensor.py`` runs the DAG, while Airflow parsing the file imports
nothing of this. ``test_run`` has two cases:

- ``test_run[emulator]``: a fresh emulator on a free port serves the bundled ``examples`` scenario, and the
  default connection (``dataworks_default``) points at it for the run.
- ``test_run[workspace]``: a real DataWorks workspace, whose Airflow connection (JSON or URI) the environment
  variable ``DATAWORKS_SYSTEM_TEST_CONN`` holds; skipped when it is unset. ``DATAWORKS_SYSTEM_TEST_CONF`` may hold
  a JSON object of run confs by DAG id, e.g. ``{"example_dataworks_sensor": {"workflow_id": 12345}}``: the
  params (ids) that exist in that workspace.

Each runs ``dag.test()`` once, a run due now as ``airflow dags test <dag_id>`` makes it, and asserts that the DAG
run succeeded. Airflow must be set up as for ``airflow dags test``: a migrated metadata database (``airflow db
migrate``) and, on Airflow 3, the DAG's file in the dags folder. Nothing here is imported at module import time
but the standard library: pytest, Airflow and the server load when a test runs.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: The bundled scenario the example DAGs run against as written.
SCENARIO = "examples"
#: Environment variable holding a real workspace's Airflow connection (JSON or URI): selects the workspace case.
CONNECTION_ENV = "DATAWORKS_SYSTEM_TEST_CONN"
#: Environment variable holding run confs by DAG id (JSON object) for the workspace case.
CONF_ENV = "DATAWORKS_SYSTEM_TEST_CONF"
#: The connection the DAGs use (`dataworks_default`), set for the duration of one run.
CONNECTION_VARIABLE = "AIRFLOW_CONN_DATAWORKS_DEFAULT"
#: The test cases of every DAG file, in order.
TARGETS = ("emulator", "workspace")


def get_test_run(dag: Any, *, scenario: str = SCENARIO) -> Callable[[str], None]:
    """Return the pytest test function ``test_run`` of a DAG file, parametrized over `TARGETS`."""
    import pytest

    @pytest.mark.parametrize("target", TARGETS)
    def test_run(target: str) -> None:
        """Run the DAG once, due now, against the emulator's bundled world or a real workspace; it must succeed."""
        if target == "workspace":
            connection = os.environ.get(CONNECTION_ENV, "").strip()
            if not connection:
                pytest.skip(f"set {CONNECTION_ENV} to a DataWorks workspace's Airflow connection to run against it")
            run_dag(dag, connection, conf=workspace_conf(dag.dag_id))
            return
        from dataworks_emulator.runner import DataWorksEmulator

        with DataWorksEmulator(scenario) as emulator:
            run_dag(dag, emulator.connection_json())

    return test_run


def workspace_conf(dag_id: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any] | None:
    """The run conf `CONF_ENV` gives `dag_id` (None: the DAG's own param defaults)."""
    text = environ.get(CONF_ENV, "").strip()
    if not text:
        return None
    try:
        confs = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{CONF_ENV} must be a JSON object of run confs by DAG id: {exc}.") from None
    if not isinstance(confs, dict) or not all(isinstance(conf, dict) for conf in confs.values()):
        raise ValueError(f"{CONF_ENV} must be a JSON object of run confs by DAG id, e.g. {{{dag_id!r}: {{...}}}}.")
    conf = confs.get(dag_id)
    return dict(conf) if conf else None


def run_dag(dag: Any, connection: str, *, conf: dict[str, Any] | None = None) -> Any:
    """``dag.test()`` with `connection` as the default DataWorks connection; the DAG run, which must have succeeded."""
    previous = os.environ.get(CONNECTION_VARIABLE)
    os.environ[CONNECTION_VARIABLE] = connection
    try:
        dag_run = dag.test(run_conf=conf)
    except Exception as exc:
        exc.add_note(
            f"System tests run {dag.dag_id} as `airflow dags test` does: Airflow needs a migrated metadata database "
            "(`airflow db migrate`) and, on Airflow 3, the DAG's file in its dags folder (AIRFLOW__CORE__DAGS_FOLDER)."
        )
        raise
    finally:
        if previous is None:
            os.environ.pop(CONNECTION_VARIABLE, None)
        else:
            os.environ[CONNECTION_VARIABLE] = previous
    state = str(getattr(dag_run.state, "value", dag_run.state))
    assert state == "success", f"DAG run {dag_run.run_id} of {dag.dag_id} ended {state}: see the task logs above."
    return dag_run
