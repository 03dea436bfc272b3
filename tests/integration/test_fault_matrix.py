"""The run operator's fault matrix: every fault on every action it calls, blocking and deferrable, plus each
run-safety path (retries, kill, timeout, permanent errors, mapped identity), against the emulator over HTTP.

Each case asserts the runs DataWorks created for the task instance, the runs left running (0 unless the task
succeeded), the task's final state and the API calls spent; the table is printed at the end of the session.
Deferrable cases run the trigger the operator deferred to, then resume a fresh operator from its event.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from fake_task_instance import FakeTaskInstance, FakeTaskStateStore

from airflow_provider_dataworks.exceptions import DataWorksAPIError
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.runs.identity import RunIdentity
from airflow_provider_dataworks.status import TERMINAL_STATUSES

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(120)

WORKFLOW_ID = 601
#: Seconds the run operator looks for the run of a lost create answer here: 3 times the emulator's creation delay.
CREATION_WINDOW = 3.0
BIZ_DATE = "2026-11-27"
MODES = ("blocking", "deferrable")
FAULTS: dict[str, dict[str, Any]] = {
    "throttle": {},
    "5xx": {},
    "html_502": {},
    "slow": {"delay": 1.3},  # beyond the connection's 1 s read timeout
    "drop": {},
}
EMULATOR_KIND = {"5xx": "server_error"}
#: The action each scenario exercises, and the scenario that calls it.
ACTIONS = {
    "CreateWorkflowInstances": "run",
    "GetCreateWorkflowInstancesResult": "run",
    "GetWorkflowInstance": "run",
    "ListWorkflowInstances": "retry_reuse",
    "StopWorkflowInstances": "timeout",
}


@dataclass
class Outcome:
    """What a case observed."""

    state: str
    error: str
    runs_created: int
    left_running: int
    calls: int
    seconds: float


@pytest.fixture
def emu(dataworks_emulator: DataWorksEmulator, monkeypatch: pytest.MonkeyPatch) -> DataWorksEmulator:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1, connect_timeout=1)
    )
    return dataworks_emulator


def make_operator(**kwargs: Any) -> DataWorksRunWorkflowOperator:
    defaults = {
        "task_id": "run",
        "workflow_id": WORKFLOW_ID,
        "biz_date": BIZ_DATE,
        "poll_interval": 0.2,
        "api_retry_delay": 0.01,
        "api_retry_limit": 3,
        "timeout": 20,
    }
    return DataWorksRunWorkflowOperator(**{**defaults, **kwargs})


def run_task(
    mode: str, ti: FakeTaskInstance, *, store: FakeTaskStateStore | None = None, dag_run: Any = None, **kwargs: Any
) -> tuple[str, str]:
    """Run one try like Airflow would: blocking, or deferred (trigger, then a fresh operator resumes); with a task
    state store (Airflow 3.3) and a DAG run in the context where given."""
    from airflow_compat import TaskDeferred

    context: Any = {"ti": ti}
    if store is not None:
        context["task_state_store"] = store
    if dag_run is not None:
        context["dag_run"] = dag_run
    try:
        try:
            make_operator(deferrable=mode == "deferrable", **kwargs).execute(context)
        except TaskDeferred as deferred:
            event = asyncio.run(first_event(deferred.trigger))
            resumed = make_operator(deferrable=True, **kwargs)
            getattr(resumed, deferred.method_name)(context, event)
    except Exception as err:
        return "failed", type(err).__name__
    return "success", ""


async def first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("the trigger ended without an event")


def own_instances(emu: DataWorksEmulator, ti: FakeTaskInstance) -> list[dict[str, Any]]:
    identity = RunIdentity.from_context({"ti": ti})
    return [i for i in emu.state.workflow_instances() if identity.owns(i, identity.default_run_name())]


def seed_earlier_run(emu: DataWorksEmulator, ti: FakeTaskInstance, statuses: list[str], **more: Any) -> int:
    """An instance an earlier try of `ti` started (its name and identity tags)."""
    identity = RunIdentity.from_context({"ti": ti})
    return emu.add_workflow_instance(
        workflow_id=WORKFLOW_ID,
        name=identity.default_run_name(),
        biz_date=BIZ_DATE,
        type="ManualWorkflow",
        statuses=statuses,
        advance="reads",
        tags=[{"Key": k, "Value": v} for k, v in identity.tags().items()],
        **more,
    )


def observe(
    emu: DataWorksEmulator, ti: FakeTaskInstance, state: str, error: str, started: float, calls_before: int = 0
) -> Outcome:
    """What a case left in DataWorks, and the calls since `calls_before` (those of the try under test)."""
    mine = own_instances(emu, ti)
    return Outcome(
        state=state,
        error=error,
        runs_created=len(mine),
        left_running=sum(1 for i in mine if i["Status"] not in TERMINAL_STATUSES),
        calls=len(emu.calls()) - calls_before,
        seconds=round(time.time() - started, 1),
    )


def check(
    outcome: Outcome, record_property: Any, case: str, *, state: str, runs: int, max_calls: int, error: str = ""
) -> None:
    """Assert a case and hand its row to the session's table."""
    record_property("fault_matrix", {"case": case, **outcome.__dict__})
    assert outcome.state == state, outcome
    assert outcome.error == error, outcome
    assert outcome.runs_created == runs, outcome
    assert outcome.left_running == 0, outcome  # failed tasks leave nothing running; succeeded runs are done
    assert outcome.calls <= max_calls, outcome


