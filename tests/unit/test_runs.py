"""Run identity (names, tags, exact matching) and the retry plan: what a new try does with earlier runs."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_dataworks.runs.identity import MAX_RUN_NAME_LENGTH, RunIdentity, fit_run_name, plan_retry

DAY1, DAY2 = 1795708800000, 1795795200000
ME = RunIdentity("dag", "run", "manual__2026-11-27", 0)
NAME = ME.default_run_name()


def instance(id_: int, status: str, biz_date: int = DAY1, identity: RunIdentity = ME, name: str = NAME) -> dict:
    tags = [{"Key": k, "Value": v} for k, v in identity.tags().items()]
    return {"Id": id_, "Status": status, "BizDate": biz_date, "Name": name, "Tags": tags}


def plan(instances: list[dict[str, Any]], days: tuple[int, ...] = (DAY1,), **options: bool):
    return plan_retry(instances, list(days), **{"reuse_existing_run": True, "retry_from_failure": False, **options})


def test_names_carry_the_map_index_so_mapped_instances_never_share_one() -> None:
    assert NAME == "airflow-dag-run-manual__2026-11-27-0"
    assert RunIdentity("dag", "run", "manual__2026-11-27").default_run_name() == "airflow-dag-run-manual__2026-11-27"
    assert RunIdentity("dag", "run", "r", 1).default_run_name() != RunIdentity("dag", "run", "r", 0).default_run_name()


def test_long_names_are_shortened_with_a_hash_not_cut() -> None:
    long_a = RunIdentity("d" * 100, "t" * 50, "scheduled__2026-11-27T00:00:00+00:00", 3).default_run_name()
    long_b = RunIdentity("d" * 100, "t" * 50, "scheduled__2026-11-28T00:00:00+00:00", 3).default_run_name()
    assert len(long_a) == len(long_b) == MAX_RUN_NAME_LENGTH
    assert long_a != long_b  # plain truncation would have made them equal
    assert fit_run_name("short") == "short"


def test_identity_matches_exactly_not_loosely() -> None:
    assert ME.owns(instance(1, "Running"), NAME)
    other_map_index = RunIdentity("dag", "run", "manual__2026-11-27", 10)
    assert not ME.owns(instance(1, "Running", identity=other_map_index), NAME)
    assert not ME.owns(instance(1, "Running", name=NAME + "0"), NAME)  # a List "contains" hit
    assert not ME.owns({**instance(1, "Running"), "Tags": []}, NAME)  # same name, no identity: not ours


def test_tags_come_from_the_task_instance() -> None:
    class TI:
        dag_id, task_id, run_id, map_index = "d", "t", "r", 2

    assert RunIdentity.from_context({"ti": TI()}).tags() == {
        "airflow:dag_id": "d",
        "airflow:task_id": "t",
        "airflow:run_id": "r",
        "airflow:map_index": "2",
    }


def test_no_earlier_run_starts_fresh() -> None:
    result = plan([])
    assert (result.adopt_ids, result.stop_ids) == ([], [])


def test_a_running_earlier_run_is_adopted_by_default() -> None:
    result = plan([instance(5, "Running")])
    assert (result.adopt_ids, result.rerun_ids, result.stop_ids) == ([5], [], [])


def test_without_reuse_a_running_earlier_run_is_stopped() -> None:
    result = plan([instance(5, "Running")], reuse_existing_run=False)
    assert (result.adopt_ids, result.stop_ids) == ([], [5])


def test_a_failed_earlier_run_is_rerun_only_with_retry_from_failure() -> None:
    assert plan([instance(5, "Failure")]).adopt_ids == []
    result = plan([instance(5, "Failure")], retry_from_failure=True)
    assert (result.adopt_ids, result.rerun_ids, result.stop_ids) == ([5], [5], [])


@pytest.mark.parametrize("reuse", [True, False])
def test_an_automatic_retry_adopts_a_succeeded_earlier_run(reuse: bool) -> None:
    """The earlier try died as its run finished: the data must not be processed twice."""
    result = plan([instance(5, "Success")], reuse_existing_run=reuse)
    assert (result.adopt_ids, result.rerun_ids, result.stop_ids) == ([5], [], [])
    assert result.reason == "the earlier run succeeded"


def test_after_a_clear_a_succeeded_earlier_run_starts_fresh() -> None:
    result = plan([instance(5, "Success")], retry_from_failure=True, adopt_succeeded=False)
    assert (result.adopt_ids, result.stop_ids) == ([], [])
    assert "cleared" in result.reason


def test_after_a_clear_a_failed_or_going_earlier_run_is_handled_as_on_a_retry() -> None:
    failed = plan([instance(5, "Failure")], retry_from_failure=True, adopt_succeeded=False)
    assert (failed.adopt_ids, failed.rerun_ids) == ([5], [5])
    going = plan([instance(6, "Running")], adopt_succeeded=False)
    assert (going.adopt_ids, going.rerun_ids, going.stop_ids) == ([6], [], [])


def test_a_partly_failed_run_is_not_adopted_as_succeeded() -> None:
    result = plan([instance(5, "Success"), instance(6, "Failure", DAY2)], days=(DAY1, DAY2))
    assert (result.adopt_ids, result.stop_ids) == ([], [])


def test_older_runs_still_going_are_stopped_and_the_newest_adopted() -> None:
    result = plan([instance(7, "Running"), instance(5, "Running")])
    assert (result.adopt_ids, result.stop_ids) == ([7], [5])


@pytest.mark.parametrize(
    ("statuses", "options", "adopt", "rerun", "stop"),
    [
        (("Success", "Running"), {}, [5, 6], [], []),
        (("Failure", "Running"), {}, [], [], [6]),
        (("Failure", "Running"), {"retry_from_failure": True}, [5, 6], [5], []),
        (("Failure", "Running"), {"retry_from_failure": True, "reuse_existing_run": False}, [], [], [6]),
    ],
)
def test_backfills_decide_over_all_their_dates(statuses, options, adopt, rerun, stop) -> None:
    earlier = [instance(5, statuses[0], DAY1), instance(6, statuses[1], DAY2)]
    result = plan(earlier, (DAY1, DAY2), **options)
    assert (result.adopt_ids, result.rerun_ids, result.stop_ids) == (adopt, rerun, stop)


def test_an_earlier_run_missing_a_date_is_not_adopted() -> None:
    result = plan([instance(5, "Running", DAY1)], (DAY1, DAY2))
    assert (result.adopt_ids, result.stop_ids) == ([], [5])
    assert "2026-11-28" in result.reason or "no instance" in result.reason


def test_the_retry_reason_shows_missing_data_dates_in_dataworks_zone() -> None:
    from zoneinfo import ZoneInfo

    # DAY2 is 2026-11-28 00:00 in Asia/Shanghai, still 2026-11-27 in UTC
    shanghai = plan_retry([instance(1, "Running")], [DAY1, DAY2], reuse_existing_run=True, retry_from_failure=False)
    utc = plan_retry(
        [instance(1, "Running")], [DAY1, DAY2], reuse_existing_run=True, retry_from_failure=False, zone=ZoneInfo("UTC")
    )
    assert shanghai.reason.endswith("2026-11-28") and utc.reason.endswith("2026-11-27")
