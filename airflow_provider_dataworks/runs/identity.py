"""Run identity and retry planning: which DataWorks run belongs to which Airflow task instance, and what a retry
does with the runs an earlier try left behind. Pure logic, no API calls."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_dataworks.dates import format_biz_date
from airflow_provider_dataworks.status import WorkflowInstanceStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import tzinfo

#: DataWorks rejects run names longer than this.
MAX_RUN_NAME_LENGTH = 128
#: Characters of the SHA-256 of the full name kept when a name is shortened.
NAME_HASH_LENGTH = 10
#: Tag keys carrying the identity of the Airflow task instance that started a run.
TAG_DAG_ID, TAG_TASK_ID, TAG_RUN_ID, TAG_MAP_INDEX = (
    "airflow:dag_id",
    "airflow:task_id",
    "airflow:run_id",
    "airflow:map_index",
)


@dataclass(frozen=True)
class RunIdentity:
    """The Airflow task instance (dag, task, run, map index) that a DataWorks run belongs to, across its tries."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int = -1

    @classmethod
    def from_context(cls, context: Any) -> RunIdentity:
        """The identity of the task instance running now."""
        ti = context["ti"]
        map_index = getattr(ti, "map_index", -1)
        return cls(str(ti.dag_id), str(ti.task_id), str(ti.run_id), -1 if map_index is None else int(map_index))

    def tags(self) -> dict[str, str]:
        """The identity as DataWorks tags (key -> value)."""
        return {
            TAG_DAG_ID: self.dag_id,
            TAG_TASK_ID: self.task_id,
            TAG_RUN_ID: self.run_id,
            TAG_MAP_INDEX: str(self.map_index),
        }

    def default_run_name(self) -> str:
        """`airflow-<dag>-<task>-<run>[-<map index>]`, shortened with a hash of the full name past 128 chars."""
        name = f"airflow-{self.dag_id}-{self.task_id}-{self.run_id}"
        if self.map_index >= 0:
            name += f"-{self.map_index}"
        return fit_run_name(name)

    def owns(self, instance: dict[str, Any], name: str) -> bool:
        """Whether an instance carries exactly this identity and run name (List filters match loosely)."""
        if instance.get("Name") != name:
            return False
        tags = {str(t.get("Key")): str(t.get("Value")) for t in instance.get("Tags") or [] if isinstance(t, dict)}
        return all(tags.get(key) == value for key, value in self.tags().items())


def fit_run_name(name: str) -> str:
    """`name` if DataWorks accepts its length, else its start plus a short hash of the whole (still unique)."""
    if len(name) <= MAX_RUN_NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:NAME_HASH_LENGTH]
    return f"{name[: MAX_RUN_NAME_LENGTH - NAME_HASH_LENGTH - 1]}-{digest}"


@dataclass
class RetryPlan:
    """What a new try does with the earlier tries' instances: adopt some (rerunning the failed), stop others."""

    adopt_ids: list[int] = field(default_factory=list)
    rerun_ids: list[int] = field(default_factory=list)
    stop_ids: list[int] = field(default_factory=list)
    reason: str = "no earlier run"


def plan_retry(
    instances: Iterable[dict[str, Any]],
    biz_dates: Sequence[int],
    *,
    reuse_existing_run: bool,
    retry_from_failure: bool,
    adopt_succeeded: bool = True,
    zone: tzinfo | None = None,
) -> RetryPlan:
    """Decide from the earlier tries' instances (already matched by identity) whether to adopt or start afresh.

    Per data date the newest instance is the earlier run's; older ones still going are leftovers and stopped.
    The earlier run is adopted when it covers every data date and succeeded (`adopt_succeeded`: an automatic
    retry, whose earlier try died as its run finished, must not process the data twice), is still going
    (`reuse_existing_run`) or failed (`retry_from_failure`, its failed instances are rerun). Otherwise what still
    runs is stopped and a fresh run starts (also after a success when the task was cleared: the work is asked
    for again).
    """
    newest: dict[int, dict[str, Any]] = {}
    plan = RetryPlan()
    for instance in sorted(instances, key=lambda i: int(i["Id"])):
        older = newest.get(int(instance["BizDate"]))
        if older is not None and not _finished(older):
            plan.stop_ids.append(int(older["Id"]))
        newest[int(instance["BizDate"])] = instance
    if not newest:
        return plan
    latest = [newest[d] for d in biz_dates if d in newest]
    going = [int(i["Id"]) for i in latest if not _finished(i)]
    failed = [int(i["Id"]) for i in latest if i.get("Status") == WorkflowInstanceStatus.FAILURE]
    missing = [format_biz_date(d, zone) for d in biz_dates if d not in newest]
    if missing:
        plan.reason = f"the earlier run has no instance for {', '.join(missing)}"
    elif failed and not retry_from_failure:
        plan.reason = f"the earlier run's instances {failed} failed (retry_from_failure is off)"
    elif going and not reuse_existing_run:
        plan.reason = f"the earlier run's instances {going} are still going (reuse_existing_run is off)"
    elif not going and not failed and not adopt_succeeded:
        plan.reason = "the earlier run succeeded, and the task was cleared: the work is asked for again"
    elif not going and not failed:
        plan.adopt_ids = [int(i["Id"]) for i in latest]
        plan.reason = "the earlier run succeeded"
        return plan
    else:
        plan.adopt_ids = [int(i["Id"]) for i in latest]
        plan.rerun_ids = failed
        plan.reason = "rerunning the earlier run's failed instances" if failed else "the earlier run is still going"
        return plan
    plan.stop_ids += going
    return plan


def _finished(instance: dict[str, Any]) -> bool:
    return instance.get("Status") in (WorkflowInstanceStatus.SUCCESS, WorkflowInstanceStatus.FAILURE)
