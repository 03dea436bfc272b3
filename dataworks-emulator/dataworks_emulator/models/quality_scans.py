"""The data-quality part of the world: scans, their settings as given, and their runs (caller holds the lock).

A run created through the API exists at once (CreateDataQualityScanRun answers its Id, and Get finds it) but
ListDataQualityScanRuns shows it only after the scan's listing delay (default: the emulator's creation delay), as a
search index would: the reference is silent, so the emulator models the less convenient case for a client that
lost the create answer and looks its run up. Run ids start above 2^53, like DataWorks' 19-digit ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataworks_emulator.models.quality import (
    ScanRecord,
    ScanRunRecord,
    build_scan,
)
from dataworks_emulator.models.records import Advance, Timeline

FIRST_SCAN_RUN_ID = 6_305_039_478_318_694_000


@dataclass(frozen=True)
class RunFilter:
    """ListDataQualityScanRuns' filters: workspace, scan, CreateTime window (inclusive), Status, Filter keys."""

    project_id: int
    scan_id: int | None = None
    created_from: int | None = None
    created_to: int | None = None
    status: str | None = None
    task_instance_id: int | None = None
    run_number: int | None = None

    def matches(self, run: ScanRunRecord, status: str) -> bool:
        """Return whether a run in ``status`` passes every given filter."""
        return (
            run.scan.project_id == self.project_id
            and self.scan_id in (None, run.scan.id)
            and (self.created_from is None or run.created_ms >= self.created_from)
            and (self.created_to is None or run.created_ms <= self.created_to)
            and self.status in (None, status)
            and self.task_instance_id in (None, run.task_instance_id)
            and self.run_number in (None, run.run_number)
        )


class QualityScans:
    """Scans by id (the current configuration and the keywords it was built from) and runs by id."""

    def __init__(self) -> None:
        self.scans: dict[int, ScanRecord] = {}
        self._settings: dict[int, dict[str, Any]] = {}
        self.runs: dict[int, ScanRunRecord] = {}
        self._next_run_id = FIRST_SCAN_RUN_ID

    def add_scan(self, settings: dict[str, Any], now_ms: int) -> int:
        """Add a scan from the keywords of ``add_data_quality_scan``; return its id."""
        scan = build_scan(**settings, created_ms=now_ms, modified_ms=now_ms)
        if scan.id in self.scans:
            raise ValueError(f"A data quality scan with id {scan.id} already exists.")
        self.scans[scan.id] = scan
        self._settings[scan.id] = dict(settings)
        return scan.id

    def update_scan(self, scan_id: int, changes: dict[str, Any], now_ms: int) -> None:
        """Change a scan's keywords (KeyError if unknown); runs already started keep their snapshot."""
        current = self.scans[scan_id]
        settings = {**self._settings[scan_id], **changes}
        self.scans[scan_id] = build_scan(**settings, created_ms=current.created_ms, modified_ms=now_ms)
        self._settings[scan_id] = settings

    def start_run(
        self,
        scan: ScanRecord,
        *,
        run_id: int | None,
        parameters: tuple[tuple[str, str], ...],
        statuses: tuple[str, ...],
        advance: Advance,
        created_ms: int,
        listed_from_ms: int,
        task_instance_id: int | None = None,
        run_number: int | None = None,
    ) -> int:
        """Store a run of ``scan`` (a snapshot of it as it is now) whose timeline starts at ``created_ms``."""
        if run_id is None:
            run_id = self._next_run_id
        if run_id in self.runs:
            raise ValueError(f"A data quality scan run with id {run_id} already exists.")
        self._next_run_id = max(self._next_run_id, run_id + 1)
        self.runs[run_id] = ScanRunRecord(
            id=run_id,
            scan=scan,
            parameters=parameters,
            timeline=Timeline(statuses, advance, created_ms / 1000),
            created_ms=created_ms,
            listed_from_ms=listed_from_ms,
            task_instance_id=task_instance_id,
            run_number=run_number,
        )
        return run_id

    def listed_runs(self, run_filter: RunFilter, now: float) -> list[dict[str, Any]]:
        """Return the summaries of the runs List shows now that pass ``run_filter`` (no timeline advances)."""
        summaries = []
        for run in self.runs.values():
            if run.listed(now):
                status = run.status(now)
                if run_filter.matches(run, status):
                    summaries.append(run.summary(status))
        return summaries
