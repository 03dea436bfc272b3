"""One gate, several Airflow timetables: which DataWorks instance each run waits for when no date is given.

Every DAG here holds the same sensor on workflow 601 (daily) and, where it fits, on workflow 602 (hourly); the
test seeds DataWorks' scheduled instances with the emulator's scheduler model and checks the instance each run
gated on. Intervals are short because the emulator answers at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow.decorators import task
    from airflow.models import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable

from airflow_provider_dataworks.sensors.dataworks import DataWorksWorkflowInstanceSensor

FAST = {"poke_interval": 0.3, "api_retry_delay": 0.05, "timeout": 60}
DAILY, HOURLY, RERUN = 601, 602, 603


@task
def gated_on(instance: dict[str, Any]) -> int:
    """What a downstream task sees: the id of the instance the gate opened on."""
    return int(instance["Id"])


TIMETABLES = {
    "dataworks_dates_cron_trigger": CronTriggerTimetable("0 0 * * *", timezone="UTC"),
    "dataworks_dates_cron_interval": CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
}
for dag_id, timetable in TIMETABLES.items():
    with DAG(dag_id=dag_id, schedule=timetable, start_date=datetime(2025, 1, 1), catchup=False) as dag:
        daily = DataWorksWorkflowInstanceSensor(task_id="daily", workflow_id=DAILY, **FAST)
        gated_on.override(task_id="gated_on_daily")(daily.output)
    globals()[dag_id] = dag

with DAG(
    dag_id="dataworks_dates_hourly",
    schedule=CronTriggerTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1),
    catchup=False,
) as hourly_dag:
    hourly = DataWorksWorkflowInstanceSensor(task_id="hourly", workflow_id=HOURLY, **FAST)
    gated_on.override(task_id="gated_on_hourly")(hourly.output)
    explicit = DataWorksWorkflowInstanceSensor(
        task_id="explicit_hour", workflow_id=HOURLY, scheduled_time="2025-01-16T02:00:00+08:00", **FAST
    )
    gated_on.override(task_id="gated_on_explicit_hour")(explicit.output)

with DAG(
    dag_id="dataworks_dates_rerun",
    schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
) as rerun_dag:
    rerun = DataWorksWorkflowInstanceSensor(task_id="rerun", workflow_id=RERUN, **FAST)
    gated_on.override(task_id="gated_on_rerun")(rerun.output)
    DataWorksWorkflowInstanceSensor(task_id="bad_date", workflow_id=RERUN, biz_date="2025-02-30", **FAST)
    DataWorksWorkflowInstanceSensor(task_id="epoch_date", workflow_id=RERUN, biz_date=1736870400000, **FAST)
