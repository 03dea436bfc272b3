"""The kinds of DataWorks instance a task can wait on, one declaration each.

A kind says everything the shared machinery needs about one kind of instance: its statuses (and so when a wait
ends), how to read one by id (blocking and awaitable), the list call that reads many at once and the group an
instance is read with, how to find the instance a lookup names, how to name it in messages, the exception a
failure raises, and the arguments and kwargs its ids travel in. Sensors, triggers, the wait loop and the shared
poller are written once against `InstanceKind`; a new kind of instance is one new subclass here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from airflow_provider_dataworks.dates import format_biz_date, format_epoch_ms
from airflow_provider_dataworks.exceptions import (
    DataWorksConfigError,
    DataWorksDataQualityCheckFailed,
    DataWorksTaskInstanceFailed,
    DataWorksWorkflowInstanceFailed,
)
from airflow_provider_dataworks.status import (
    DATA_QUALITY_SCAN_RUN,
    TASK_INSTANCE,
    TRIGGER_READY,
    WORKFLOW_INSTANCE,
    StatusSet,
)
from airflow_provider_dataworks.waits.lookup import (
    TaskInstanceLookup,
    WorkflowInstanceLookup,
    afind_task_instance,
    afind_workflow_instance,
    find_task_instance,
    find_workflow_instance,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import tzinfo

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from airflow_provider_dataworks.waits.lookup import _Lookup


class GroupKey(NamedTuple):
    """The group a shared poll reads together with one list call."""

    #: The kind's list call (`batch_name`).
    batch: str
    conn_id: str
    project_id: int
    #: The environment (workflow and node instances), or the scan id (data-quality scan runs).
    scope: str
    #: The BizDate (instances), or the creation day (scan runs), epoch ms.
    day_ms: int


class InstanceKind:
    """One kind of DataWorks instance, as the wait machinery sees it; subclasses declare the specifics."""

    #: Names the kind in metrics and logs.
    name: ClassVar[str]
    statuses: ClassVar[StatusSet]
    #: Raised on the worker when an instance of this kind ended in Failure.
    failure: ClassVar[type[Exception]]
    #: The sensor argument naming what to look an instance up by, and the lookup's field for it.
    lookup_argument: ClassVar[str]
    lookup_field: ClassVar[str]
    lookup_class: ClassVar[type[_Lookup]]
    #: The trigger kwarg (and event key) holding the ids waited for.
    ids_kwarg: ClassVar[str]
    #: The hook methods (blocking; the awaitable twin is `a` + the name) that read one by id, and list many.
    get_method: ClassVar[str]
    list_method: ClassVar[str]
    #: The shared poll's list call, and the answer fields that place an instance in its group.
    batch_name: ClassVar[str]
    env_field: ClassVar[str]
    date_field: ClassVar[str]

    @property
    def id_argument(self) -> str:
        """The sensor argument naming one instance directly (`workflow_instance_id`, `task_instance_id`)."""
        return self.lookup_class.id_argument

    @property
    def noun(self) -> str:
        """`workflow instance`, `task instance`: how messages name one."""
        return self.statuses.noun

    def is_terminal(self, instance: dict[str, Any]) -> bool:
        """Whether the instance's status ends a wait on it."""
        return self.statuses.is_terminal(instance)

    def get(self, hook: DataWorksHook, instance_id: int) -> dict[str, Any]:
        """One instance by id (one Get call), blocking: for workers."""
        instance: dict[str, Any] = getattr(hook, self.get_method)(instance_id)
        return instance

    async def aget(self, hook: DataWorksHook, instance_id: int, deadline: float) -> dict[str, Any]:
        """One instance by id, awaitable: a wait's own per-poll read."""
        instance: dict[str, Any] = await getattr(hook, f"a{self.get_method}")(instance_id, deadline=deadline)
        return instance

    async def alist(self, hook: DataWorksHook, **filters: Any) -> list[dict[str, Any]]:
        """The list call of the shared poll (workspace, environment, data date and `ids`)."""
        found: list[dict[str, Any]] = await getattr(hook, f"a{self.list_method}")(**filters)
        return found

    def find(self, hook: DataWorksHook, lookup: Any) -> dict[str, Any] | None:
        """The instance `lookup` names, with its status, or None while DataWorks has not created it (blocking)."""
        raise DataWorksConfigError(f"A {self.noun} is waited for by its {self.id_argument} only.")

    async def afind(self, hook: DataWorksHook, lookup: Any) -> dict[str, Any] | None:
        """`find` for triggers: each call's retries await their backoff on the loop."""
        return self.find(hook, lookup)

    def describe(self, instance: dict[str, Any], zone: tzinfo | None = None) -> str:
        """One line naming an instance for logs and messages (dates in DataWorks' `zone`)."""
        raise NotImplementedError

    def group(self, conn_id: str, instance: dict[str, Any]) -> GroupKey | None:
        """The group an instance is read with, from its own answer; None when DataWorks left a field out."""
        project_id, env_type, biz_date = (
            instance.get("ProjectId"),
            instance.get(self.env_field),
            instance.get(self.date_field),
        )
        if project_id is None or not env_type or biz_date is None:
            return None
        return GroupKey(self.batch_name, conn_id, int(project_id), str(env_type), int(biz_date))

    async def fetch_batch(self, hook: DataWorksHook, key: GroupKey, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """One list call of a group's workspace, environment and data date, narrowed to `ids` (one page)."""
        found = await self.alist(hook, biz_date=key.day_ms, project_id=key.project_id, env_type=key.scope, ids=ids)
        return {int(i["Id"]): i for i in found if i.get("Id") is not None}

    def __repr__(self) -> str:
        return f"<{self.noun} kind {self.name!r}>"


class WorkflowInstanceKind(InstanceKind):
    """A workflow instance: one run of a whole workflow (GetWorkflowInstance, ListWorkflowInstances)."""

    name = "workflow"
    statuses = WORKFLOW_INSTANCE
    failure = DataWorksWorkflowInstanceFailed
    lookup_argument = "workflow_id"
    lookup_field = "workflow_id"
    lookup_class = WorkflowInstanceLookup
    ids_kwarg = "workflow_instance_ids"
    get_method = "get_workflow_instance"
    list_method = "list_workflow_instances"
    batch_name = "workflow_instances"
    env_field = "EnvType"
    date_field = "BizDate"

    def find(self, hook: DataWorksHook, lookup: WorkflowInstanceLookup) -> dict[str, Any] | None:
        return find_workflow_instance(hook, lookup)

    async def afind(self, hook: DataWorksHook, lookup: WorkflowInstanceLookup) -> dict[str, Any] | None:
        return await afind_workflow_instance(hook, lookup)

    def describe(self, instance: dict[str, Any], zone: tzinfo | None = None) -> str:
        return (
            f"workflow instance {instance.get('Id')} ({instance.get('Name')!r}) status {instance.get('Status')}, "
            f"BizDate {format_biz_date(instance.get('BizDate'), zone)}"
        )


class TaskInstanceKind(InstanceKind):
    """A task (node) instance: one run of one node (GetTaskInstance, ListTaskInstances)."""

    name = "task"
    statuses = TASK_INSTANCE
    failure = DataWorksTaskInstanceFailed
    lookup_argument = "dataworks_task_id"
    lookup_field = "task_id"
    lookup_class = TaskInstanceLookup
    ids_kwarg = "task_instance_ids"
    get_method = "get_task_instance"
    list_method = "list_task_instances"
    batch_name = "task_instances"
    env_field = "ProjectEnv"
    date_field = "Bizdate"

    def find(self, hook: DataWorksHook, lookup: TaskInstanceLookup) -> dict[str, Any] | None:
        return find_task_instance(hook, lookup)

    async def afind(self, hook: DataWorksHook, lookup: TaskInstanceLookup) -> dict[str, Any] | None:
        return await afind_task_instance(hook, lookup)

    def describe(self, instance: dict[str, Any], zone: tzinfo | None = None) -> str:
        return (
            f"task instance {instance.get('Id')} of node {instance.get('TaskName')!r} ({instance.get('TaskId')}) "
            f"status {instance.get('Status')}, data date {format_biz_date(instance.get('Bizdate'), zone)}, "
            f"scheduled {format_epoch_ms(instance.get('TriggerTime'), zone)}"
        )


class TriggerNodeInstanceKind(TaskInstanceKind):
    """An HTTP trigger node's instance, waited for until it is ready to fire (WaitTrigger) or already past it."""

    name = "trigger_node"
    statuses = TRIGGER_READY


#: Milliseconds of one day: scan runs share a poll per scan and creation day.
DAY_MS = 86_400_000


class DataQualityScanRunKind(InstanceKind):
    """A data-quality scan run: one check of a table by a scan's rules (GetDataQualityScanRun,
    ListDataQualityScanRuns); waited for by its id only, since the task that gates on it started it or was given it.

    Its shared poll reads the runs of one scan created on one day (the list answer has no workspace environment or
    data date), and the list items carry no per-rule results: the gate reads those with one Get at the end.
    """

    name = "data_quality"
    statuses = DATA_QUALITY_SCAN_RUN
    failure = DataWorksDataQualityCheckFailed
    ids_kwarg = "data_quality_scan_run_ids"
    get_method = "get_data_quality_scan_run"
    list_method = "list_data_quality_scan_runs"
    batch_name = "data_quality_scan_runs"

    @property
    def id_argument(self) -> str:
        return "data_quality_scan_run_id"

    def describe(self, instance: dict[str, Any], zone: tzinfo | None = None) -> str:
        scan = instance.get("Scan") or {}
        return (
            f"data-quality scan run {instance.get('Id')} of scan {scan.get('Name')!r} ({scan.get('Id')}) status "
            f"{instance.get('Status')}, created {format_epoch_ms(instance.get('CreateTime'), zone)}"
        )

    def group(self, conn_id: str, instance: dict[str, Any]) -> GroupKey | None:
        """The scan and creation day of a run, from a Get answer (list items carry no `Scan`: None)."""
        scan = instance.get("Scan") or {}
        project_id, scan_id, created = scan.get("ProjectId"), scan.get("Id"), instance.get("CreateTime")
        if project_id is None or scan_id is None or created is None:
            return None
        return GroupKey(self.batch_name, conn_id, int(project_id), str(scan_id), int(created) // DAY_MS * DAY_MS)

    async def fetch_batch(self, hook: DataWorksHook, key: GroupKey, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """One list call (all pages) of the scan's runs created that day, narrowed to `ids`."""
        found = await self.alist(
            hook,
            data_quality_scan_id=key.scope,
            project_id=key.project_id,
            create_time_from=key.day_ms,
            create_time_to=key.day_ms + DAY_MS - 1,
        )
        wanted = {int(i) for i in ids}
        return {int(i["Id"]): i for i in found if i.get("Id") is not None and int(i["Id"]) in wanted}


WORKFLOW = WorkflowInstanceKind()
TASK = TaskInstanceKind()
TRIGGER_NODE = TriggerNodeInstanceKind()
DATA_QUALITY = DataQualityScanRunKind()
#: Every event key that names the ids a wait was for.
IDS_KWARGS = tuple(dict.fromkeys(kind.ids_kwarg for kind in (WORKFLOW, TASK, TRIGGER_NODE, DATA_QUALITY)))
