"""Data-quality scan run logs: the text (scripted, or written from the rule outcomes) and its paging by byte offset.

GetDataQualityScanRunLog returns at most 512 KB from ``Offset`` (bytes from the log's start) and the offset to
read next; ``NextOffset = -1`` means all logs have been read. Where the reference is silent the emulator chooses:
while a run is ``Running`` only the log's first line exists and ``NextOffset`` is never -1 (a reader at the end
gets empty text and the same offset back: the log may still grow); a page never ends inside a UTF-8 character;
an ``Offset`` past the end is refused.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from dataworks_emulator.models.quality import (
    DATA_SOURCE,
    RESOURCE_GROUP,
    TERMINAL_SCAN_RUN_STATUSES,
    ScanRunRecord,
)

LOG_PAGE_BYTES = 512 * 1024
END_OF_LOG = -1
_LEVELS = {"Pass": "INFO", "Warn": "WARN", "Fail": "ERROR", "Error": "ERROR"}


def run_log(run: ScanRunRecord, status: str, tz: tzinfo) -> str:
    """Return the log as it stands in ``status``: its first line while running, all of it once the run ended."""
    text = run.scan.log if run.scan.log is not None else _default_log(run, status, tz)
    if status in TERMINAL_SCAN_RUN_STATUSES:
        return text
    return text.splitlines(keepends=True)[0]


def log_segment(text: str, offset: int, finished: bool) -> dict[str, Any]:
    """Return the ``LogSegment`` read from byte ``offset``; ValueError (the reason) for an offset past the end."""
    data = text.encode("utf-8")
    if not 0 <= offset <= len(data):
        raise ValueError(f"it must be between 0 and the log's current length, {len(data)} bytes.")
    end = min(offset + LOG_PAGE_BYTES, len(data))
    while end < len(data) and data[end] & 0xC0 == 0x80:
        end -= 1
    next_offset = END_OF_LOG if finished and end == len(data) else end
    return {"Log": data[offset:end].decode("utf-8", errors="replace"), "NextOffset": next_offset}


def _default_log(run: ScanRunRecord, status: str, tz: tzinfo) -> str:
    """Write a plausible scan log: the start, then (once ended) one line per rule and the final status."""
    scan = run.scan
    started = _stamp(run.created_ms, tz)
    parameters = ", ".join(f"{name}={value}" for name, value in run.parameters) or "none"
    lines = [
        f"{started} INFO - Data quality scan {scan.id} ({scan.name}) run {run.id} started on resource group "
        f"{RESOURCE_GROUP}; parameters: {parameters}.",
        f"{started} INFO - Checking table {scan.table} on {DATA_SOURCE} against {len(scan.rules)} rule(s).",
    ]
    if status in TERMINAL_SCAN_RUN_STATUSES:
        ended = _stamp(run.finished_ms or run.created_ms, tz)
        lines += [
            f"{ended} {_LEVELS[rule.status]} - Rule '{rule.name}' ({rule.thresholds()}): check value "
            f"{rule.check_value or '-'}, reference value {rule.reference_value or '-'} -> {rule.status}."
            for rule in scan.rules
        ]
        lines.append(f"{ended} INFO - Data quality scan run {run.id} finished with status {status}.")
    return "\n".join(lines) + "\n"


def _stamp(ms: int, tz: tzinfo) -> str:
    """Format epoch milliseconds as a log timestamp in the emulator's time zone."""
    return datetime.fromtimestamp(ms / 1000, tz).strftime("%Y-%m-%d %H:%M:%S")