def scenario(emu: DataWorksEmulator, name: str) -> tuple[FakeTaskInstance, dict[str, Any]]:
    """Set up the DataWorks world of a scenario; the task instance and operator options that drive it."""
    if name == "run":
        emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
        # A create answer that never came is looked for this long (the emulator creates runs in 1 s).
        return FakeTaskInstance(), {"creation_timeout": CREATION_WINDOW}
    if name == "retry_reuse":
        emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
        ti = FakeTaskInstance(try_number=2)
        seed_earlier_run(emu, ti, ["Running", "Success"])
        return ti, {}
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running"])
    return FakeTaskInstance(), {"timeout": 2.0}


EXPECTED = {  # scenario -> (final state, error, runs created)
    "run": ("success", "", 1),
    "retry_reuse": ("success", "", 1),
    "timeout": ("failed", "DataWorksWaitTimeout", 1),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_fault_on_each_action(emu, record_property, action: str, fault: str, mode: str) -> None:
    name = ACTIONS[action]
    ti, options = scenario(emu, name)
    emu.inject_fault(action, EMULATOR_KIND.get(fault, fault), times=1, **FAULTS[fault])
    started = time.time()
    state, error = run_task(mode, ti, **options)
    outcome = observe(emu, ti, state, error, started)
    expected_state, expected_error, runs = EXPECTED[name]
    check(
        outcome,
        record_property,
        f"{action} {fault} ({name})",
        state=expected_state,
        error=expected_error,
        runs=runs,
        max_calls=40,
    )
    assert [c for c in emu.calls(action) if c.fault], "the fault was never hit"
    if name == "retry_reuse":
        assert emu.calls("CreateWorkflowInstances") == []


# -- the run-safety paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_retry_reuses_the_running_earlier_run(emu, record_property, mode: str) -> None:
    ti, options = scenario(emu, "retry_reuse")
    started = time.time()
    state, error = run_task(mode, ti, **options)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "retry: reuse running run",
        state="success",
        runs=1,
        max_calls=10,
    )
    assert emu.calls("CreateWorkflowInstances") == [] and emu.calls("StopWorkflowInstances") == []


@pytest.mark.parametrize("mode", MODES)
def test_retry_without_reuse_stops_the_earlier_run_and_starts_fresh(emu, record_property, mode: str) -> None:
    ti, _ = scenario(emu, "retry_reuse")
    (earlier,) = [i["Id"] for i in own_instances(emu, ti)]
    started = time.time()
    state, error = run_task(mode, ti, reuse_existing_run=False)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "retry: no reuse, fresh run",
        state="success",
        runs=2,
        max_calls=12,
    )
    assert emu.is_stopped(earlier)


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_a_failed_run_starts_fresh_without_retry_from_failure(emu, record_property, mode: str) -> None:
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
    ti = FakeTaskInstance(try_number=2)
    seed_earlier_run(emu, ti, ["Failure"])
    started = time.time()
    state, error = run_task(mode, ti)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "retry: failed run, fresh run",
        state="success",
        runs=2,
        max_calls=10,
    )


