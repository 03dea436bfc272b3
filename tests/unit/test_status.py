"""Workflow-instance statuses: the terminal and failure sets, known and unknown values."""

from __future__ import annotations

import pytest

from airflow_provider_dataworks.status import FAILED_STATUSES, TERMINAL_STATUSES, WorkflowInstanceStatus


def test_terminal_and_failed_sets() -> None:
    assert {WorkflowInstanceStatus.SUCCESS, WorkflowInstanceStatus.FAILURE} == TERMINAL_STATUSES
    assert {WorkflowInstanceStatus.FAILURE} == FAILED_STATUSES
    assert "Success" in TERMINAL_STATUSES  # plain API strings match the enum
    assert "Failure" in FAILED_STATUSES


@pytest.mark.parametrize("status", ["NotRun", "Running", "WaitTime", "CheckingCondition", "WaitResource", "Checking"])
def test_other_documented_statuses_are_not_terminal(status: str) -> None:
    assert WorkflowInstanceStatus.is_known(status)
    assert status not in TERMINAL_STATUSES
    assert status not in FAILED_STATUSES


@pytest.mark.parametrize("status", ["Paused", "success", "FAILURE", "", "None"])
def test_unknown_statuses_are_not_known_and_not_terminal(status: str) -> None:
    assert not WorkflowInstanceStatus.is_known(status)
    assert status not in TERMINAL_STATUSES
