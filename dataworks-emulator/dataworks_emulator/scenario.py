"""Scenarios: the emulator's starting world (credentials, instances, workflows, faults) from a dict, JSON, YAML.

Keys: ``region_id``, ``project_id``, ``timezone`` (IANA, default ``Asia/Shanghai``),
``access_keys: {AKID: secret}``, ``sts_keys: {AKID: {secret, token}}``,
``workflow_instances``, ``workflows`` and ``scheduled_workflows`` (lists of keyword arguments of
``DataWorksEmulator.add_workflow_instance`` / ``add_workflow`` / ``add_scheduled_workflow``),
``data_quality_scans`` and ``data_quality_scan_runs`` (of ``add_data_quality_scan`` / ``add_data_quality_scan_run``;
runs after their scans), ``clock`` (the
emulator's starting "now", ISO-8601 with offset), ``creation_delay`` (seconds from a create request to its
instances existing, default 5) and ``faults``
(``{action, kind, times?, ...options}``). A bare name such as ``"demo"`` loads the bundled
``scenarios/<name>.yaml``.

Data dates may be relative to the emulator's day: ``today``, ``today-N`` or ``today+N`` (N days) in ``biz_date``,
in ``biz_dates`` (a list, or each end of a ``"START..END"`` range) and in the date part of ``statuses_by_time``
keys. "Today" is the day of the emulator's clock (the scenario's ``clock`` if set, else real time) in its time zone,
taken when the world is built: when the emulator starts, and again at every reset.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dataworks_emulator.faults import Fault
from dataworks_emulator.models.dates import DEFAULT_TIMEZONE, to_datetime, zone
from dataworks_emulator.models.records import check_delay
from dataworks_emulator.models.state import DEFAULT_CREATION_DELAY, EmulatorState
from dataworks_emulator.signing import Credential

DEFAULT_ACCESS_KEY_ID = "LTAI5tEMULATORKEY00001"
DEFAULT_ACCESS_KEY_SECRET = "emulator-secret-not-for-production"
DEFAULT_STS_ACCESS_KEY_ID = "STS.EMULATORKEY00001"
DEFAULT_STS_ACCESS_KEY_SECRET = "emulator-sts-secret"
DEFAULT_SECURITY_TOKEN = "emulator-sts-token"
BUNDLED_SCENARIOS = Path(__file__).parent / "scenarios"
#: A data date relative to the emulator's day: ``today``, ``today-N``, ``today+N``.
_RELATIVE_DATE = re.compile(r"today(?:\s*([+-])\s*(\d{1,5}))?")


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message is one sentence naming the bad key."""


def bundled_scenarios() -> list[str]:
    """The names of the scenarios that ship with the emulator (``--scenario <name>``), sorted."""
    return sorted(path.stem for path in BUNDLED_SCENARIOS.glob("*.yaml"))


def _one_of(names: list[str], conjunction: str) -> str:
    """'a', 'a or b', 'a, b or c' (for conjunction 'or')."""
    return f" {conjunction} ".join(filter(None, [", ".join(names[:-1]), names[-1] if names else ""]))


def _entry_keys(method: Any) -> tuple[frozenset[str], frozenset[str]]:
    """Return (allowed, required) keyword names of an ``EmulatorState.add_*`` method."""
    parameters = [p for p in inspect.signature(method).parameters.values() if p.name != "self"]
    allowed = frozenset(p.name for p in parameters)
    return allowed, frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty)


_ENTRY_KEYS = {
    "workflow_instances": _entry_keys(EmulatorState.add_workflow_instance),
    "workflows": _entry_keys(EmulatorState.add_workflow),
    "scheduled_workflows": _entry_keys(EmulatorState.add_scheduled_workflow),
    "data_quality_scans": _entry_keys(EmulatorState.add_data_quality_scan),
    "data_quality_scan_runs": _entry_keys(EmulatorState.add_data_quality_scan_run),
}


def _check_entries(key: str, entries: Any) -> list[dict[str, Any]]:
    """Check a list of mapping entries and, for instances and workflows, their keys."""
    if not isinstance(entries, list) or not all(isinstance(entry, Mapping) for entry in entries):
        raise ScenarioError(f"Scenario key '{key}' must be a list of mappings.")
    if key in _ENTRY_KEYS:
        allowed, required = _ENTRY_KEYS[key]
        for index, entry in enumerate(entries):
            unknown = sorted(set(entry) - allowed)
            if unknown:
                raise ScenarioError(
                    f"Unknown key '{unknown[0]}' in {key}[{index}]; allowed: {', '.join(sorted(allowed))}."
                )
            missing = sorted(required - set(entry))
            if missing:
                raise ScenarioError(f"Missing key '{missing[0]}' in {key}[{index}].")
    return [dict(entry) for entry in entries]


