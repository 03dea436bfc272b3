"""Real Airflow runs: the same gate finds the same DataWorks instance on every timetable, for hourly workflows, on
manual runs without a logical date, and after a DataWorks rerun on the task's retry; bad dates fail at once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.timeout(240)

UTC8 = timezone(timedelta(hours=8))


@pytest.fixture
def emu(dataworks_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=2))
    return dataworks_emulator


def daily_ids(emu, first: str, last: str, at: str = "00:30") -> dict[str, int]:
    """DataWorks' daily instances of workflow 601 (scheduled at `at` the next day), by data date."""
    ids = emu.add_scheduled_workflow(601, "dws_sales_daily", at=at, biz_dates=f"{first}..{last}", statuses=["Success"])
    return dict(zip(_days(first, last), ids, strict=True))


def _clear_of_midnight_utc8() -> datetime:
    """Now, after waiting out the last 30 s before midnight in DataWorks' zone (UTC+8), so that the test and the run
    it starts agree on the date."""
    now = datetime.now(UTC)
    to_midnight = (
        86400
        - (
            now.astimezone(UTC8) - now.astimezone(UTC8).replace(hour=0, minute=0, second=0, microsecond=0)
        ).total_seconds()
    )
    if to_midnight < 30:
        time.sleep(to_midnight + 1)
    return datetime.now(UTC)


def _days(first: str, last: str) -> list[str]:
    start, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
    return [(start + timedelta(days=n)).date().isoformat() for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    "dag_id",
    [
        # Airflow 3's default: the run due at 2025-01-16 00:00 UTC is the point [2025-01-16, 2025-01-16].
        "dataworks_dates_cron_trigger",
        # Airflow 2 style: the same run is the interval [2025-01-15, 2025-01-16) (dag.test infers it from the
        # date given, as for a manual run: the latest complete interval).
        "dataworks_dates_cron_interval",
    ],
)
def test_same_instance_on_both_timetables(dag_id, run_dag, emu):
    ids = daily_ids(emu, "2025-01-14", "2025-01-16")
    result = run_dag(dag_id, logical_date=datetime(2025, 1, 16, tzinfo=UTC))
    assert result.state == "success", result
    assert result.xcom("gated_on_daily") == ids["2025-01-15"]
    (lookup,) = emu.calls("ListWorkflowInstances")
    assert lookup.params["BizDate"] == "1736870400000"  # 2025-01-15 00:00 UTC+8, the reference's example


def test_manual_run_without_logical_date(run_dag, emu):
    due = _clear_of_midnight_utc8()
    data_date = (due.astimezone(UTC8).date() - timedelta(days=1)).isoformat()
    day_before = (due.astimezone(UTC8).date() - timedelta(days=2)).isoformat()
    # scheduled at 00:00, not 00:30: a run due between 00:00 and 00:30 UTC+8 would find yesterday's instance NotRun
    ids = daily_ids(emu, day_before, data_date, at="00:00")
    result = run_dag("dataworks_dates_cron_trigger", logical_date=None)
    assert result.state == "success", result
    assert result.logical_date is None
    assert result.xcom("gated_on_daily") == ids[data_date]


def test_hourly_workflow_gates_on_the_hour_of_the_run(run_dag, emu):
    hour_ids = emu.add_scheduled_workflow(
        602, "ods_clicks_hourly", schedule="hourly", at="00:00", biz_dates=["2025-01-15"], statuses=["Success"]
    )
    assert len(hour_ids) == 24
    # The run due at 2025-01-15 21:00 UTC = 2025-01-16 05:00 UTC+8: data date 2025-01-15, the 05:00 instance.
    result = run_dag("dataworks_dates_hourly", logical_date=datetime(2025, 1, 15, 21, tzinfo=UTC))
    assert result.state == "success", result
    assert result.xcom("gated_on_hourly") == hour_ids[5]
    assert result.xcom("gated_on_explicit_hour") == hour_ids[2]
    # Each lookup: one list of the date's instances, one list of their tasks for the scheduling times.
    assert len(emu.calls("ListTaskInstances")) == 2


def test_a_rerun_in_dataworks_passes_the_gate_on_the_tasks_retry(run_dag, emu):
    (instance_id,) = emu.add_scheduled_workflow(
        603, "dwd_orders", biz_dates=["2025-01-15"], statuses=["Failure"], rerun_statuses=["Success"]
    )

    def rerun_when_failed() -> None:
        """Plays the DataWorks operator (or auto-rerun): once the gate saw the failure, rerun the same id."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(c.status == 200 for c in emu.calls("ListWorkflowInstances")):
                time.sleep(0.2)
                emu.rerun_workflow_instance(instance_id, statuses=["Running", "Success"], advance=0.3)
                return
            time.sleep(0.05)

    worker = threading.Thread(target=rerun_when_failed, daemon=True)
    worker.start()
    result = run_dag("dataworks_dates_rerun", logical_date=datetime(2025, 1, 16, tzinfo=UTC))
    worker.join(5)
    assert result.task_states["rerun"] == "success", result
    assert result.try_numbers["rerun"] == 2
    assert result.xcom("gated_on_rerun") == instance_id
    # Bad dates fail on the first try, without retries and before any API call of theirs.
    assert result.task_states["bad_date"] == result.task_states["epoch_date"] == "failed"
    assert result.try_numbers["bad_date"] == result.try_numbers["epoch_date"] == 1
