"""Scenario data dates relative to the emulator's day (`today`, `today-N`, `today+N`), and the bundled `examples`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dataworks_emulator import DataWorksEmulator, ScenarioError
from dataworks_emulator.models.state import to_biz_date_ms
from dataworks_emulator.scenario import relative_date, resolve_relative_dates

pytestmark = pytest.mark.timeout(30)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 1, 16)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("today", "2025-01-16"),
        ("today-1", "2025-01-15"),
        ("today+2", "2025-01-18"),
        (" today - 16 ", "2024-12-31"),
        ("2025-01-10", "2025-01-10"),  # absolute dates and other values stay as they are
        ("20250110", "20250110"),
        (1736870400000, 1736870400000),
        (None, None),
    ],
)
def test_relative_date(value: object, expected: object) -> None:
    assert relative_date(value, DAY) == expected


def test_resolve_relative_dates_in_every_date_field() -> None:
    entry = {
        "workflow_id": 501,
        "biz_date": "today-1",
        "biz_dates": "today-3..today",
        "statuses_by_time": {"today-1": ["Failure"], "today-2 00:30": ["Running"], "05:00": ["Success"]},
        "name": "today is not a date here",
    }
    assert resolve_relative_dates(entry, DAY) == {
        "workflow_id": 501,
        "biz_date": "2025-01-15",
        "biz_dates": "2025-01-13..2025-01-16",
        "statuses_by_time": {"2025-01-15": ["Failure"], "2025-01-14 00:30": ["Running"], "05:00": ["Success"]},
        "name": "today is not a date here",
    }
    assert resolve_relative_dates({"biz_dates": ["today-1", "2025-01-01"]}, DAY) == {
        "biz_dates": ["2025-01-15", "2025-01-01"]
    }
    assert resolve_relative_dates({"biz_dates": "today"}, DAY) == {"biz_dates": "2025-01-16"}
    assert entry["biz_date"] == "today-1"  # the scenario itself keeps its relative dates, for the next reset


def test_today_is_the_emulator_clocks_day_in_its_time_zone() -> None:
    scenario = {
        "clock": "2025-01-15T17:00:00+00:00",  # 01:00 on 2025-01-16 in Asia/Shanghai
        "workflow_instances": [{"id": 7, "workflow_id": 500, "biz_date": "today-1", "statuses": ["Success"]}],
        "scheduled_workflows": [
            {
                "workflow_id": 501,
                "name": "sales_daily",
                "at": "00:00",
                "biz_dates": "today-2..today-1",
                "statuses": ["Success"],
                "statuses_by_time": {"today-2": ["Failure"]},
            }
        ],
    }
    with DataWorksEmulator(scenario) as emulator:
        assert emulator.workflow_instance(7)["BizDate"] == to_biz_date_ms("2025-01-15")
        scheduled = [i for i in emulator.state.workflow_instances() if i["WorkflowId"] == 501]
        assert [(i["BizDate"], i["Status"]) for i in scheduled] == [
            (to_biz_date_ms("2025-01-14"), "Failure"),
            (to_biz_date_ms("2025-01-15"), "Success"),
        ]
    with DataWorksEmulator(scenario, timezone="UTC") as in_utc:  # the same moment is still 2025-01-15 in UTC
        assert in_utc.workflow_instance(7)["BizDate"] == to_biz_date_ms("2025-01-14", ZoneInfo("UTC"))


def test_without_a_clock_today_is_todays_date_at_start_and_at_reset() -> None:
    before = datetime.now(SHANGHAI).date()
    with DataWorksEmulator({"workflow_instances": [{"id": 7, "biz_date": "today-1"}]}) as emulator:
        after = datetime.now(SHANGHAI).date()
        yesterdays = {to_biz_date_ms(day - timedelta(days=1)) for day in (before, after)}
        assert emulator.workflow_instance(7)["BizDate"] in yesterdays
        emulator.reset()  # the world is built again from the scenario, its relative dates resolved again
        assert emulator.workflow_instance(7)["BizDate"] in yesterdays | {
            to_biz_date_ms(datetime.now(SHANGHAI).date() - timedelta(days=1))
        }


@pytest.mark.parametrize("value", ["today-one", "today*2", "today-1..today-x", "todays"])
def test_a_malformed_relative_date_names_the_entry_and_the_forms(value: str) -> None:
    key = "biz_dates" if ".." in value else "biz_date"
    entries = {"scheduled_workflows": [{"workflow_id": 1, "name": "w", "biz_dates": value}]}
    scenario = entries if key == "biz_dates" else {"workflow_instances": [{"biz_date": value}]}
    with pytest.raises(ScenarioError) as excinfo:
        DataWorksEmulator(scenario)
    message = str(excinfo.value)
    assert "'today', 'today-N' or 'today+N'" in message and "[0]" in message and "\n" not in message


def test_the_bundled_examples_world_lies_around_today() -> None:
    """What the example DAGs find in `dataworks-emulator --scenario examples`, whatever day it is."""
    with DataWorksEmulator("examples") as emulator:
        now = emulator.now()
        today = now.astimezone(SHANGHAI).date()
        yesterday_ms = to_biz_date_ms(today - timedelta(days=1))
        assert (emulator.workflow_instance(1001)["BizDate"], emulator.workflow_instance(1001)["Status"]) == (
            yesterday_ms,
            "Success",
        )
        visible = emulator.state.workflow_instances()
        daily = {(i["WorkflowId"], i["BizDate"]): i for i in visible if i["WorkflowId"] in (501, 700)}
        for days_ago in (1, 2, 3):  # Airflow 3 gates a run due now on yesterday, Airflow 2 on up to two days before
            assert daily[501, to_biz_date_ms(today - timedelta(days=days_ago))]["Status"] == "Success"
            tasks = emulator.task_instances(daily[700, to_biz_date_ms(today - timedelta(days=days_ago))]["Id"])
            trigger_node = tasks[0]
            assert (trigger_node["TaskId"], trigger_node["TaskType"], trigger_node["Status"]) == (
                21,
                "SCHEDULER_TRIGGER",
                "WaitTrigger",
            )
        hour_ms = int(now.replace(minute=0, second=0, microsecond=0).timestamp() * 1000)
        hourly = [t for t in emulator.state.task_instances() if t["TaskId"] == 9001 and t["TriggerTime"] == hour_ms]
        assert [t["Status"] for t in hourly] == ["Success"]
        assert emulator.state.workflow(501) is not None  # the run example starts it
