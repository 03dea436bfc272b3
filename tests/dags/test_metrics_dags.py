"""The wait-duration metric in real Airflow runs (dag.test) of every sensor mode: one timing per ended wait, from
the task instance's start, tagged by what ended it; deferrals and reschedules in between are not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from airflow_harness import AIRFLOW_3

pytestmark = pytest.mark.timeout(240)

#: Reads for which the instances stay Running. Polled every 0.5 s, a deferred wait may spend one read before it
#: defers and its first two reads may fall either side of a 0.5 s boundary, so five reads make at least 1.5 s; a
#: wait that ends on them took at least 1 s however its reads fall.
RUNNING = ["Running"] * 5
#: The times_out sensor's timeout.
TIMEOUT_SECONDS = 2


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_each_ended_wait_is_timed_once_by_outcome(mode, run_dag, dataworks_emulator, stats_recorder, monkeypatch):
    emu = dataworks_emulator
    ds = datetime.now(UTC).date().isoformat()
    conf = {
        "success_id": emu.add_workflow_instance(workflow_id=7000, biz_date=ds, statuses=[*RUNNING, "Success"]),
        "failure_id": emu.add_workflow_instance(workflow_id=7000, biz_date=ds, statuses=[*RUNNING, "Failure"]),
        "running_id": emu.add_workflow_instance(workflow_id=7000, biz_date=ds, statuses=["Running"]),
    }
    emu.add_workflow(id=501, name="dws_sales_daily", statuses=[*RUNNING, "Success"])
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emu.connection_json(read_timeout=1))

    result = run_dag(f"dataworks_metrics_{mode}", run_conf=conf)

    expected = {"succeeds": "success", "fails": "failed", "times_out": "failed"}
    outcomes = ["failure", "success", "timeout"]
    if mode == "deferrable":
        expected["runs"] = "success"
        outcomes = ["failure", "success", "success", "timeout"]
    assert result.task_states == expected, result
    timings = stats_recorder.tagged("dataworks.wait.duration")
    assert sorted(m.tags["outcome"] for m in timings) == outcomes
    assert {m.tags["kind"] for m in timings} == {"workflow"}
    if mode == "reschedule" and not AIRFLOW_3:
        # Airflow 2's dag.test() records no task start date, so each poke counts alone there; its workers set the
        # start date of a rescheduled sensor to its first poke's, which the wait then counts from.
        timings = []
    for timing in timings:
        least = TIMEOUT_SECONDS if timing.tags["outcome"] == "timeout" else 1
        assert timedelta(seconds=least) <= timing.value < timedelta(seconds=120), timing
    named = {m.name for m in stats_recorder.metrics if m.type == "timer" and not m.tags}
    assert named == {f"dataworks.wait.duration.workflow.{outcome}" for outcome in ("success", "failure", "timeout")}
