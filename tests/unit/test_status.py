"""What a wait does with an instance's status, as DataWorks returns it (a plain string in the instance dict): which
statuses end the wait, which of those fail it, and what happens with a status DataWorks does not document."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_dataworks.status import (
    DATA_QUALITY_SCAN_RUN,
    TASK_INSTANCE,
    TRIGGER_READY,
    WORKFLOW_INSTANCE,
    StatusSet,
)

#: Every status the 2024-05-18 API documents for a workflow instance, and whether it ends a wait / fails it.
WORKFLOW_STATUSES = {
    "NotRun": (False, False),
    "Running": (False, False),
    "WaitTime": (False, False),
    "CheckingCondition": (False, False),
    "WaitResource": (False, False),
    "Checking": (False, False),
    "Success": (True, False),
    "Failure": (True, True),
}


def instance(status: object, instance_id: int = 7) -> dict[str, object]:
    """An instance dict as the API returns it (`Status` a plain string, other fields beside it)."""
    return {"Id": instance_id, "Name": "ods_orders", "Status": status, "BizDate": 1764172800000}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("kind", [WORKFLOW_INSTANCE, TASK_INSTANCE], ids=["workflow", "node"])
@pytest.mark.parametrize(("status", "ends", "fails"), [(s, *v) for s, v in WORKFLOW_STATUSES.items()])
def test_only_success_and_failure_end_a_wait_and_only_failure_fails_it(
    kind: StatusSet, status: str, ends: bool, fails: bool, caplog: pytest.LogCaptureFixture
) -> None:
    assert kind.is_terminal(instance(status)) is ends
    assert kind.failed_ids([instance(status)]) == ([7] if fails else [])
    assert warnings(caplog) == []  # documented: waited on (or ended) without a word


def test_a_node_waiting_for_its_trigger_is_known_and_still_waited_on(caplog: pytest.LogCaptureFixture) -> None:
    assert not TASK_INSTANCE.is_terminal(instance("WaitTrigger"))
    assert warnings(caplog) == []
    WORKFLOW_INSTANCE.is_terminal(instance("WaitTrigger"))  # a node status, not a workflow one
    assert warnings(caplog) == ["Workflow instance 7 has unknown status 'WaitTrigger'; still waiting."]


@pytest.mark.parametrize("status", ["Paused", "success", "FAILURE", "", None])
def test_an_undocumented_status_is_waited_on_with_a_warning(status: object, caplog: pytest.LogCaptureFixture) -> None:
    assert not WORKFLOW_INSTANCE.is_terminal(instance(status))
    assert WORKFLOW_INSTANCE.failed_ids([instance(status)]) == []
    assert warnings(caplog) == [f"Workflow instance 7 has unknown status {str(status)!r}; still waiting."]


def test_a_missing_status_is_waited_on_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert not TASK_INSTANCE.is_terminal({"Id": 9})
    assert warnings(caplog) == ["Task instance 9 has unknown status 'None'; still waiting."]


def test_failed_ids_picks_the_failures_among_many_in_their_order() -> None:
    batch = [instance("Success", 1), instance("Failure", 2), instance("Running", 3), instance("Failure", 4)]
    assert WORKFLOW_INSTANCE.failed_ids(batch) == [2, 4]
    assert WORKFLOW_INSTANCE.failed_ids([]) == []


@pytest.mark.parametrize(
    ("status", "ready"),
    [
        ("NotRun", False),
        ("WaitTime", False),
        ("CheckingCondition", False),
        ("WaitResource", False),
        ("Checking", False),
        ("WaitTrigger", True),  # waiting for Airflow: fire it
        ("Running", True),  # fired already (by an earlier try): past it
        ("Success", True),
        ("Failure", True),
    ],
)
def test_a_trigger_node_is_ready_once_it_waits_for_its_trigger_or_is_past_it(status: str, ready: bool) -> None:
    assert TRIGGER_READY.is_terminal(instance(status)) is ready
    assert TRIGGER_READY.failed_ids([instance(status)]) == ([7] if status == "Failure" else [])


@pytest.mark.parametrize(
    ("status", "ends", "fails"),
    [
        ("Running", False, False),
        ("Pass", True, False),
        ("Warn", True, False),
        ("Fail", True, True),
        ("Error", True, True),
    ],
)
def test_a_scan_run_ends_on_any_verdict_and_fails_on_fail_or_error(status: str, ends: bool, fails: bool) -> None:
    assert DATA_QUALITY_SCAN_RUN.is_terminal(instance(status)) is ends
    assert DATA_QUALITY_SCAN_RUN.failed_ids([instance(status)]) == ([7] if fails else [])
