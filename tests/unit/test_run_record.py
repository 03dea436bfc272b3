"""The record of what each try started (task state store) and the kind of try running now (clear cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pytest
from fake_task_instance import FakeTaskStateStore

from airflow_provider_dataworks.runs.record import RECORD_KEY, RunLedger, RunRecord
from airflow_provider_dataworks.runs.tries import TryKind, dag_run_started, earlier_try_starts, try_kind


@dataclass
class Ti:
    try_number: int
    max_tries: int | None


@pytest.mark.parametrize(
    ("try_number", "max_tries", "retries", "kind"),
    [
        (1, 2, 2, TryKind.FIRST),  # a new task instance: max_tries = retries
        (2, 2, 2, TryKind.RETRY),
        (3, 2, 2, TryKind.RETRY),
        (4, 5, 2, TryKind.AFTER_CLEAR),  # cleared after try 3: max_tries = 3 + retries
        (5, 5, 2, TryKind.RETRY),
        (2, 1, 0, TryKind.AFTER_CLEAR),  # no retries: every try past the first follows a clear
        (2, None, 0, TryKind.RETRY),  # no max_tries known: a later try counts as a retry
    ],
)
def test_try_kind_follows_the_clear_cycle(try_number: int, max_tries: int | None, retries: int, kind: TryKind) -> None:
    assert try_kind(Ti(try_number, max_tries), retries) is kind


def test_no_database_no_earlier_try_starts() -> None:
    assert earlier_try_starts(Ti(2, 2)) == []  # not an ORM task instance: nothing to read, nothing raised


def test_dag_run_started_reads_the_context() -> None:
    from datetime import datetime

    start = datetime(2026, 11, 27, tzinfo=UTC)
    assert dag_run_started({"dag_run": type("DagRun", (), {"start_date": start})()}) == start.timestamp()
    assert dag_run_started({}) is None


def test_a_record_round_trips_as_plain_json() -> None:
    record = RunRecord(first_try_started=1.5, create_requested=2.0, operation_id="op", instance_ids=[7], run="1/n")
    store = FakeTaskStateStore()
    store.set(RECORD_KEY, record.dump())  # the fake store keeps JSON, as Airflow's does
    assert RunRecord.load(store.get(RECORD_KEY)) == record


@pytest.mark.parametrize(
    "value", [None, "x", {"version": 99}, {"version": 1}, {"version": 1, "first_try_started": "x"}]
)
def test_what_this_version_did_not_write_is_no_record(value: Any) -> None:
    assert RunRecord.load(value) is None


def test_the_ledger_records_each_step_of_a_create() -> None:
    store = FakeTaskStateStore()
    ledger = RunLedger(store)
    assert ledger.read() is None
    ledger.begin(100.0)
    ledger.create_requested("601/r")
    assert RunRecord.load(store.get(RECORD_KEY)).create_requested is not None  # type: ignore[union-attr]
    ledger.answered("op-1")
    ledger.created("601/r", [5, 6])
    later = RunLedger(store).read()
    assert later is not None
    assert (later.first_try_started, later.operation_id, later.instance_ids) == (100.0, "op-1", [5, 6])
    assert later.of("601/r") is later and later.of("602/r") is None


def test_a_refused_create_leaves_no_pending_request() -> None:
    store = FakeTaskStateStore()
    ledger = RunLedger(store)
    ledger.begin(1.0)
    ledger.create_requested("601/r")
    ledger.refused()
    assert RunLedger(store).read() == RunRecord(first_try_started=1.0, run="601/r")


def test_the_earlier_tries_record_is_kept_by_a_new_try() -> None:
    store = FakeTaskStateStore()
    RunLedger(store).begin(1.0)
    ledger = RunLedger(store)
    ledger.read()
    assert ledger.begin(50.0).first_try_started == 1.0


class FailingStore(FakeTaskStateStore):
    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("store unreachable")


def test_a_store_that_cannot_be_read_is_given_up_once(caplog: pytest.LogCaptureFixture) -> None:
    ledger = RunLedger(FailingStore())
    assert ledger.read() is None
    assert not ledger.durable
    ledger.begin(1.0)
    ledger.create_requested("601/r")
    assert caplog.text.count("Could not read the task state store") == 1