def relative_date(value: Any, today: date) -> Any:
    """``today``, ``today-N`` or ``today+N`` as the ISO date N days from ``today``; any other value as it is.

    A string that begins with ``today`` but is not one of these forms is a `ScenarioError`.
    """
    if not isinstance(value, str) or not value.strip().startswith("today"):
        return value
    match = _RELATIVE_DATE.fullmatch(value.strip())
    if match is None:
        raise ScenarioError(f"Relative data date {value!r} must be 'today', 'today-N' or 'today+N' (N days).")
    sign, days = match.groups()
    offset = int(days or 0) * (-1 if sign == "-" else 1)
    return (today + timedelta(days=offset)).isoformat()


def resolve_relative_dates(entry: Mapping[str, Any], today: date) -> dict[str, Any]:
    """A copy of a workflow or instance entry with its relative data dates made absolute (see the module doc)."""
    resolved = dict(entry)
    if "biz_date" in resolved:
        resolved["biz_date"] = relative_date(resolved["biz_date"], today)
    dates = resolved.get("biz_dates")
    if isinstance(dates, str):
        start, separator, end = dates.partition("..")
        if separator:
            resolved["biz_dates"] = f"{relative_date(start, today)}..{relative_date(end, today)}"
        else:
            resolved["biz_dates"] = relative_date(dates, today)
    elif isinstance(dates, list):
        resolved["biz_dates"] = [relative_date(value, today) for value in dates]
    by_time = resolved.get("statuses_by_time")
    if isinstance(by_time, Mapping):
        resolved["statuses_by_time"] = {_relative_time_key(key, today): value for key, value in by_time.items()}
    return resolved


def _relative_time_key(key: Any, today: date) -> Any:
    """A ``statuses_by_time`` key (``"HH:MM"``, a data date, or ``"<data date> HH:MM"``) with its date resolved."""
    if not isinstance(key, str):
        return key
    day, space, time_of_day = key.strip().rpartition(" ")
    if space and ":" in time_of_day:
        return f"{relative_date(day, today)} {time_of_day}"
    return relative_date(key, today)


