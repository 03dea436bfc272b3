"""Data-quality scans (monitors) and their runs: rules with scripted outcomes, status timelines, wire shapes.

A scan carries its rules, each with the outcome every run of it reports (Status, CheckValue, ReferenceValue,
Sample). A run walks its status timeline as a workflow instance does (``records.Timeline``: by Get reads or by
seconds on the emulator clock) and keeps the snapshot of its scan taken when it started, so a later change to the
scan changes later runs only. While a run is ``Running`` each rule's result reads ``Running`` without Details;
once it ends, the scripted outcomes. DataWorks does not document how a run's Status follows from its rules: the
emulator scripts it (``statuses``) or, by default, takes the worst rule outcome (Error, then Fail, Warn, Pass).

The vocabulary and field names are DataWorks' own (``GetDataQualityScanRun``, ``ListDataQualityScanRuns``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataworks_emulator.models.records import Advance, Timeline, check_choice, check_timeline

SCAN_RUN_STATUSES = ("Pass", "Running", "Error", "Warn", "Fail")
TERMINAL_SCAN_RUN_STATUSES = frozenset({"Pass", "Error", "Warn", "Fail"})
#: Rule outcomes from the worst to the best; a run's default final Status is its worst rule outcome.
RULE_OUTCOMES = ("Error", "Fail", "Warn", "Pass")
SEVERITIES = ("Normal", "High")
DEFAULT_ASSERTION = "row_count > 0"
DATA_SOURCE = "odps_first"
RESOURCE_GROUP = "Serverless_res_group_emulator"
#: The hook a scheduled scan blocks its task instance with (the documented example condition).
BLOCK_CONDITION = (
    'results.any { r -> r.status == "Fail" && r.rule.severity == "Normal" '
    '|| r.status == "Error" && r.rule.severity == "High" }'
)
_RULE_KEYS = ("name", "assertion", "severity", "warn", "fail", "status", "check_value", "reference_value", "sample")
#: Rule keys whose values may be numbers in a scenario file (``check_value: 0``).
_VALUE_KEYS = frozenset({"check_value", "reference_value", "sample"})


@dataclass(frozen=True)
class ScanRule:
    """One rule of a scan: its Spec (name, assertion, thresholds, severity) and the outcome its runs report."""

    name: str
    assertion: str
    severity: str
    warn: str | None
    fail: str | None
    status: str
    check_value: str
    reference_value: str
    sample: str

    def spec(self) -> dict[str, str]:
        """Return the rule as it reads in the scan's Data Quality Spec."""
        spec = {"name": self.name, "assertion": self.assertion}
        spec.update({key: value for key, value in (("warn", self.warn), ("fail", self.fail)) if value is not None})
        spec["severity"] = self.severity
        return spec

    def snapshot(self) -> str:
        """Return the result's ``Rule``: the rule Spec as JSON (which is also YAML, the Spec's format)."""
        return json.dumps(self.spec(), ensure_ascii=False)

    def thresholds(self) -> str:
        """Describe the rule's assertion and thresholds for the log."""
        parts = [self.assertion]
        parts += [f"{key}: {value}" for key, value in (("warn", self.warn), ("fail", self.fail)) if value is not None]
        return "; ".join(parts)


