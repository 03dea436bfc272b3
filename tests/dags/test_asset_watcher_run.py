"""One real event-driven run: dag-processor, triggerer and scheduler processes; DataWorks finishes an instance.

The watched DAG run must be created by the scheduler from the asset event the DataWorks event trigger fired, with
the instance in the event's extra. Bounded in time; the processes are stopped whatever happens.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("airflow_provider_dataworks.triggers.event", exc_type=ImportError)  # Airflow 2: skipped

from asset_watcher_run import AirflowProcesses

pytestmark = pytest.mark.timeout(300)

WORKFLOW_ID = 500  # the example DAG's watched workflow


def test_a_finished_instance_creates_the_watched_dag_run(airflow_db, dataworks_emulator, tmp_path):
    dw = dataworks_emulator
    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    dw.add_workflow_instance(workflow_id=WORKFLOW_ID, biz_date=yesterday, statuses=["Success"])  # before: not news
    airflow = AirflowProcesses.prepare(tmp_path, dw.connection_json(), poll_interval=1.0)
    shutil.copy(airflow_db.template, tmp_path / "airflow.db")
    airflow.start()
    try:
        airflow.ensure_unpaused(timeout=150)
        airflow.wait_until("watch start", airflow.watch_started, timeout=150)  # its first poll may be in flight
        instance_id = dw.add_workflow_instance(
            workflow_id=WORKFLOW_ID, name="ods_orders_daily", biz_date=yesterday, statuses=["Success"]
        )
        runs = airflow.wait_until("asset-triggered DAG run", airflow.watched_runs, timeout=90)
    finally:
        airflow.stop()

    assert len(runs) == 1, runs
    assert runs[0]["run_type"] == "asset_triggered"
    payload = runs[0]["extra"]["payload"]
    assert payload["instance"]["Id"] == instance_id and payload["instance"]["Status"] == "Success"
    assert payload["biz_date"] == yesterday.isoformat()
