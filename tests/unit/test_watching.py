"""The event trigger's decisions: what a watcher reports, its watermark, the watched dates, input validation."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from airflow_harness import AIRFLOW_3

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.waits.watching import (
    WatchSpec,
    Watermark,
    dump_watermark,
    event_payload,
    load_watermark,
    select_new,
    watched_data_dates,
    without,
)

AIRFLOW_3_ONLY = pytest.mark.skipif(
    not AIRFLOW_3, reason="DataWorksWorkflowInstanceEventTrigger needs Airflow 3 (AssetWatcher and BaseEventTrigger)"
)

SPEC = WatchSpec.build([7], ["Success"], ["Normal"])
START = 5.0  # the watch starts at 5000 ms after the epoch


def seen(reported):
    return Watermark(START, reported)


def inst(id_, status="Success", workflow_id=7, type_="Normal", finished=1000):
    return {"Id": id_, "WorkflowId": workflow_id, "Type": type_, "Status": status, "FinishedTime": finished}


def test_first_start_takes_what_finished_before_the_start_as_the_baseline():
    new, after = select_new([inst(1), inst(2, "Running", finished=None)], SPEC, Watermark(START))
    assert new == [] and after == Watermark(START, {"1": "Success@1000"})


def test_a_finish_after_the_start_is_reported_though_the_first_poll_already_shows_it():
    instances = [inst(1, finished=4999), inst(2, finished=5000), inst(3, finished=7000), inst(4, "Running")]
    new, after = select_new(instances, SPEC, Watermark(START))
    assert [i["Id"] for i in new] == [2, 3]  # at or after the start: news, even in the first snapshot
    assert after.reported == {"1": "Success@4999", "2": "Success@5000", "3": "Success@7000"}
    assert without(after, new) == Watermark(START, {"1": "Success@4999"})  # what may be stored before the events


def test_a_first_poll_reports_a_finish_it_cannot_date_rather_than_lose_it():
    undated = {**inst(1), "FinishedTime": None, "ModifyTime": 1000}
    new, after = select_new([undated, inst(2), inst(3, "Failure")], SPEC, Watermark(START))
    assert [i["Id"] for i in new] == [1]
    assert after.reported == {"1": "Success@1000", "2": "Success@1000"}
    again, _ = select_new([undated], SPEC, after)
    assert again == []  # reported once: from then on the watermark decides


def test_once_something_is_reported_the_start_no_longer_matters():
    new, _ = select_new([inst(1, finished=1000), inst(2, finished=1000)], SPEC, seen({"1": "Success@1000"}))
    assert [i["Id"] for i in new] == [2]  # finished long before the start, yet new since the last poll


def test_only_new_finishes_of_watched_workflows_types_and_statuses_are_reported():
    instances = [inst(1), inst(2), inst(3, workflow_id=8), inst(4, type_="SupplementData"), inst(5, "Failure")]
    new, after = select_new(instances, SPEC, seen({"1": "Success@1000"}))
    assert [i["Id"] for i in new] == [2]
    assert after.reported == {"1": "Success@1000", "2": "Success@1000"}


def test_a_rerun_is_reported_when_it_finishes_again():
    _, after = select_new([inst(1, "Running", finished=None)], SPEC, seen({"1": "Success@1000"}))
    assert after.reported == {}  # the rerun is running: it leaves the watermark
    new, _ = select_new([inst(1, finished=2000)], SPEC, after)
    assert [i["Id"] for i in new] == [1]
    new, _ = select_new([inst(1, finished=3000)], SPEC, seen({"1": "Success@1000"}))  # rerun between two polls
    assert [i["Id"] for i in new] == [1]


def test_events_come_in_finish_order():
    new, _ = select_new([inst(1, finished=3000), inst(2, finished=1000)], SPEC, seen({}))
    assert [i["Id"] for i in new] == [2, 1]


def test_watermark_round_trip_and_foreign_values():
    for watermark in (Watermark(START, {"1": "Success@1"}), Watermark(START)):
        assert load_watermark(dump_watermark(watermark), 99.0) == watermark  # the stored start wins
    assert dump_watermark(Watermark(START)) == {"version": 2, "started_at": START, "reported": None}
    foreign = (
        None,
        "x",
        {"version": 99, "reported": {}},
        {"version": 1, "reported": []},
        {"version": 1, "reported": None},  # version 1 always held what was reported
        {"version": 2, "started_at": "soon", "reported": {}},
        {"version": 2, "started_at": True, "reported": None},
    )
    for value in foreign:
        assert load_watermark(value, START) is None


def test_a_version_1_watermark_still_loads_with_the_current_start():
    assert load_watermark({"version": 1, "reported": {"1": "Success@1"}}, START) == seen({"1": "Success@1"})


def test_watched_dates_are_today_and_two_days_before_in_dataworks_zone():
    now = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # already 2025-01-16 01:00 in Shanghai
    assert watched_data_dates(now, ZoneInfo("Asia/Shanghai")) == [
        date(2025, 1, 14),
        date(2025, 1, 15),
        date(2025, 1, 16),
    ]


def test_payload_names_the_instance_and_its_data_date():
    instance = {**inst(1), "BizDate": 1736870400000}  # 2025-01-15 00:00 +08:00
    payload = event_payload(instance, "Asia/Shanghai")
    assert payload == {
        "instance": instance,
        "workflow_id": 7,
        "workflow_instance_id": 1,
        "status": "Success",
        "biz_date": "2025-01-15",
    }


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (([], ["Success"], ["Normal"]), "workflow_ids"),
        ((["x"], ["Success"], ["Normal"]), "workflow_ids"),
        (([1], ["Running"], ["Normal"]), "statuses"),
        (([1], [], ["Normal"]), "statuses"),
        (([1], ["Success"], ["Hourly"]), "instance_types"),
    ],
)
def test_bad_input_names_the_field(args, field):
    with pytest.raises(DataWorksConfigError, match=field):
        WatchSpec.build(*args)


@AIRFLOW_3_ONLY
def test_trigger_validates_and_serializes_plain_values():
    from airflow_provider_dataworks.triggers.event import DataWorksWorkflowInstanceEventTrigger

    trigger = DataWorksWorkflowInstanceEventTrigger("7", project_id=100, statuses=("Success", "Failure"))
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_dataworks.triggers.event.DataWorksWorkflowInstanceEventTrigger"
    assert DataWorksWorkflowInstanceEventTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert kwargs["workflow_ids"] == [7] and kwargs["project_id"] == "100"
    for bad in ({"env_type": "prod"}, {"poll_interval": 0}, {"poll_interval": "5"}):
        with pytest.raises(DataWorksConfigError, match=next(iter(bad))):
            DataWorksWorkflowInstanceEventTrigger(7, **bad)


def test_the_deferral_triggers_module_neither_loads_nor_offers_the_event_trigger():
    code = (
        "import sys, airflow_provider_dataworks.triggers.dataworks as m;"
        "assert 'airflow_provider_dataworks.triggers.event' not in sys.modules;"
        "assert not hasattr(m, 'DataWorksWorkflowInstanceEventTrigger');"  # one path: triggers.event
        "assert 'alibabacloud_dataworks_public20240518' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_base_event_trigger_the_import_fails_with_one_sentence():
    # Airflow 2 has no BaseEventTrigger at all; on Airflow 3 it is taken away to show the same sentence.
    code = (
        "import airflow.triggers.base as b\nif hasattr(b, 'BaseEventTrigger'): del b.BaseEventTrigger\n"
        "try:\n    import airflow_provider_dataworks.triggers.event\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "needs Airflow 3" in out and "DataWorksWorkflowInstanceSensor" in out