@dataclass(frozen=True)
class ScanRecord:
    """A data-quality scan (monitor) as configured at one moment; runs keep the record they started with."""

    id: int
    name: str
    project_id: int
    description: str
    owner: str
    table: str
    rules: tuple[ScanRule, ...]
    parameters: tuple[tuple[str, str], ...]
    trigger_task_ids: tuple[int, ...]
    statuses: tuple[str, ...] | None
    advance: Advance
    log: str | None
    listing_delay: float | None
    created_ms: int
    modified_ms: int

    def run_statuses(self) -> tuple[str, ...]:
        """Return the timeline of a run: scripted, else Running then the worst rule outcome (Pass without rules)."""
        if self.statuses is not None:
            return self.statuses
        outcomes = {rule.status for rule in self.rules}
        return ("Running", next((status for status in RULE_OUTCOMES if status in outcomes), "Pass"))

    def spec(self) -> str:
        """Return the scan's Data Quality Spec (YAML): its table and rules."""
        import yaml

        spec = {
            "datasets": [
                {"type": "Table", "tables": [self.table], "dataSource": {"name": DATA_SOURCE, "envType": "Prod"}}
            ],
            "rules": [rule.spec() for rule in self.rules],
        }
        return str(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))

    def to_wire(self, *, with_spec: bool = True) -> dict[str, Any]:
        """Return the DataQualityScan object (a run's ``Scan`` snapshot); ListDataQualityScans leaves out ``Spec``."""
        scheduled = bool(self.trigger_task_ids)
        wire: dict[str, Any] = {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "ProjectId": self.project_id,
            "Owner": self.owner,
            "CreateUser": self.owner,
            "ModifyUser": self.owner,
            "CreateTime": self.created_ms,
            "ModifyTime": self.modified_ms,
            "Parameters": [{"Name": name, "Value": value} for name, value in self.parameters],
            "Trigger": {"Type": "BySchedule" if scheduled else "ByManual", "TaskIds": list(self.trigger_task_ids)},
            "Hooks": [{"Type": "BlockTaskInstance", "Condition": BLOCK_CONDITION}] if scheduled else [],
            "RuntimeResource": {"Id": RESOURCE_GROUP, "Cu": 0.25},
            "ComputeResource": {"Name": DATA_SOURCE, "EnvType": "Prod"},
        }
        if with_spec:
            wire["Spec"] = self.spec()
        return wire


@dataclass
class ScanRunRecord:
    """A run of a scan: its scan snapshot, parameters, timeline, and when List starts showing it."""

    id: int
    scan: ScanRecord
    parameters: tuple[tuple[str, str], ...]
    timeline: Timeline
    created_ms: int
    listed_from_ms: int
    task_instance_id: int | None = None
    run_number: int | None = None
    finished_ms: int | None = None

    def listed(self, now: float) -> bool:
        """Return whether ListDataQualityScanRuns shows the run yet (Get finds it at once)."""
        return now * 1000 >= self.listed_from_ms

    def status(self, now: float, *, read: bool = False) -> str:
        """Return the current status (a ``read`` advances a "reads" timeline), noting when it first ended."""
        index = self.timeline.index(now, read=read)
        status = self.timeline.statuses[index]
        if self.finished_ms is None and status in TERMINAL_SCAN_RUN_STATUSES:
            self.finished_ms = self.timeline.reached_ms(index, lambda s: s in TERMINAL_SCAN_RUN_STATUSES, now)
        return status

    def summary(self, status: str) -> dict[str, Any]:
        """Return the run as ListDataQualityScanRuns lists it (no Results, no Scan)."""
        return {
            "Id": self.id,
            "Status": status,
            "CreateTime": self.created_ms,
            "FinishTime": self.finished_ms if status in TERMINAL_SCAN_RUN_STATUSES else None,
            "Parameters": [{"Name": name, "Value": value} for name, value in self.parameters],
        }

    def to_wire(self, status: str) -> dict[str, Any]:
        """Return the DataQualityScanRun object of GetDataQualityScanRun."""
        return {**self.summary(status), "Results": self.results(status), "Scan": self.scan.to_wire()}

    def results(self, status: str) -> list[dict[str, Any]]:
        """Return one result per rule: ``Running`` without Details until the run ends, then the scripted outcome."""
        if status not in TERMINAL_SCAN_RUN_STATUSES:
            return [
                {
                    "Rule": rule.snapshot(),
                    "Status": "Running",
                    "CreateTime": self.created_ms,
                    "Sample": "",
                    "Details": [],
                }
                for rule in self.scan.rules
            ]
        return [
            {
                "Rule": rule.snapshot(),
                "Status": rule.status,
                "CreateTime": self.finished_ms,
                "Sample": rule.sample,
                "Details": [
                    {"CheckValue": rule.check_value, "ReferenceValue": rule.reference_value, "Status": rule.status}
                ],
            }
            for rule in self.scan.rules
        ]