def test_a_mapped_retry_never_touches_another_map_index(emu, record_property) -> None:
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
    sibling = FakeTaskInstance(try_number=1)
    sibling.map_index = 1  # type: ignore[attr-defined]
    sibling_run = seed_earlier_run(emu, sibling, ["Running"])
    ti = FakeTaskInstance(try_number=2)
    ti.map_index = 0  # type: ignore[attr-defined]
    started = time.time()
    # No task state store and no word of when try 1 began: try 2 looks through the creation window for a run
    # try 1 may still have been creating, before it creates its own.
    state, error = run_task("blocking", ti, reuse_existing_run=False, creation_timeout=CREATION_WINDOW)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "mapped retry, sibling untouched",
        state="success",
        runs=1,
        max_calls=30,  # a look every 0.2 s through the 3 s window, the create, its result, the wait
    )
    assert not emu.is_stopped(sibling_run)
    (create,) = emu.calls("CreateWorkflowInstances")
    assert create.params["Name"].endswith("-0")


@pytest.mark.parametrize("mode", MODES)
def test_a_permanent_error_mid_wait_stops_the_run(emu, record_property, mode: str) -> None:
    ti, _ = scenario(emu, "timeout")
    emu.inject_fault("GetWorkflowInstance", "error", status=400, code="Throttling.Resource", message="Quota used up.")
    started = time.time()
    state, error = run_task(mode, ti)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "quota error mid-wait",
        state="failed",
        error="DataWorksQuotaExceededError",
        runs=1,
        max_calls=14,  # 1 identity check, 1 create, up to 7 creation reads (1 s at 0.2 s), 1 get, 1 stop, margin
    )
    assert len(emu.calls("StopWorkflowInstances")) == 1


@pytest.mark.parametrize("mode", MODES)
def test_the_deadline_bounds_retry_after_pauses(emu, record_property, mode: str) -> None:
    """DataWorks asking for 100 s pauses on every poll cannot stretch a 3 s timeout: the run is stopped on time."""
    ti, _ = scenario(emu, "timeout")
    emu.inject_fault("GetWorkflowInstance", "throttle", times=100, retry_after_ms=100_000)
    started = time.time()
    state, error = run_task(mode, ti, timeout=3.0)
    outcome = observe(emu, ti, state, error, started)
    check(
        outcome,
        record_property,
        "retry-after 100 s vs timeout 3 s",
        state="failed",
        error="DataWorksWaitTimeout",
        runs=1,
        max_calls=40,
    )
    assert outcome.seconds < 15


def test_kill_during_creation_stops_the_run_once_created(emu, record_property) -> None:
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running"], creating_reads=4)
    ti = FakeTaskInstance()
    operator = make_operator()
    outcome: dict[str, str] = {}

    def kill_while_creating() -> None:
        """DataWorks is still creating: the operation is resolved, then its instances stopped."""
        while not emu.calls("GetCreateWorkflowInstancesResult") and time.time() - started < 20:
            time.sleep(0.02)
        operator.on_kill()

    started = time.time()
    killer = threading.Thread(target=kill_while_creating)  # execute() stays on the main thread (Airflow 2 needs it)
    killer.start()
    try:
        operator.execute({"ti": ti})
    except Exception as err:
        outcome["error"] = type(err).__name__
    killer.join(30)
    check(
        observe(emu, ti, "failed", outcome.get("error", ""), started),
        record_property,
        "kill during creation",
        state="failed",
        error="DataWorksStartInterrupted",
        runs=1,
        max_calls=20,
    )


def test_kill_while_deferred_stops_the_run(emu, record_property) -> None:
    from airflow_compat import TaskDeferred

    ti, _ = scenario(emu, "timeout")
    started = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        make_operator(deferrable=True).execute({"ti": ti})
    trigger = deferred.value.trigger
    assert deferred.value.timeout is None  # the trigger owns the deadline; the scheduler never beats it
    asyncio.run(trigger.on_kill())
    check(
        observe(emu, ti, "failed", "killed", started),
        record_property,
        "kill while deferred",
        state="failed",
        error="killed",
        runs=1,
        max_calls=12,  # 1 identity check, 1 create, up to 7 creation reads (1 s at 0.2 s), 1 stop
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["lost_answer", "late_answer"])
def test_a_create_answer_lost_after_it_took_effect_is_adopted(emu, record_property, kind: str, mode: str) -> None:
    """DataWorks created the run but the answer never came (or came too late): the run is found, not duplicated."""
    ti, options = scenario(emu, "run")
    emu.inject_fault("CreateWorkflowInstances", kind, **({"delay": 1.3} if kind == "late_answer" else {}))
    started = time.time()
    state, error = run_task(mode, ti, **options)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        f"CreateWorkflowInstances {kind}: adopted",
        state="success",
        runs=1,
        max_calls=16,  # 1 identity check, 1 create, looks every 0.2 s until the run exists after 1 s, the wait
    )
    assert len(emu.calls("CreateWorkflowInstances")) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", ["none", "lost_answer", "throttle"])
