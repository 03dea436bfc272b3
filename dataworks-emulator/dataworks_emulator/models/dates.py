"""The emulator's own data-date arithmetic, written from DataWorks' documented wire format (not shared with the hook).

A data date D travels as ``BizDate``: epoch milliseconds of 00:00 of D in DataWorks' time zone (``Asia/Shanghai``
in the China regions). The zone is an emulator setting so that other regions can be modelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMPACT_DATE = re.compile(r"\d{8}")


def zone(name: str | tzinfo) -> tzinfo:
    """Return the tzinfo of an IANA zone name (a tzinfo is returned as it is); ValueError names bad zones."""
    if isinstance(name, tzinfo):
        return name
    if not isinstance(name, str) or not name:
        raise ValueError(f"timezone must be an IANA time zone name such as 'Asia/Shanghai', got {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone {name!r} is not a known IANA time zone; use e.g. 'Asia/Shanghai'.") from None


def parse_data_date(value: str | date) -> date:
    """Return the calendar date of ``"YYYY-MM-DD"``, ``"YYYYMMDD"`` or a date (an aware datetime: its own day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
            if _COMPACT_DATE.fullmatch(text):
                return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise ValueError(f"biz_date {value!r} is not a date; use 'YYYY-MM-DD', 'YYYYMMDD', a date or epoch ms.")


def midnight_ms(day: date, tz: tzinfo) -> int:
    """Return epoch milliseconds of 00:00 of ``day`` in ``tz``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)


def biz_date_ms(value: str | int | date, tz: tzinfo) -> int:
    """Return the BizDate (epoch ms of 00:00 in ``tz``) of a data date or epoch milliseconds (kept as they are)."""
    if isinstance(value, bool):
        raise ValueError("biz_date must be a data date or epoch milliseconds, not a bool.")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"biz_date must not be negative, got {value}.")
        return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(tz)
    return midnight_ms(parse_data_date(value), tz)


def day_of(ms: int, tz: tzinfo) -> date:
    """Return the calendar date in ``tz`` of an epoch-milliseconds timestamp."""
    return datetime.fromtimestamp(ms / 1000, tz).date()


def at_time(day: date, hhmm: str, tz: tzinfo) -> datetime:
    """Return ``day`` at ``"HH:MM"`` in ``tz`` as an aware datetime."""
    hour, minute = parse_hhmm(hhmm)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def parse_hhmm(hhmm: str) -> tuple[int, int]:
    """Return (hour, minute) of ``"HH:MM"``; ValueError otherwise."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", hhmm) if isinstance(hhmm, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"A time of day must be 'HH:MM' (00:00 to 23:59), got {hhmm!r}.")
    return int(match[1]), int(match[2])


def scheduling_times(schedule: str, at: str) -> list[tuple[int, int]]:
    """Return the (hour, minute) scheduling times of one day: ``daily``, ``hourly`` or ``minutes:N``."""
    hour, minute = parse_hhmm(at)
    if schedule == "daily":
        return [(hour, minute)]
    if schedule == "hourly":
        return [(h, minute) for h in range(24)]
    step_text = schedule.partition("minutes:")[2] if schedule.startswith("minutes:") else ""
    if not step_text.isdigit() or not 1 <= int(step_text) <= 720:
        raise ValueError(f"schedule must be 'daily', 'hourly' or 'minutes:N' (N from 1 to 720), got {schedule!r}.")
    first = hour * 60 + minute
    return [divmod(m, 60) for m in range(first, 24 * 60, int(step_text))]


def expand_dates(dates: Sequence[str | int | date] | str) -> list[str | int | date]:
    """Return a list of data dates; a string ``"START..END"`` expands to every day from START to END."""
    if isinstance(dates, str):
        start_text, separator, end_text = dates.partition("..")
        if not separator:
            return [dates]
        start, end = parse_data_date(start_text), parse_data_date(end_text)
        if end < start:
            raise ValueError(f"biz_dates {dates!r} ends before it starts.")
        return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    if not isinstance(dates, Sequence) or not dates:
        raise ValueError("biz_dates must be a non-empty list of data dates or a 'START..END' range.")
    return list(dates)


def to_datetime(value: str | int | datetime, tz: tzinfo) -> datetime:
    """Return an aware datetime from an aware datetime, an ISO-8601 string with offset, or epoch milliseconds."""
    if isinstance(value, bool):
        raise ValueError("A time must be an aware datetime, an ISO-8601 string with offset or epoch ms.")
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, tz)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO-8601 time such as '2025-01-16T00:30:00+08:00'.") from None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"A time needs a time zone (aware datetime or ISO-8601 with offset), got {value!r}.")
    return value


def yesterday_ms(now: datetime, tz: tzinfo) -> int:
    """Return the BizDate of the day before ``now``'s day in ``tz`` (DataWorks' default data date)."""
    return midnight_ms(now.astimezone(tz).date() - timedelta(days=1), tz)
