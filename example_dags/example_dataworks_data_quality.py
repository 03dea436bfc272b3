"""Ingest in DataWorks, gate on the data's quality, then publish: a data-quality scan as an Airflow gate.

`DataWorksDataQualityScanOperator` starts a run of a DataWorks data-quality scan (its rules: row count, null
ratio, freshness, each with warn and fail thresholds) and gates on its verdict: `Pass` goes on, `Warn` goes on with
a warning naming the warned rules (or fails with `fail_on_warn=True`), `Fail` and `Error` fail the task naming
each broken rule with its check value and threshold. `DataWorksDataQualityScanRunSensor` gates on a scan run that
already exists, e.g. one DataWorks' own scheduler started after a node. As written it runs against the emulator's
bundled world (`dataworks-emulator --scenario examples`), where workflow 501, scan 301 and scan run 3001 exist.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime, timedelta
from typing import Any

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG, Param

# [START howto_import_data_quality]
from airflow_provider_dataworks.operators.data_quality import DataWorksDataQualityScanOperator
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksDataQualityScanRunSensor

# [END howto_import_data_quality]

POLL_INTERVAL = float(os.environ.get("DATAWORKS_EXAMPLE_POKE_INTERVAL", "60"))

with DAG(
    dag_id="example_dataworks_data_quality",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "workflow_id": Param(501, type="integer", description="DataWorks workflow that loads the table"),
        "data_quality_scan_id": Param(301, type="integer", description="DataWorks data-quality scan of the table"),
        "data_quality_scan_run_id": Param(3001, type="integer", description="a scan run DataWorks started"),
    },
    tags=["dataworks", "example"],
) as dag:
    ingest = DataWorksRunWorkflowOperator(
        task_id="ingest",
        workflow_id="{{ params.workflow_id }}",
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=2),
    )

    # [START howto_operator_dataworks_data_quality_scan]
    check_orders = DataWorksDataQualityScanOperator(
        task_id="check_orders",
        data_quality_scan_id="{{ params.data_quality_scan_id }}",  # triggerTime: the run's data date
        fail_on_warn=False,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1),
    )
    # [END howto_operator_dataworks_data_quality_scan]

    # [START howto_sensor_dataworks_data_quality_scan_run]
    check_scheduled_scan = DataWorksDataQualityScanRunSensor(
        task_id="check_scheduled_scan",
        data_quality_scan_run_id="{{ params.data_quality_scan_run_id }}",
        poke_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1).total_seconds(),
    )
    # [END howto_sensor_dataworks_data_quality_scan_run]

    # [START howto_operator_dataworks_data_quality_xcom]
    @task
    def publish(scan_run: dict[str, Any]) -> int:
        """Publish only data that passed its checks; the verdict and per-rule results come from XCom."""
        for result in scan_run["Results"]:
            print(f"rule {result['Rule']}: {result['Status']}")
        print(f"Publishing: scan run {scan_run['Id']} ended {scan_run['Status']}")
        return int(scan_run["Id"])

    ingest >> check_orders
    [check_orders, check_scheduled_scan] >> publish(check_orders.output)
    # [END howto_operator_dataworks_data_quality_xcom]


# Run by pytest, this file is also a system test: against the emulator's bundled `examples` world, and against a
# real DataWorks workspace when DATAWORKS_SYSTEM_TEST_CONN names one (docs/system-tests.md). Nothing of it runs
# when Airflow parses the DAG.
if "pytest" in sys.modules:
    with contextlib.suppress(ImportError):  # without the emulator installed there is nothing to run against
        from dataworks_emulator.system_tests import get_test_run

        test_run = get_test_run(dag)