def test_retry_from_failure_reruns_the_failed_run(emu, record_property, fault: str, mode: str) -> None:
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
    ti = FakeTaskInstance(try_number=2)
    earlier = seed_earlier_run(emu, ti, ["Failure"], rerun_statuses=["Running", "Success"])
    if fault != "none":
        emu.inject_fault("RerunWorkflowInstances", fault)
    started = time.time()
    state, error = run_task(mode, ti, retry_from_failure=True)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        f"retry_from_failure: rerun ({fault})",
        state="success",
        runs=1,
        max_calls=12,
    )
    assert emu.calls("CreateWorkflowInstances") == []
    assert emu.workflow_instance(earlier)["Status"] == "Success"
    (rerun, *_) = emu.calls("RerunWorkflowInstances")
    assert '"Failure"' in rerun.params["Filter"]


def test_a_lost_create_answer_is_not_a_second_run(emu, record_property) -> None:
    """The connection drops after DataWorks took the request: the operator looks before creating again."""
    ti, options = scenario(emu, "run")
    emu.inject_fault("CreateWorkflowInstances", "drop")
    started = time.time()
    state, error = run_task("blocking", ti, **options)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        "lost create answer",
        state="success",
        runs=1,
        max_calls=30,  # 1 identity check, 2 creates, looks every 0.2 s through the 3 s window, creation, wait
    )
    assert len(emu.calls("ListWorkflowInstances")) >= 1  # looked for the run before creating again


@pytest.mark.parametrize("retry_limit", [3, 0])
def test_a_lost_answer_of_a_slow_creation_is_waited_for(emu, record_property, retry_limit: int) -> None:
    """DataWorks takes 6 s to create the run whose answer was lost: the operator keeps looking (within its
    default creation window), also when the lost answer was its last attempt, and never creates a second run."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads", creation_delay=6)
    ti = FakeTaskInstance()
    emu.inject_fault("CreateWorkflowInstances", "lost_answer")
    started = time.time()
    state, error = run_task("blocking", ti, api_retry_limit=retry_limit, poll_interval=1.0)
    check(
        observe(emu, ti, state, error, started),
        record_property,
        f"slow creation (6 s), lost answer, {retry_limit} retries",
        state="success",
        runs=1,
        max_calls=16,  # 1 identity check, 1 create, a look every second until the run exists, the wait
    )
    assert len(emu.calls("CreateWorkflowInstances")) == 1


def test_a_first_try_never_takes_a_stale_run_of_its_identity(emu, record_property) -> None:
    """A DAG run deleted and made again under the same run id: the old run, created before this first try, is not
    its own: neither taken for the run of a lost answer, nor stopped."""
    ti, options = scenario(emu, "run")
    stale = seed_earlier_run(emu, ti, ["Running"])
    emu.inject_fault("CreateWorkflowInstances", "lost_answer")
    state, error = run_task("blocking", ti, **options)
    assert (state, error) == ("success", "")
    mine = [i for i in own_instances(emu, ti) if i["Id"] != stale]
    assert [i["Status"] for i in mine] == ["Success"]
    assert emu.workflow_instance(stale)["Status"] == "Running" and not emu.is_stopped(stale)
    assert len(emu.calls("CreateWorkflowInstances")) == 1


def test_a_kill_during_a_slow_creation_ends_in_time_and_the_next_try_stops_the_run(emu, caplog) -> None:
    """Airflow 3 calls on_kill on SIGTERM and SIGKILLs 5 s later: on_kill returns within that budget although
    DataWorks takes 30 s to create the run; it logs the operation and identity, and the next try stops the run."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running"], creation_delay=30)
    ti = FakeTaskInstance()
    operator = make_operator()
    took: dict[str, float] = {}

    def kill_while_creating() -> None:
        while not emu.calls("GetCreateWorkflowInstancesResult") and time.time() - started < 20:
            time.sleep(0.02)
        begun = time.time()
        operator.on_kill()
        took["on_kill"] = time.time() - begun

    started = time.time()
    killer = threading.Thread(target=kill_while_creating)
    killer.start()
    with pytest.raises(Exception, match="killed while starting"):
        operator.execute({"ti": ti})
    killer.join(30)
    assert took["on_kill"] < 4.0, took
    operation_id = operator._starter.operation_id  # type: ignore[union-attr]
    assert operation_id and operation_id in caplog.text
    assert RunIdentity.from_context({"ti": ti}).default_run_name() in caplog.text
    emu.advance_clock(30)  # DataWorks finishes creating the run the killed try started
    (orphan,) = own_instances(emu, ti)
    assert orphan["Status"] == "Running"
    retry = FakeTaskInstance(try_number=2)
    assert run_task("blocking", retry, reuse_existing_run=False, timeout=3.0) == ("failed", "DataWorksWaitTimeout")
    assert emu.is_stopped(orphan["Id"])  # the next try found the killed try's run by its identity and stopped it
    assert len(emu.calls("CreateWorkflowInstances")) == 2


