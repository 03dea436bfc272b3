"""The data-quality gate's decision and words, and what a later try does with an earlier try's scan run."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from airflow_provider_dataworks.exceptions import DataWorksDataQualityCheckFailed
from airflow_provider_dataworks.runs.scan_runs import ScanRunRequest, _keep_reason
from airflow_provider_dataworks.runs.tries import TryKind
from airflow_provider_dataworks.status import DATA_QUALITY_SCAN_RUN
from airflow_provider_dataworks.waits.quality import RuleResult, gate, rule_results


def result(name: str, status: str, check: str = "0.2", **spec: str) -> dict[str, Any]:
    rule = json.dumps({"name": name, **spec})
    return {
        "Rule": rule,
        "Status": status,
        "Details": [{"CheckValue": check, "ReferenceValue": "0.1", "Status": status}],
    }


def run(status: str, *results: dict[str, Any]) -> dict[str, Any]:
    return {"Id": 9, "Status": status, "Scan": {"Id": 301, "Name": "orders_quality"}, "Results": list(results)}


def test_only_a_verdict_ends_the_wait_and_only_fail_and_error_fail_it() -> None:
    assert DATA_QUALITY_SCAN_RUN.terminal == {"Pass", "Warn", "Fail", "Error"}
    assert DATA_QUALITY_SCAN_RUN.failed == {"Fail", "Error"}
    assert not DATA_QUALITY_SCAN_RUN.is_terminal({"Id": 1, "Status": "Running"})


def test_a_rule_is_named_with_its_check_value_and_thresholds() -> None:
    (rule,) = rule_results(run("Fail", result("amount nulls", "Fail", warn="when > 1%", fail="when > 10%")))
    assert rule == RuleResult("amount nulls", "Fail", "0.2", "0.1", "when > 1%", "when > 10%")
    assert rule.describe() == (
        "'amount nulls': Fail, check value 0.2 (reference 0.1), thresholds warn 'when > 1%' / fail 'when > 10%'"
    )


def test_a_rule_that_is_not_json_is_named_by_its_first_line() -> None:
    (rule,) = rule_results(run("Fail", {"Rule": "assertion: row_count > 0\nseverity: High", "Status": "Fail"}))
    assert (rule.name, rule.check_value) == ("assertion: row_count > 0", None)


def test_pass_passes_without_reading_the_log() -> None:
    passed = run("Pass", result("a", "Pass"))
    assert gate(passed, fail_on_warn=True, console="c", log_tail=pytest.fail) is passed


def test_warn_passes_with_a_warning_naming_the_warned_rules(caplog: pytest.LogCaptureFixture) -> None:
    warned = run("Warn", result("a", "Pass"), result("b", "Warn"))
    with caplog.at_level(logging.WARNING):
        assert gate(warned, fail_on_warn=False, console="c", log_tail=pytest.fail) is warned
    assert "'b': Warn" in caplog.text and "'a'" not in caplog.text


@pytest.mark.parametrize(("status", "fail_on_warn"), [("Warn", True), ("Fail", False), ("Error", False)])
def test_a_failed_gate_names_scan_run_rules_and_log_tail(status: str, fail_on_warn: bool) -> None:
    failed = run(status, result("a", "Pass"), result("b", status, fail="when > 10%"))
    with pytest.raises(DataWorksDataQualityCheckFailed) as raised:
        gate(failed, fail_on_warn=fail_on_warn, console="https://console", log_tail=lambda: "last line\n")
    message = str(raised.value)
    assert message.startswith(f"DataWorks data-quality scan 'orders_quality' (301), run 9 ended {status}")
    assert "'b': " in message and "'a'" not in message and "fail 'when > 10%'" in message
    assert message.endswith("Last lines of the run's log:\nlast line")


@pytest.mark.parametrize(
    ("status", "attempt", "adopted"),
    [
        ("Running", TryKind.RETRY, True),
        ("Running", TryKind.AFTER_CLEAR, True),
        ("Pass", TryKind.RETRY, True),
        ("Warn", TryKind.RETRY, True),
        ("Pass", TryKind.AFTER_CLEAR, False),
        ("Fail", TryKind.RETRY, False),
        ("Error", TryKind.RETRY, False),
    ],
)
def test_which_earlier_scan_run_a_later_try_adopts(status: str, attempt: TryKind, adopted: bool) -> None:
    assert (_keep_reason({"Id": 1, "Status": status}, attempt) is not None) is adopted


def test_a_listed_run_matches_the_request_by_its_parameters() -> None:
    request = ScanRunRequest(301, 7, {"triggerTime": "1"})
    assert request.matches({"Parameters": [{"Name": "triggerTime", "Value": "1"}, {"Name": "other", "Value": "x"}]})
    assert not request.matches({"Parameters": [{"Name": "triggerTime", "Value": "2"}]})
    assert not request.matches({})