def _check_clock(value: Any) -> str | None:
    """Check the optional ``clock`` key: an ISO-8601 time with offset (YAML may have parsed it already)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.isoformat()
    try:
        to_datetime(value, UTC)
    except ValueError as exc:
        raise ScenarioError(f"Scenario key 'clock': {exc}") from None
    return str(value)


@dataclass
class Scenario:
    """The emulator's starting world; an empty scenario means default credentials and no data."""

    region_id: str = "cn-hangzhou"
    project_id: int = 100
    timezone: str = DEFAULT_TIMEZONE
    access_keys: dict[str, str] = field(default_factory=dict)
    sts_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    workflow_instances: list[dict[str, Any]] = field(default_factory=list)
    workflows: list[dict[str, Any]] = field(default_factory=list)
    scheduled_workflows: list[dict[str, Any]] = field(default_factory=list)
    data_quality_scans: list[dict[str, Any]] = field(default_factory=list)
    data_quality_scan_runs: list[dict[str, Any]] = field(default_factory=list)
    clock: str | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    creation_delay: float = DEFAULT_CREATION_DELAY

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build a scenario from a mapping, validating every top-level key."""
        if not isinstance(data, Mapping):
            raise ScenarioError("A scenario must be a mapping of scenario keys.")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ScenarioError(f"Unknown scenario key '{unknown[0]}'; expected one of: {', '.join(known)}.")
        region_id = data.get("region_id", "cn-hangzhou")
        if not isinstance(region_id, str) or not region_id:
            raise ScenarioError("Scenario key 'region_id' must be a non-empty string.")
        project_id = data.get("project_id", 100)
        if isinstance(project_id, bool) or not isinstance(project_id, int):
            raise ScenarioError("Scenario key 'project_id' must be an integer.")
        access_keys = data.get("access_keys") or {}
        if not isinstance(access_keys, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in access_keys.items()
        ):
            raise ScenarioError("Scenario key 'access_keys' must map AccessKey ids to secret strings.")
        sts_keys = data.get("sts_keys") or {}
        if not isinstance(sts_keys, Mapping) or not all(
            isinstance(k, str)
            and isinstance(v, Mapping)
            and set(v) == {"secret", "token"}
            and all(isinstance(s, str) for s in v.values())
            for k, v in sts_keys.items()
        ):
            raise ScenarioError("Scenario key 'sts_keys' must map AccessKey ids to {secret, token} strings.")
        creation_delay = data.get("creation_delay", DEFAULT_CREATION_DELAY)
        try:
            check_delay(creation_delay)
        except ValueError as exc:
            raise ScenarioError(f"Scenario key 'creation_delay': {exc}") from None
        timezone = data.get("timezone", DEFAULT_TIMEZONE)
        try:
            zone(timezone)
        except ValueError as exc:
            raise ScenarioError(f"Scenario key 'timezone': {exc}") from None
        return cls(
            region_id=region_id,
            timezone=timezone,
            project_id=project_id,
            access_keys=dict(access_keys),
            sts_keys={k: dict(v) for k, v in sts_keys.items()},
            workflow_instances=_check_entries("workflow_instances", data.get("workflow_instances") or []),
            workflows=_check_entries("workflows", data.get("workflows") or []),
            scheduled_workflows=_check_entries("scheduled_workflows", data.get("scheduled_workflows") or []),
            data_quality_scans=_check_entries("data_quality_scans", data.get("data_quality_scans") or []),
            data_quality_scan_runs=_check_entries("data_quality_scan_runs", data.get("data_quality_scan_runs") or []),
            clock=_check_clock(data.get("clock")),
            faults=_check_entries("faults", data.get("faults") or []),
            creation_delay=float(creation_delay),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Load a scenario from a JSON (``.json``) or YAML file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"Cannot read scenario file {path}: {exc.strerror or exc}.") from None
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ScenarioError(f"Scenario file {path} is not valid JSON: {exc}.") from None
        else:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
                raise ScenarioError(f"Scenario file {path} is not valid YAML: {problem}.") from None
        return cls.from_dict(data or {})

    @classmethod
    def load(cls, source: Scenario | Mapping[str, Any] | str | Path | None) -> Scenario:
        """Return a scenario from a Scenario, a mapping, a file path or a bundled name (None: empty)."""
        if source is None:
            return cls()
        if isinstance(source, Scenario):
            return source
        if isinstance(source, Mapping):
            return cls.from_dict(source)
        path = Path(source)
        if not path.exists() and isinstance(source, str) and not path.suffix and "/" not in source:
            # A bare name: a bundled scenario, or a mistyped one.
            bundled = BUNDLED_SCENARIOS / f"{source}.yaml"
            if not bundled.exists():
                raise ScenarioError(
                    f"Unknown scenario {source!r}: neither a file nor a bundled scenario "
                    f"({_one_of(bundled_scenarios(), 'or')})."
                )
            path = bundled
        return cls.from_file(path)

    def credentials(self) -> dict[str, Credential]:
        """Return the accepted credentials (defaults for whichever kind the scenario leaves empty)."""
        access_keys = self.access_keys or {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET}
        sts_keys = self.sts_keys or {
            DEFAULT_STS_ACCESS_KEY_ID: {
                "secret": DEFAULT_STS_ACCESS_KEY_SECRET,
                "token": DEFAULT_SECURITY_TOKEN,
            }
        }
        credentials = {key: Credential(secret) for key, secret in access_keys.items()}
        credentials.update({key: Credential(v["secret"], v["token"]) for key, v in sts_keys.items()})
        return credentials

    def populate(self, state: EmulatorState) -> None:
        """Add the scenario's workflows, instances, data-quality scans and runs, and faults to ``state``."""
        if self.clock is not None:
            state.set_clock(self.clock)
        today = state.now_datetime().date()  # relative data dates count from the emulator's day, in its zone
        for key, add in (
            ("workflows", state.add_workflow),
            ("scheduled_workflows", state.add_scheduled_workflow),
            ("workflow_instances", state.add_workflow_instance),
            ("data_quality_scans", state.add_data_quality_scan),
            ("data_quality_scan_runs", state.add_data_quality_scan_run),
        ):
            for index, entry in enumerate(getattr(self, key)):
                try:
                    add(**resolve_relative_dates(entry, today))
                except ValueError as exc:
                    raise ScenarioError(f"Bad value in {key}[{index}]: {exc}") from None
        for index, entry in enumerate(self.faults):
            options = {k: v for k, v in entry.items() if k not in ("action", "kind", "times")}
            try:
                fault = Fault(entry.get("action", ""), entry.get("kind", ""), entry.get("times", 1), options)
            except ValueError as exc:
                raise ScenarioError(f"Bad value in faults[{index}]: {exc}") from None
            state.add_fault(fault)