def check_rules(rules: Iterable[Mapping[str, Any]]) -> tuple[ScanRule, ...]:
    """Validate rule mappings ``{name, assertion?, severity?, warn?, fail?, status?, check_value?, ...}``."""
    if isinstance(rules, (str, Mapping)):
        raise ValueError("rules must be a list of rule mappings.")
    checked = []
    for rule in rules:
        if not isinstance(rule, Mapping) or not isinstance(rule.get("name"), str) or not rule["name"]:
            raise ValueError(f"Each rule must be a mapping with a non-empty string 'name', got {rule!r}.")
        unknown = sorted(set(rule) - set(_RULE_KEYS))
        if unknown:
            raise ValueError(f"Unknown rule key {unknown[0]!r}; expected {', '.join(_RULE_KEYS)}.")
        texts = {key: _as_text(rule.get(key)) if key in _VALUE_KEYS else rule.get(key) for key in _RULE_KEYS}
        for key, value in texts.items():
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Rule key {key!r} must be a string, got {value!r}.")
        check_value = texts["check_value"] or ""
        checked.append(
            ScanRule(
                name=rule["name"],
                assertion=texts["assertion"] or DEFAULT_ASSERTION,
                severity=check_choice("rule severity", texts["severity"] or "Normal", SEVERITIES),
                warn=texts["warn"],
                fail=texts["fail"],
                status=check_choice("rule status", texts["status"] or "Pass", RULE_OUTCOMES),
                check_value=check_value,
                reference_value=texts["reference_value"] or "",
                sample=check_value if texts["sample"] is None else texts["sample"],
            )
        )
    names = [rule.name for rule in checked]
    if len(set(names)) != len(names):
        raise ValueError("Rule names must be unique within a scan.")
    return tuple(checked)


def _as_text(value: Any) -> Any:
    """Accept a number for a value field (``check_value: 0`` in YAML) as its text; leave other values as they are."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def check_parameters(parameters: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """Validate ``{name: value}`` parameters (numbers become text) and return (Name, Value) pairs."""
    if parameters is None:
        return ()
    if not isinstance(parameters, Mapping):
        raise ValueError(f"parameters must be a mapping of names to values, got {parameters!r}.")
    pairs = []
    for name, value in parameters.items():
        value = _as_text(value)
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise ValueError(f"Each parameter needs a name and a string or number value, got {name!r}: {value!r}.")
        pairs.append((name, value))
    return tuple(pairs)


def build_scan(
    *,
    id: int,
    name: str,
    project_id: int,
    created_ms: int,
    modified_ms: int,
    rules: Iterable[Mapping[str, Any]] = (),
    statuses: Sequence[str] | None = None,
    advance: Advance = "reads",
    parameters: Mapping[str, Any] | None = None,
    log: str | Sequence[str] | None = None,
    description: str = "",
    owner: str = "1000",
    table: str = "emulator_table",
    trigger_task_ids: Sequence[int] = (),
    listing_delay: float | None = None,
) -> ScanRecord:
    """Validate the keywords of ``add_data_quality_scan`` and return the scan record."""
    for label, value in (("A data quality scan id", id), ("project_id", project_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}.")
    for label, text in (("name", name), ("table", table), ("owner", owner)):
        if not isinstance(text, str) or not text:
            raise ValueError(f"A data quality scan {label} must be a non-empty string, got {text!r}.")
    if not isinstance(description, str):
        raise ValueError(f"A data quality scan description must be a string, got {description!r}.")
    if isinstance(trigger_task_ids, str) or any(
        isinstance(task_id, bool) or not isinstance(task_id, int) for task_id in trigger_task_ids
    ):
        raise ValueError(f"trigger_task_ids must be a list of task ids, got {trigger_task_ids!r}.")
    timeline = check_timeline(("Running",) if statuses is None else statuses, advance, SCAN_RUN_STATUSES)
    if listing_delay is not None and (
        isinstance(listing_delay, bool) or not isinstance(listing_delay, (int, float)) or listing_delay < 0
    ):
        raise ValueError(f"listing_delay must be a non-negative number of seconds, got {listing_delay!r}.")
    return ScanRecord(
        id=id,
        name=name,
        project_id=project_id,
        description=description,
        owner=owner,
        table=table,
        rules=check_rules(rules),
        parameters=check_parameters(parameters),
        trigger_task_ids=tuple(trigger_task_ids),
        statuses=None if statuses is None else timeline,
        advance=advance,
        log=_log_text(log),
        listing_delay=None if listing_delay is None else float(listing_delay),
        created_ms=created_ms,
        modified_ms=modified_ms,
    )


def _log_text(log: str | Sequence[str] | None) -> str | None:
    """Return a scripted log as text ending in a newline (lines are joined), None to write the default one."""
    if log is None:
        return None
    lines = log.splitlines() if isinstance(log, str) else list(log)
    if not lines or not all(isinstance(line, str) for line in lines):
        raise ValueError("log must be a non-empty text or list of lines.")
    return "\n".join(lines) + "\n"
