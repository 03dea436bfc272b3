"""DAGs that exercise the pytest DAG-run harness (tests/dags/test_harness*.py).

* ``harness_smoke``: ``push`` returns a dict (incl. ``dag_run.conf``); ``pull`` pulls and prints it.
* ``harness_env``: a task reads a connection and an env var set by the test with monkeypatch.
* ``harness_deferral``: an operator defers to ``SuccessTrigger``; dag.test() runs the trigger
  inline and ``execute_complete``'s return value becomes the ``return_value`` XCom.
* ``harness_branches``: independent branches, one failing, to show that dag.test() still runs
  the others (one DAG can hold several scenario tasks).
"""

from __future__ import annotations

import os
from datetime import timedelta

try:  # Airflow 3
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG, BaseHook, BaseOperator
except ImportError:  # Airflow 2
    from airflow.hooks.base import BaseHook
    from airflow.models import DAG, BaseOperator
    from airflow.operators.python import PythonOperator


def _push(**context):
    return {"answer": 42, "items": ["a", "b"], "conf": dict(context["dag_run"].conf or {})}


def _pull(ti, **_):
    value = ti.xcom_pull(task_ids="push")
    print(f"pulled: {value}")
    return {"seen": value["answer"]}


def _conn_login(conn_id):
    return BaseHook.get_connection(conn_id).login


def _env(name):
    return os.environ.get(name)


def _fail():
    raise RuntimeError("boom (expected by the test)")


class _DeferToSuccessTrigger(BaseOperator):
    def execute(self, context):
        from airflow.triggers.testing import SuccessTrigger

        self.defer(trigger=SuccessTrigger(), method_name="execute_complete", timeout=timedelta(minutes=1))

    def execute_complete(self, context, event=None):
        return {"resumed": True, "event": event}


with DAG(dag_id="harness_smoke", schedule=None, catchup=False, tags=["harness"]):
    PythonOperator(task_id="push", python_callable=_push) >> PythonOperator(task_id="pull", python_callable=_pull)


with DAG(dag_id="harness_env", schedule=None, catchup=False, tags=["harness"]):
    PythonOperator(task_id="conn_login", python_callable=_conn_login, op_args=["harness_env_conn"])
    PythonOperator(task_id="env", python_callable=_env, op_args=["HARNESS_PROBE"])


with DAG(dag_id="harness_deferral", schedule=None, catchup=False, tags=["harness"]):
    _DeferToSuccessTrigger(task_id="deferred")


with DAG(dag_id="harness_branches", schedule=None, catchup=False, tags=["harness"]):
    PythonOperator(task_id="ok_a", python_callable=lambda: "a")
    PythonOperator(task_id="bad", python_callable=_fail) >> PythonOperator(
        task_id="after_bad", python_callable=lambda: "never"
    )
    PythonOperator(task_id="ok_b", python_callable=lambda: "b") >> PythonOperator(
        task_id="after_ok_b", python_callable=lambda: "b2"
    )
