"""Workflow-instance statuses, their terminal and failure sets, and DataWorks' data-date (BizDate) format."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

#: DataWorks counts data dates (BizDate) as midnight in China Standard Time, its home time zone.
DATAWORKS_TZ = timezone(timedelta(hours=8), "UTC+08:00")


class WorkflowInstanceStatus(StrEnum):
    """Values of `WorkflowInstance.Status` in the 2024-05-18 API."""

    NOT_RUN = "NotRun"
    RUNNING = "Running"
    WAIT_TIME = "WaitTime"
    CHECKING_CONDITION = "CheckingCondition"
    WAIT_RESOURCE = "WaitResource"
    CHECKING = "Checking"
    SUCCESS = "Success"
    FAILURE = "Failure"

    @classmethod
    def is_known(cls, value: str) -> bool:
        """Whether DataWorks documents this status (unknown ones are waited on, with a warning)."""
        return value in cls._value2member_map_


#: Values of `WorkflowInstance.Type`: scheduled (`Normal`), backfill (`SupplementData`), manual and others.
INSTANCE_TYPES = ("Normal", "Manual", "SmokeTest", "SupplementData", "ManualWorkflow", "TriggerWorkflow")


TERMINAL_STATUSES = frozenset({WorkflowInstanceStatus.SUCCESS, WorkflowInstanceStatus.FAILURE})
FAILED_STATUSES = frozenset({WorkflowInstanceStatus.FAILURE})


def biz_date_to_epoch_ms(value: str | date | datetime | int) -> int:
    """Turn a data date (`YYYY-MM-DD`, a date, or epoch ms) into DataWorks' BizDate: midnight UTC+8, in ms."""
    if isinstance(value, bool):
        raise TypeError("biz_date must be a date, a 'YYYY-MM-DD' string or epoch milliseconds, not a bool.")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(f"biz_date {value!r} is not a date; use 'YYYY-MM-DD', e.g. '{{{{ ds }}}}'.") from None
    midnight = datetime(value.year, value.month, value.day, tzinfo=DATAWORKS_TZ)
    return int(midnight.timestamp() * 1000)


def format_biz_date(epoch_ms: Any) -> str:
    """Render a BizDate (epoch ms) as the data date `YYYY-MM-DD`; anything else is shown as it is."""
    if isinstance(epoch_ms, int) and not isinstance(epoch_ms, bool):
        return datetime.fromtimestamp(epoch_ms / 1000, DATAWORKS_TZ).date().isoformat()
    return str(epoch_ms)