# -- exactly once across tries: what each try started is recorded (task state store) or found by identity -------

STORES = ("store", "no store")


def new_store(kind: str) -> FakeTaskStateStore | None:
    return FakeTaskStateStore() if kind == "store" else None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("store_kind", STORES)
def test_a_retry_adopts_the_run_that_succeeded_as_the_worker_died(emu, record_property, caplog, store_kind, mode):
    """Try 1 started the run and died as it finished: the automatic retry succeeds with it and starts nothing."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Success"])
    store = new_store(store_kind)
    assert run_task("blocking", FakeTaskInstance(), store=store, wait_for_termination=False) == ("success", "")
    ti = FakeTaskInstance(try_number=2)
    started, before = time.time(), len(emu.calls())
    state, error = run_task(mode, ti, store=store)
    check(
        observe(emu, ti, state, error, started, before),
        record_property,
        f"worker killed after the run finished ({store_kind})",
        state="success",
        runs=1,
        max_calls=8,
    )
    assert len(emu.calls("CreateWorkflowInstances")) == 1
    assert "the earlier run succeeded" in caplog.text
    if store is not None:  # resolved from the record: read by id, not looked for in a list
        assert emu.calls("ListWorkflowInstances")[1:] == []


@pytest.mark.parametrize("store_kind", STORES)
def test_the_first_try_after_a_clear_runs_a_succeeded_run_again(emu, record_property, caplog, store_kind):
    """A person cleared the finished task: the work is asked for again, so a fresh run starts."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Success"])
    store = new_store(store_kind)
    assert run_task("blocking", FakeTaskInstance(), store=store) == ("success", "")
    ti = FakeTaskInstance(try_number=2, max_tries=1)  # cleared after try 1: max_tries = 1 + retries (0)
    started, before = time.time(), len(emu.calls())
    state, error = run_task("blocking", ti, store=store)
    check(
        observe(emu, ti, state, error, started, before),
        record_property,
        f"first try after a clear, run succeeded ({store_kind})",
        state="success",
        runs=2,
        max_calls=10,
    )
    assert "cleared" in caplog.text


@pytest.mark.parametrize("store_kind", STORES)
def test_the_first_try_after_a_clear_resumes_a_failed_run(emu, record_property, store_kind):
    """Clearing a task after fixing a failed node resumes from it (`retry_from_failure`), as a retry would."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Failure"], rerun_statuses=["Running", "Success"])
    store = new_store(store_kind)
    assert run_task("blocking", FakeTaskInstance(), store=store)[0] == "failed"
    ti = FakeTaskInstance(try_number=2, max_tries=1)
    started, before = time.time(), len(emu.calls())
    state, error = run_task("blocking", ti, store=store, retry_from_failure=True)
    check(
        observe(emu, ti, state, error, started, before),
        record_property,
        f"first try after a clear, run failed: rerun ({store_kind})",
        state="success",
        runs=1,
        max_calls=16,
    )
    assert len(emu.calls("RerunWorkflowInstances")) == 1


@pytest.mark.parametrize("store_kind", STORES)
def test_a_next_try_during_slow_creation_adopts_the_run_being_created(emu, record_property, store_kind):
    """Try 1 died while DataWorks was still creating its run (listed only once created): the next try, right
    after, waits for that run instead of creating a second one."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads", creation_delay=4)
    store = new_store(store_kind)
    first = make_operator()

    def die_while_creating() -> None:  # like SIGKILL: the try ends, nothing is stopped
        while not emu.calls("GetCreateWorkflowInstancesResult"):
            time.sleep(0.02)
        first._starter.killed = True  # type: ignore[union-attr]

    killer = threading.Thread(target=die_while_creating)
    killer.start()
    context: Any = {"ti": FakeTaskInstance(), **({"task_state_store": store} if store is not None else {})}
    with pytest.raises(Exception, match="killed while starting"):
        first.execute(context)
    killer.join(10)
    assert own_instances(emu, FakeTaskInstance()) == []  # not listed yet: still being created
    ti = FakeTaskInstance(try_number=2)
    started, before = time.time(), len(emu.calls())
    state, error = run_task("blocking", ti, store=store, creation_timeout=10)
    check(
        observe(emu, ti, state, error, started, before),
        record_property,
        f"next try during slow creation ({store_kind})",
        state="success",
        runs=1,
        max_calls=40,
    )
    assert len(emu.calls("CreateWorkflowInstances")) == 1


