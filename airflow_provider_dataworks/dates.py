"""Data dates (DataWorks' BizDate) and scheduling times: strict parsing, the default of an Airflow run, wire forms.

DataWorks names a scheduled run by its data date: the instance scheduled on day D (in DataWorks' time zone)
processes day D-1. On the wire a BizDate is epoch milliseconds of 00:00 of the data date in that zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airflow_provider_dataworks.exceptions import DataWorksConfigError

#: DataWorks' scheduling time zone unless the connection's `timezone` extra says otherwise (China regions: UTC+8).
DEFAULT_TIMEZONE = "Asia/Shanghai"
#: `YYYY-MM-DD` and DataWorks' own `$bizdate` form `YYYYMMDD`; nothing else is a data date.
_DATE_FORMS = (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), re.compile(r"(\d{4})(\d{2})(\d{2})"))
_DATE_HINT = "use 'YYYY-MM-DD' or 'YYYYMMDD' (e.g. '2025-01-15'), a date or a datetime"


def dataworks_zone(name: str | None = None) -> tzinfo:
    """The IANA time zone DataWorks schedules in; a name the system does not know is a configuration error."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataWorksConfigError(
            f"timezone {name!r} is not an IANA time zone name; set it like 'Asia/Shanghai' or 'Europe/Berlin'."
        ) from None


def parse_data_date(value: Any, zone: tzinfo, field: str = "biz_date") -> date:
    """A data date from `YYYY-MM-DD`, `YYYYMMDD` (str or int), a date or a datetime; anything else fails.

    An aware datetime counts on its date in DataWorks' zone; a naive one is taken as DataWorks' local time.
    """
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        if len(text) == 8:
            return _calendar_date(_DATE_FORMS[1].fullmatch(text), value, field)
    elif isinstance(value, str):
        for form in _DATE_FORMS:
            match = form.fullmatch(value.strip())
            if match:
                return _calendar_date(match, value, field)
    raise DataWorksConfigError(f"{field} {value!r} is not a data date: {_DATE_HINT}.")


def _calendar_date(match: re.Match[str] | None, value: Any, field: str) -> date:
    """The date the digits name; `2025-02-30` and the like are not dates."""
    if match is None:
        raise DataWorksConfigError(f"{field} {value!r} is not a data date: {_DATE_HINT}.")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise DataWorksConfigError(f"{field} {value!r} is not a calendar date: {_DATE_HINT}.") from None


def parse_scheduled_time(value: Any, zone: tzinfo, field: str = "scheduled_time") -> datetime:
    """A scheduling time from a datetime or an ISO-8601 string; without an offset it is DataWorks' local time."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        raise DataWorksConfigError(
            f"{field} {value!r} is not a date and time: use a datetime or an ISO-8601 string such as "
            "'2025-01-16T05:00:00+08:00' (or '{{ data_interval_end }}')."
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def biz_date_ms(day: date, zone: tzinfo) -> int:
    """The wire form of a data date: epoch milliseconds of its 00:00 in DataWorks' zone."""
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)


def epoch_ms(moment: datetime) -> int:
    """An aware datetime as epoch milliseconds (DataWorks' wire form of times such as TriggerTime)."""
    return int(moment.timestamp() * 1000)


def format_biz_date(value: Any, zone: tzinfo | None = None) -> str:
    """Show a BizDate (epoch ms) as `YYYY-MM-DD` in DataWorks' zone; anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, zone or dataworks_zone()).date().isoformat()
    return str(value)


def format_epoch_ms(value: Any, zone: tzinfo | None = None) -> str:
    """Show a time in epoch ms (e.g. TriggerTime) as ISO-8601 in DataWorks' zone; anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, zone or dataworks_zone()).isoformat()
    return str(value)


def run_due_time(context: Any) -> datetime:
    """When an Airflow run is due: its data interval's end, else its logical date, else when it was triggered."""
    for key in ("data_interval_end", "logical_date"):
        value = context.get(key)
        if value is not None:
            return value
    run_after = getattr(context.get("dag_run"), "run_after", None)
    if run_after is None:
        raise DataWorksConfigError(
            "This Airflow run has no data interval, logical date or run_after to take the data date from; "
            "pass biz_date explicitly."
        )
    return run_after


def schedule_period(context: Any) -> timedelta | None:
    """How often the run's DAG runs (its data interval, else the gap between its timetable's next two runs), or None.

    A DAG that runs more often than daily gates on one of several DataWorks instances of the same data date, so
    its lookups must match the scheduling time exactly, even when only one instance exists so far.
    """
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        return end - start
    timetable = getattr(context.get("dag"), "timetable", None)
    if end is None or timetable is None or not getattr(timetable, "periodic", False):
        return None
    import pendulum
    from airflow.timetables.base import DataInterval, TimeRestriction

    restriction = TimeRestriction(earliest=None, latest=None, catchup=True)

    def next_run(after: Any) -> Any:
        info = timetable.next_dagrun_info(
            last_automated_data_interval=DataInterval(after, after), restriction=restriction
        )
        return None if info is None else info.run_after

    try:  # two consecutive scheduled runs after this one (a manual run may fall anywhere between two)
        first = next_run(pendulum.instance(end))  # timetables do pendulum arithmetic on what they are given
        second = None if first is None else next_run(first)
    except Exception:  # a custom timetable that cannot answer: treat the schedule as unknown
        return None
    return None if first is None or second is None or second <= first else second - first


def default_data_date(context: Any, zone: tzinfo) -> date:
    """The data date of the DataWorks instance due when this Airflow run is: the day before, in DataWorks' zone."""
    return run_due_time(context).astimezone(zone).date() - timedelta(days=1)
