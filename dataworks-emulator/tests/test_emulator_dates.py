"""The emulator's own data-date model: formats, strictness and the configurable time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from dataworks_emulator import DataWorksEmulator, ScenarioError
from dataworks_emulator.models.dates import biz_date_ms, zone

pytestmark = pytest.mark.timeout(30)

SHANGHAI = zone("Asia/Shanghai")
JAN_15_SHANGHAI = 1736870400000  # 2025-01-15 00:00 UTC+8, the reference's example


@pytest.mark.parametrize(
    "value",
    ["2025-01-15", "20250115", " 2025-01-15 ", date(2025, 1, 15), datetime(2025, 1, 15, 23, 59), JAN_15_SHANGHAI],
)
def test_every_data_date_form_gives_midnight_in_shanghai(value: Any) -> None:
    assert biz_date_ms(value, SHANGHAI) == JAN_15_SHANGHAI


def test_an_aware_datetime_is_taken_on_its_day_in_the_emulator_zone() -> None:
    # 2025-01-14 20:00 UTC is 2025-01-15 04:00 in Shanghai.
    assert biz_date_ms(datetime(2025, 1, 14, 20, tzinfo=UTC), SHANGHAI) == JAN_15_SHANGHAI
    assert biz_date_ms(datetime(2025, 1, 15, 4, tzinfo=timezone(timedelta(hours=8))), SHANGHAI) == JAN_15_SHANGHAI


@pytest.mark.parametrize("value", ["2025-01-15garbage", "2025-02-30", "15/01/2025", "yesterday", "", -1, True])
def test_bad_data_dates_are_rejected(value: Any) -> None:
    with pytest.raises(ValueError, match="biz_date"):
        biz_date_ms(value, SHANGHAI)


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        zone("Mars/Olympus")
    with pytest.raises(ScenarioError, match="timezone"):
        DataWorksEmulator({"timezone": "Mars/Olympus"})


def test_emulator_time_zone_moves_biz_dates(make_client: Any, models: Any) -> None:
    utc_midnight = int(datetime(2025, 1, 15, tzinfo=UTC).timestamp() * 1000)
    with DataWorksEmulator(timezone="UTC") as emulator:
        instance_id = emulator.add_workflow_instance(biz_date="2025-01-15", statuses=("Success",))
        assert emulator.workflow_instance(instance_id)["BizDate"] == utc_midnight
        client = make_client(emulator)
        listing = models.ListWorkflowInstancesRequest(project_id=100, biz_date=utc_midnight)
        found = client.list_workflow_instances(listing).body.paging_info.workflow_instances
        assert [instance.id for instance in found] == [instance_id]
    with DataWorksEmulator({"timezone": "Europe/Berlin"}) as emulator:
        assert emulator.timezone == "Europe/Berlin"
        instance_id = emulator.add_workflow_instance(biz_date="2025-01-15")
        assert emulator.workflow_instance(instance_id)["BizDate"] == utc_midnight - 3_600_000