@pytest.mark.parametrize("store_kind", STORES)
def test_a_retry_never_takes_a_run_older_than_its_dag_run(emu, record_property, caplog, store_kind):
    """The DAG run was deleted and made again under the same run id: the old DAG run's DataWorks run, still
    going and created hours before, is neither adopted nor stopped by any try."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
    emu.set_clock(datetime.now(UTC) - timedelta(hours=3))
    stale = seed_earlier_run(emu, FakeTaskInstance(), ["Running"])
    emu.set_clock(datetime.now(UTC))
    store = new_store(store_kind)
    dag_run = SimpleNamespace(start_date=datetime.now(UTC))
    emu.inject_fault("CreateWorkflowInstances", "throttle", times=4)  # try 1 fails; nothing is created
    assert run_task("blocking", FakeTaskInstance(), store=store, dag_run=dag_run) == (
        "failed",
        "DataWorksThrottlingError",
    )
    ti = FakeTaskInstance(try_number=2)
    started, before = time.time(), len(emu.calls())
    state, error = run_task("blocking", ti, store=store, dag_run=dag_run, creation_timeout=CREATION_WINDOW)
    outcome = observe(emu, ti, state, error, started, before)
    outcome.runs_created -= 1  # the stale run carries the identity too
    outcome.left_running -= 1
    check(
        outcome,
        record_property,
        f"DAG run re-created under the same run id ({store_kind})",
        state="success",
        runs=1,
        max_calls=30,
    )
    assert emu.workflow_instance(stale)["Status"] == "Running" and not emu.is_stopped(stale)
    assert f"Adopting workflow instances [{stale}]" not in caplog.text


def test_a_workflow_that_does_not_exist_fails_at_once_without_a_lost_answer_warning(emu, caplog) -> None:
    """DataWorks' 400 created nothing: no look for a run, no warning that DataWorks may still be creating it."""
    operator = make_operator(workflow_id=999)
    with pytest.raises(DataWorksAPIError, match="workflow_id") as raised:
        operator.execute({"ti": FakeTaskInstance(), "task_state_store": FakeTaskStateStore()})
    assert (raised.value.action, raised.value.status_code) == ("CreateWorkflowInstances", 400)
    assert "may still be creating" not in caplog.text
    assert len(emu.calls("CreateWorkflowInstances")) == 1
    assert len(emu.calls("ListWorkflowInstances")) == 1  # the first try's one identity check, none after


class BrokenStore(FakeTaskStateStore):
    """A task state store whose writes fail (say, the API server is unreachable)."""

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        raise RuntimeError("state store down")


def test_a_store_that_cannot_be_written_falls_back_to_identity(emu, caplog) -> None:
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Running", "Success"], advance="reads")
    assert run_task("blocking", FakeTaskInstance(), store=BrokenStore()) == ("success", "")
    assert caplog.text.count("Could not write the task state store") == 1


def test_a_record_of_another_workflow_is_not_taken_for_this_run(emu, caplog) -> None:
    """The task was edited between tries to run another workflow: the recorded run is not its own."""
    emu.add_workflow(id=WORKFLOW_ID, name="w", statuses=["Success"])
    emu.add_workflow(id=WORKFLOW_ID + 1, name="w2", statuses=["Running", "Success"], advance="reads")
    store = FakeTaskStateStore()
    assert run_task("blocking", FakeTaskInstance(), store=store) == ("success", "")
    assert run_task("blocking", FakeTaskInstance(try_number=2), store=store, workflow_id=WORKFLOW_ID + 1) == (
        "success",
        "",
    )
    (_, second) = emu.calls("CreateWorkflowInstances")
    assert second.params["WorkflowId"] == str(WORKFLOW_ID + 1)
    assert "the task was edited?" in caplog.text
