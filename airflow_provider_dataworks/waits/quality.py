"""The data-quality gate: what a finished scan run's verdict means for the Airflow task, in words that name each
rule with its check value and threshold (`gate` is pure logic; `finish_scan_run` reads what it needs)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_dataworks.exceptions import DataWorksDataQualityCheckFailed, DataWorksWaitTimeout
from airflow_provider_dataworks.status import ERROR, TIMEOUT, DataQualityScanRunStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.waits.outcome import WaitOutcome

log = logging.getLogger(__name__)

#: DataWorks documents no call that stops a scan run: what a kill or a timeout leaves, in the task's words.
NO_STOP = "DataWorks has no call to stop a scan run, so it goes on in DataWorks"
#: Characters of a rule's raw text kept to name it when the text is not the JSON spec with a `name`.
RULE_TEXT_CHARS = 80


@dataclass(frozen=True)
class RuleResult:
    """One rule's result in a scan run: its name, status, the value it checked and the thresholds it has."""

    name: str
    status: str
    check_value: str | None = None
    reference_value: str | None = None
    warn: str | None = None
    fail: str | None = None

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> RuleResult:
        """From one of `DataQualityScanRun.Results` (its `Rule` is the rule's spec at the start of the run)."""
        spec = _rule_spec(result.get("Rule"))
        status = str(result.get("Status"))
        details = [d for d in result.get("Details") or [] if isinstance(d, dict)]
        detail = next((d for d in details if d.get("Status") == status), details[0] if details else {})
        return cls(
            name=str(spec.get("name") or spec.get("Name") or _short(result.get("Rule")) or "unnamed rule"),
            status=status,
            check_value=_text(detail.get("CheckValue")),
            reference_value=_text(detail.get("ReferenceValue")),
            warn=_text(spec.get("warn")),
            fail=_text(spec.get("fail")),
        )

    def describe(self) -> str:
        """`<rule>: <status>, check value <v> (reference <r>), thresholds warn <w> / fail <f>`."""
        text = f"{self.name!r}: {self.status}, check value {self.check_value if self.check_value is not None else '?'}"
        if self.reference_value is not None:
            text += f" (reference {self.reference_value})"
        thresholds = [f"{kind} {value!r}" for kind, value in (("warn", self.warn), ("fail", self.fail)) if value]
        if thresholds:
            text += f", thresholds {' / '.join(thresholds)}"
        return text


def _rule_spec(rule: Any) -> dict[str, Any]:
    """The rule spec as a dict when DataWorks sends it as JSON text; {} when it is another format."""
    if isinstance(rule, dict):
        return rule
    try:
        spec = json.loads(rule) if isinstance(rule, str) else None
    except ValueError:
        return {}
    return spec if isinstance(spec, dict) else {}


def _short(rule: Any) -> str:
    text = str(rule or "").strip().splitlines()
    return text[0][:RULE_TEXT_CHARS] if text else ""


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def rule_results(run: dict[str, Any]) -> list[RuleResult]:
    """Every rule result of a scan run, in DataWorks' order."""
    return [RuleResult.from_result(r) for r in run.get("Results") or [] if isinstance(r, dict)]


def describe_scan(run: dict[str, Any]) -> str:
    """`scan <name> (<id>), run <id>`, for messages."""
    scan = run.get("Scan") or {}
    return f"scan {scan.get('Name')!r} ({scan.get('Id')}), run {run.get('Id')}"


def gate(run: dict[str, Any], *, fail_on_warn: bool, console: str, log_tail: Callable[[], str]) -> dict[str, Any]:
    """The run, if it passes the gate: `Pass`, or `Warn` (logged, naming the warned rules) unless `fail_on_warn`.

    `Fail` and `Error` (and `Warn` with `fail_on_warn`) raise `DataWorksDataQualityCheckFailed` naming the scan,
    the run, each rule that did not pass with its check value and thresholds, and the tail of the run's log.
    """
    status = run.get("Status")
    rules = rule_results(run)
    if status == DataQualityScanRunStatus.PASS:
        return run
    if status == DataQualityScanRunStatus.WARN and not fail_on_warn:
        warned = [r.describe() for r in rules if r.status == DataQualityScanRunStatus.WARN]
        log.warning(
            "DataWorks data-quality %s passed with warnings: %s.", describe_scan(run), "; ".join(warned) or "none named"
        )
        return run
    broken = [r.describe() for r in rules if r.status != DataQualityScanRunStatus.PASS]
    why = " (fail_on_warn is set)" if status == DataQualityScanRunStatus.WARN else ""
    tail = log_tail().strip()
    raise DataWorksDataQualityCheckFailed(
        f"DataWorks data-quality {describe_scan(run)} ended {status}{why}: "
        f"{'; '.join(broken) or 'no rule results given'}. Console: {console}"
        + (f"\nLast lines of the run's log:\n{tail}" if tail else "")
    )


class GatingTask(Protocol):
    """What the gate reads of the Airflow task it ends (an operator or sensor of task_base)."""

    @property
    def hook(self) -> DataWorksHook: ...

    def limits(self) -> str: ...

    def console(self, instance_id: Any = None) -> str: ...


def finish_scan_run(
    task: GatingTask, outcome: WaitOutcome, *, fail_on_warn: bool, run_id: int | None
) -> dict[str, Any]:
    """The verdict of a finished wait on a scan run: the run dict with its per-rule results, or the gate's failure;
    a timeout or an error ends the task with its reason. Shared by the operator and the sensor."""
    pending = outcome.pending_ids or ([run_id] if run_id else [])
    if outcome.status == TIMEOUT:
        raise DataWorksWaitTimeout(
            f"DataWorks data-quality scan run {pending} did not finish within the task's {task.limits()}; "
            f"{NO_STOP}. Console: {task.console()}"
        )
    if outcome.status == ERROR and outcome.error is not None:
        raise outcome.error
    (listed,) = outcome.instances
    run = listed if "Results" in listed else task.hook.get_data_quality_scan_run(int(listed["Id"]))
    return gate(
        run,
        fail_on_warn=fail_on_warn,
        console=task.console(),
        log_tail=lambda: task.hook.data_quality_scan_run_log_tail(int(run["Id"])),
    )
