"""Data dates: strict parsing of every accepted form, the default of an Airflow run on each timetable, wire forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pendulum
import pytest

from airflow_provider_dataworks.dates import (
    biz_date_ms,
    dataworks_zone,
    default_data_date,
    format_biz_date,
    parse_data_date,
    parse_scheduled_time,
)
from airflow_provider_dataworks.exceptions import DataWorksConfigError

SHANGHAI = dataworks_zone()
JAN_15 = date(2025, 1, 15)
#: 2025-01-15 00:00 UTC+8, as in the reference.
JAN_15_MS = 1736870400000


@pytest.mark.parametrize(
    "value",
    [
        "2025-01-15",
        " 2025-01-15 ",
        "20250115",
        20250115,
        JAN_15,
        datetime(2025, 1, 15, 23, 59),  # naive: DataWorks' local time
        datetime(2025, 1, 14, 16, 0, tzinfo=UTC),  # 2025-01-15 00:00 in UTC+8
        pendulum.datetime(2025, 1, 15, 15, 59, tz="UTC"),  # 23:59 in UTC+8
    ],
)
def test_accepted_forms(value: Any) -> None:
    assert parse_data_date(value, SHANGHAI) == JAN_15


def test_aware_datetime_is_converted_into_dataworks_zone_not_cut_in_utc() -> None:
    late_utc = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # already 2025-01-16 in UTC+8
    assert parse_data_date(late_utc, SHANGHAI) == date(2025, 1, 16)


@pytest.mark.parametrize(
    "value",
    [
        "2025-01-15garbage",
        "2025-02-30",
        "20250230",
        1736870400000,  # epoch ms
        1736870400,  # epoch s
        "1736870400000",
        "yesterday",
        "",
        "2025/01/15",
        "2025-01-15T00:00:00",
        True,
        2025.0115,
        None,
        [2025, 1, 15],
    ],
)
def test_everything_else_fails_quoting_the_value(value: Any) -> None:
    with pytest.raises(DataWorksConfigError) as raised:
        parse_data_date(value, SHANGHAI, field="biz_date")
    message = str(raised.value)
    assert message.startswith(f"biz_date {value!r} is not a")
    assert "YYYY-MM-DD" in message
    assert message.count(".") >= 1 and "\n" not in message


def test_biz_date_ms_is_midnight_in_the_zone() -> None:
    assert biz_date_ms(JAN_15, SHANGHAI) == JAN_15_MS
    assert biz_date_ms(JAN_15, dataworks_zone("UTC")) == JAN_15_MS + 8 * 3600 * 1000
    assert format_biz_date(JAN_15_MS) == "2025-01-15"
    assert format_biz_date(JAN_15_MS, dataworks_zone("Europe/Berlin")) == "2025-01-14"


def test_unknown_zone_is_a_config_error() -> None:
    with pytest.raises(DataWorksConfigError, match="Mars/Olympus"):
        dataworks_zone("Mars/Olympus")


def run(**values: Any) -> dict[str, Any]:
    return values


def test_cron_trigger_timetable_run_fired_at_midnight_gates_on_the_day_before() -> None:
    fired = pendulum.datetime(2025, 1, 16, tz="UTC")
    # CronTriggerTimetable (Airflow 3's default): logical date = interval start = interval end = the firing time.
    context = run(logical_date=fired, data_interval_start=fired, data_interval_end=fired)
    assert default_data_date(context, SHANGHAI) == JAN_15


def test_cron_data_interval_timetable_gives_the_same_date() -> None:
    # Airflow 2-style interval [2025-01-15, 2025-01-16): ds = 2025-01-15, the same instance.
    context = run(
        logical_date=pendulum.datetime(2025, 1, 15, tz="UTC"),
        data_interval_start=pendulum.datetime(2025, 1, 15, tz="UTC"),
        data_interval_end=pendulum.datetime(2025, 1, 16, tz="UTC"),
    )
    assert default_data_date(context, SHANGHAI) == JAN_15


def test_day_boundary_is_counted_in_dataworks_zone() -> None:
    # 2025-01-16 17:00 UTC is already 2025-01-17 in UTC+8: the instance due then is of 2025-01-16.
    end = pendulum.datetime(2025, 1, 16, 17, tz="UTC")
    assert default_data_date(run(data_interval_end=end), SHANGHAI) == date(2025, 1, 16)
    assert default_data_date(run(data_interval_end=end), dataworks_zone("UTC")) == JAN_15


def test_falls_back_to_logical_date_then_run_after() -> None:
    assert default_data_date(run(data_interval_end=None, logical_date=pendulum.datetime(2025, 1, 16)), SHANGHAI) == (
        JAN_15
    )
    manual = run(
        data_interval_end=None,
        logical_date=None,
        dag_run=SimpleNamespace(run_after=pendulum.datetime(2025, 1, 16, 3, tz="UTC")),
    )
    assert default_data_date(manual, SHANGHAI) == JAN_15


def test_no_date_at_all_asks_for_biz_date() -> None:
    with pytest.raises(DataWorksConfigError, match="pass biz_date"):
        default_data_date(run(dag_run=SimpleNamespace()), SHANGHAI)


def test_scheduled_time_forms() -> None:
    expected = datetime(2025, 1, 16, 5, tzinfo=timezone(timedelta(hours=8)))
    assert parse_scheduled_time("2025-01-16T05:00:00+08:00", SHANGHAI) == expected
    assert parse_scheduled_time("2025-01-15 21:00:00+00:00", SHANGHAI) == expected
    assert parse_scheduled_time("2025-01-16T05:00:00", SHANGHAI) == expected
    assert parse_scheduled_time(pendulum.datetime(2025, 1, 15, 21, tz="UTC"), SHANGHAI) == expected
    with pytest.raises(DataWorksConfigError, match="scheduled_time 'soon' is not a date and time"):
        parse_scheduled_time("soon", SHANGHAI)


@pytest.mark.parametrize(("cron", "expected"), [("0 0 * * *", timedelta(days=1)), ("5 * * * *", timedelta(hours=1))])
def test_the_schedule_period_of_a_manual_run_between_two_scheduled_ones(cron: str, expected: timedelta) -> None:
    """A manual run at 04:49 of a daily trigger timetable is still daily (not the 19 h to the next run)."""
    from airflow.timetables.trigger import CronTriggerTimetable
    from airflow_compat import DAG

    from airflow_provider_dataworks.dates import schedule_period

    now = datetime(2026, 12, 6, 4, 49, tzinfo=UTC)
    dag = DAG("p", schedule=CronTriggerTimetable(cron, timezone="UTC"), start_date=now - timedelta(days=3))
    assert schedule_period({"dag": dag, "data_interval_start": now, "data_interval_end": now}) == expected
    assert schedule_period({"data_interval_start": now - expected, "data_interval_end": now}) == expected
    assert schedule_period({"data_interval_start": now, "data_interval_end": now}) is None  # no DAG: unknown
