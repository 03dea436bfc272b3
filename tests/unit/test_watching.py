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
    dump_watermark,
    event_payload,
    load_watermark,
    select_new,
    watched_data_dates,
)

AIRFLOW_3_ONLY = pytest.mark.skipif(
    not AIRFLOW_3, reason="DataWorksWorkflowInstanceEventTrigger needs Airflow 3 (AssetWatcher and BaseEventTrigger)"
)

SPEC = WatchSpec.build([7], ["Success"], ["Normal"])


def inst(id_, status="Success", workflow_id=7, type_="Normal", finished=1000):
    return {"Id": id_, "WorkflowId": workflow_id, "Type": type_, "Status": status, "FinishedTime": finished}


def test_first_start_takes_what_has_finished_as_the_baseline():
    new, marks = select_new([inst(1), inst(2, "Running")], SPEC, None)
    assert new == [] and marks == {"1": "Success@1000"}


def test_only_new_finishes_of_watched_workflows_types_and_statuses_are_reported():
    seen = {"1": "Success@1000"}
    instances = [inst(1), inst(2), inst(3, workflow_id=8), inst(4, type_="SupplementData"), inst(5, "Failure")]
    new, marks = select_new(instances, SPEC, seen)
    assert [i["Id"] for i in new] == [2]
    assert marks == {"1": "Success@1000", "2": "Success@1000"}


def test_a_rerun_is_reported_when_it_finishes_again():
    _, marks = select_new([inst(1, "Running", finished=None)], SPEC, {"1": "Success@1000"})
    assert marks == {}  # the rerun is running: it leaves the watermark
    new, _ = select_new([inst(1, finished=2000)], SPEC, marks)
    assert [i["Id"] for i in new] == [1]
    new, _ = select_new([inst(1, finished=3000)], SPEC, {"1": "Success@1000"})  # rerun between two polls
    assert [i["Id"] for i in new] == [1]


def test_events_come_in_finish_order():
    new, _ = select_new([inst(1, finished=3000), inst(2, finished=1000)], SPEC, {})
    assert [i["Id"] for i in new] == [2, 1]


def test_watermark_round_trip_and_foreign_values():
    assert load_watermark(dump_watermark({"1": "Success@1"})) == {"1": "Success@1"}
    for foreign in (None, "x", {"version": 99, "reported": {}}, {"version": 1, "reported": []}):
        assert load_watermark(foreign) is None


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
    from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceEventTrigger

    trigger = DataWorksWorkflowInstanceEventTrigger("7", project_id=100, statuses=("Success", "Failure"))
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_dataworks.triggers.event.DataWorksWorkflowInstanceEventTrigger"
    assert DataWorksWorkflowInstanceEventTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert kwargs["workflow_ids"] == [7] and kwargs["project_id"] == "100"
    for bad in ({"env_type": "prod"}, {"poll_interval": 0}, {"poll_interval": "5"}):
        with pytest.raises(DataWorksConfigError, match=next(iter(bad))):
            DataWorksWorkflowInstanceEventTrigger(7, **bad)


@AIRFLOW_3_ONLY
def test_importing_the_trigger_module_does_not_load_the_event_trigger():
    code = (
        "import sys, airflow_provider_dataworks.triggers.dataworks as m;"
        "assert 'airflow_provider_dataworks.triggers.event' not in sys.modules;"
        "m.DataWorksWorkflowInstanceEventTrigger;"
        "assert 'airflow_provider_dataworks.triggers.event' in sys.modules;"
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
