"""Workflow-instance statuses and DataWorks' data dates (BizDate: midnight UTC+8, epoch milliseconds)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from airflow_provider_dataworks.status import (
    FAILED_STATUSES,
    TERMINAL_STATUSES,
    WorkflowInstanceStatus,
    biz_date_to_epoch_ms,
    format_biz_date,
)

#: 2026-11-27 00:00 at UTC+8 is 2026-11-26 16:00 UTC.
NOV_27_MS = int(datetime(2026, 11, 26, 16, 0, tzinfo=UTC).timestamp()) * 1000


def test_biz_date_is_midnight_utc_plus_8_in_ms() -> None:
    assert NOV_27_MS == 1795708800000
    assert biz_date_to_epoch_ms("2026-11-27") == NOV_27_MS


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-27",
        " 2026-11-27 ",
        "2026-11-27T23:59:59+00:00",
        date(2026, 11, 27),
        datetime(2026, 11, 27, 15, 30),
        datetime(2026, 11, 27, 23, 30, tzinfo=UTC),  # the date as given, not shifted to UTC+8
    ],
)
def test_biz_date_inputs(value: object) -> None:
    assert biz_date_to_epoch_ms(value) == NOV_27_MS  # type: ignore[arg-type]


def test_epoch_ms_is_passed_through() -> None:
    assert biz_date_to_epoch_ms(NOV_27_MS) == NOV_27_MS
    assert biz_date_to_epoch_ms(0) == 0


@pytest.mark.parametrize("value", ["27/11/2026", "2026-13-01", "tomorrow", ""])
def test_bad_string_names_the_format(value: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD") as raised:
        biz_date_to_epoch_ms(value)
    assert repr(value) in str(raised.value)


def test_bool_is_not_epoch_ms() -> None:
    with pytest.raises(TypeError, match="bool"):
        biz_date_to_epoch_ms(True)


@pytest.mark.parametrize("day", ["2026-11-27", "2024-02-29", "2026-01-01", "2026-12-31"])
def test_format_round_trip(day: str) -> None:
    assert format_biz_date(biz_date_to_epoch_ms(day)) == day


def test_format_is_in_utc_plus_8() -> None:
    # 2026-11-26 16:00 UTC is already the 27th in China.
    assert format_biz_date(NOV_27_MS) == "2026-11-27"
    assert format_biz_date(NOV_27_MS - 1) == "2026-11-26"


@pytest.mark.parametrize(("value", "shown"), [(None, "None"), ("2026-11-27", "2026-11-27"), (True, "True")])
def test_format_shows_anything_else_as_is(value: object, shown: str) -> None:
    assert format_biz_date(value) == shown


def test_terminal_and_failed_sets() -> None:
    assert {WorkflowInstanceStatus.SUCCESS, WorkflowInstanceStatus.FAILURE} == TERMINAL_STATUSES
    assert {WorkflowInstanceStatus.FAILURE} == FAILED_STATUSES
    assert "Success" in TERMINAL_STATUSES  # plain API strings match the enum
    assert "Failure" in FAILED_STATUSES


@pytest.mark.parametrize("status", ["NotRun", "Running", "WaitTime", "CheckingCondition", "WaitResource", "Checking"])
def test_other_documented_statuses_are_not_terminal(status: str) -> None:
    assert WorkflowInstanceStatus.is_known(status)
    assert status not in TERMINAL_STATUSES
    assert status not in FAILED_STATUSES


@pytest.mark.parametrize("status", ["Paused", "success", "FAILURE", "", "None"])
def test_unknown_statuses_are_not_known_and_not_terminal(status: str) -> None:
    assert not WorkflowInstanceStatus.is_known(status)
    assert status not in TERMINAL_STATUSES
