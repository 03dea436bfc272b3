"""One DAG per mode (poke, reschedule, deferrable) gating on data-quality scans: the scan operator on each verdict
and the scan-run sensor on existing runs, as independent branches; the test puts the scans and runs in the
emulator and passes the run ids through `dag_run.conf`."""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow.models import DAG

from airflow_provider_dataworks.operators.data_quality import DataWorksDataQualityScanOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksDataQualityScanRunSensor

FAST = {"api_retry_delay": 0.05}

for mode in ("poke", "reschedule", "deferrable"):
    with DAG(
        dag_id=f"dataworks_data_quality_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"deferrable": mode == "deferrable", "timeout": 60},
    ) as dag:
        for verdict, scan_id in (("pass", 401), ("warn", 402), ("fail", 403)):
            DataWorksDataQualityScanOperator(
                task_id=f"scan_{verdict}", data_quality_scan_id=scan_id, poll_interval=0.5, **FAST
            )
        DataWorksDataQualityScanOperator(
            task_id="scan_warn_strict", data_quality_scan_id=402, fail_on_warn=True, poll_interval=0.5, **FAST
        )
        sensor_mode = "reschedule" if mode == "reschedule" else "poke"
        DataWorksDataQualityScanRunSensor(
            task_id="gate_pass",
            data_quality_scan_run_id="{{ dag_run.conf['pass_run'] }}",
            mode=sensor_mode,
            poke_interval=0.5,
            **FAST,
        )
        DataWorksDataQualityScanRunSensor(
            task_id="gate_fail_soft",
            data_quality_scan_run_id="{{ dag_run.conf['fail_run'] }}",
            mode=sensor_mode,
            poke_interval=0.5,
            soft_fail=True,
            **FAST,
        )
