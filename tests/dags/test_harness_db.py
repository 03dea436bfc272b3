"""The metadata DB fixture: one template, one private copy per xdist worker.

Together with test_harness.py this module also checks that two workers (``pytest -n 2``)
run DAGs at the same time without SQLite lock errors: each uses its own DB file.
"""

from __future__ import annotations

import os


def test_each_worker_has_its_own_migrated_db(airflow_db):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    assert airflow_db.path.parent.name == worker
    assert airflow_db.path.is_file()
    assert airflow_db.template.is_file()
    assert os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{airflow_db.path}"

    from airflow.utils.db import check_migrations

    check_migrations(timeout=0)  # raises if the schema is not at Airflow's head revision


def test_dag_run_in_second_module(run_dag):
    result = run_dag("harness_smoke")

    assert result.state == "success", result
    assert result.xcom("pull") == {"seen": 42}
