"""DataWorksHook: an Airflow connection in, DataWorks OpenAPI (2024-05-18) answers out, as plain dicts.

The SDK is imported only when a call is made (importing it costs 0.5-1.6 s, and DAG files are parsed often).
Blocking methods retry with tenacity's sleeping loop; `a*` methods run each attempt in the provider's own thread
pool and await the backoff, so they never block the event loop and no thread sleeps through a backoff.
Every attempt is counted in `api_calls` (DataWorks quotas count attempts, failed ones too) and in Airflow's metrics
(see utils/metrics.py).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar, cast

from airflow_provider_dataworks.dates import biz_date_ms, parse_data_date
from airflow_provider_dataworks.exceptions import DataWorksConfigError, DataWorksInstanceNotFoundError
from airflow_provider_dataworks.hooks.actions import LIST_PAGE_SIZE, ApiRequest, Pages, api_method
from airflow_provider_dataworks.hooks.connection import ConnectionSettings
from airflow_provider_dataworks.hooks.errors import translate_sdk_error
from airflow_provider_dataworks.hooks.pool import CallSlot, run_blocking
from airflow_provider_dataworks.hooks.retry import RetryPolicy, is_refused, is_retryable
from airflow_provider_dataworks.status import ENV_TYPES
from airflow_provider_dataworks.utils.compat import BaseHook
from airflow_provider_dataworks.utils.fanout import FanOut
from airflow_provider_dataworks.utils.metrics import count_api_call
from airflow_provider_dataworks.utils.validation import env_type_or_none, positive_int

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

    from alibabacloud_dataworks_public20240518.client import Client

T = TypeVar("T")
__all__ = ["LIST_PAGE_SIZE", "DataWorksHook"]

DEFAULT_STOP_COMMENT = "Stopped by Apache Airflow"
#: Integers from here on are BizDates in epoch ms (1973 onwards); smaller ones are read as `YYYYMMDD`.
EPOCH_MS_FLOOR = 10**11


def _snake(action: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


#: SDK clients kept per process: one per connection's settings (a changed connection gets a new one).
MAX_SHARED_CLIENTS = 32
_shared_clients: OrderedDict[ConnectionSettings, Client] = OrderedDict()
_shared_clients_lock = threading.Lock()


def shared_client(settings: ConnectionSettings) -> Client:
    """The process's SDK client for `settings`, built on first use.

    Building one costs signing setup and a credentials client; a client keeps no per-call state, so every hook,
    trigger and shared poll of one connection uses the same one (1,000 deferred waits build it once, not 1,000
    times in one tick of the triggerer's loop).
    """
    with _shared_clients_lock:
        client = _shared_clients.get(settings)
        if client is None:
            from alibabacloud_dataworks_public20240518.client import Client

            client = _shared_clients[settings] = Client(settings.sdk_config())
            while len(_shared_clients) > MAX_SHARED_CLIENTS:
                _shared_clients.popitem(last=False)
        _shared_clients.move_to_end(settings)
        return client


_lookups: dict[tuple[str, str | None], FanOut[ConnectionSettings]] = {}


async def _one_lookup_at_a_time(
    key: tuple[str, str | None], lookup: Callable[[], Awaitable[ConnectionSettings]]
) -> ConnectionSettings:
    """The settings of connection `key`: joins a lookup already under way on this loop, else starts one (what
    that is worth when 1,000 waits start at once: `./dev bench`'s ablation, docs/benchmarks.md)."""
    shared = _lookups.get(key)
    if shared is None or shared.done() or shared.loop is not asyncio.get_running_loop():
        shared = _lookups[key] = FanOut(lookup())
    return await shared.wait()


class DataWorksHook(BaseHook):
    """Interact with Alibaba Cloud DataWorks through the official SDK.

    :param dataworks_conn_id: Airflow connection of type ``dataworks`` (or ``alibaba_cloud``).
    :param region_id: overrides the connection's ``region_id`` extra.
    :param retry_limit: retries of a transient failure (throttling, 5xx, network) before giving up.
    :param retry_delay: base seconds of the exponential backoff between those retries.
    """

    conn_name_attr = "dataworks_conn_id"
    default_conn_name = "dataworks_default"
    conn_type = "dataworks"
    hook_name = "Alibaba Cloud DataWorks"

    def __init__(
        self,
        dataworks_conn_id: str = default_conn_name,
        region_id: str | None = None,
        retry_limit: int = 5,
        retry_delay: float = 2.0,
    ) -> None:
        super().__init__()
        self.dataworks_conn_id = dataworks_conn_id
        self.region_id = region_id
        self.retry_policy = RetryPolicy(retry_limit=retry_limit, retry_delay=retry_delay)
        self._settings: ConnectionSettings | None = None
        self._client: Client | None = None
        self._client_lock = threading.Lock()
        self._calls_lock = threading.Lock()
        #: DataWorks API attempts this hook has made (each retry counts: quotas count every request).
        self.api_calls = 0
        #: How error sentences name this hook's connection, saying which of its settings to change.
        self.connection_phrase = f"Airflow connection {dataworks_conn_id!r}"

    # -- connection ---------------------------------------------------------------------------------------

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Airflow 2 connection form: relabel standard fields (Airflow 3 reads provider info instead)."""
        from airflow_provider_dataworks import get_provider_info

        behaviour = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
        return {
            "hidden_fields": behaviour["hidden-fields"],
            "relabeling": behaviour["relabeling"],
            "placeholders": behaviour["placeholders"],
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Airflow 2 connection form: one widget per extra, choices checked on save (wtforms is imported only here).

        Airflow 2 accepts only text, password, integer and boolean fields here (a SelectField makes it drop the
        hook), so a choice is a text field whose validator accepts only the listed values or nothing.
        """
        from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import PasswordField, StringField
        from wtforms.validators import AnyOf, Optional

        from airflow_provider_dataworks import get_provider_info

        fields = get_provider_info()["connection-types"][0]["conn-fields"]
        widgets: dict[str, Any] = {}
        for name, spec in fields.items():
            schema, label, description = spec["schema"], lazy_gettext(spec["label"]), spec["description"]
            if schema.get("format") == "password":
                widgets[name] = PasswordField(label, widget=BS3PasswordFieldWidget(), description=description)
            elif "enum" in schema:
                values = [value for value in schema["enum"] if value is not None]
                widgets[name] = StringField(
                    label,
                    widget=BS3TextFieldWidget(),
                    validators=[Optional(), AnyOf(values)],
                    description=f"{description} One of: {', '.join(values)}.",
                )
            else:
                widgets[name] = StringField(label, widget=BS3TextFieldWidget(), description=description)
        return widgets

    @property
    def settings(self) -> ConnectionSettings:
        """The validated connection (looked up once, on first use: never in a constructor)."""
        if self._settings is None:
            self._settings = self._read_settings()
        return self._settings

    def _read_settings(self) -> ConnectionSettings:
        conn = self.get_connection(self.dataworks_conn_id)
        return ConnectionSettings.from_connection(conn, region_id=self.region_id)

    def get_conn(self) -> Client:
        """The SDK client of this connection, shared in the process (thread-safe: async callers get it in a worker
        thread)."""
        with self._client_lock:
            if self._client is None:
                from airflow_provider_dataworks.hooks.sdk_loader import load_sdk

                load_sdk()  # waits for a load under way in another thread to finish
                self._client = shared_client(self.settings)
            return self._client

    async def aget_conn(self) -> Client:
        """The SDK client, with the SDK load and the connection lookup done off the event loop.

        Waits starting together share one lookup of their connection (Airflow's lookup costs about 0.4 ms of
        GIL time each; see `_one_lookup_at_a_time`); a later start looks again.
        """
        if self._client is not None:
            return self._client
        from airflow_provider_dataworks.hooks.sdk_loader import aload_sdk

        await aload_sdk()
        if self._settings is None:
            key = (self.dataworks_conn_id, self.region_id)
            self._settings = await _one_lookup_at_a_time(key, lambda: run_blocking(self._read_settings))
        client = _shared_clients.get(self._settings)
        if client is not None:
            self._client = client
            return client
        return await run_blocking(self.get_conn)

    def project_id_or_default(self, project_id: int | str | None) -> int:
        """The given workspace id, else the connection's `project_id` extra; one of them is required."""
        if project_id in (None, ""):
            project_id = self.settings.project_id
        if project_id is None:
            raise DataWorksConfigError(
                "project_id is required: pass project_id, or set extra 'project_id' on connection "
                f"{self.dataworks_conn_id!r}."
            )
        return positive_int("project_id", project_id)

    def env_type_or_default(self, env_type: str | None) -> str:
        """The given environment (Prod or Dev), else the connection's `env_type` extra."""
        value = env_type_or_none(env_type or self.settings.env_type)
        if value is None:
            raise DataWorksConfigError(f"env_type must be {' or '.join(ENV_TYPES)}, not empty.")
        return value

    def biz_date_ms(self, value: Any) -> int:
        """A data date in DataWorks' wire form (epoch ms at 00:00 in the connection's `timezone`).

        Takes what `parse_data_date` takes, and a BizDate already in epoch ms, as DataWorks returns it.
        """
        if isinstance(value, int) and not isinstance(value, bool) and value >= EPOCH_MS_FLOOR:
            return value
        zone = self.settings.zone
        return biz_date_ms(parse_data_date(value, zone), zone)

    # -- calling the API ---------------------------------------------------------------------------------

    def _call_once(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One attempt of one API action with PascalCase parameters; the response body as a dict."""
        from alibabacloud_dataworks_public20240518 import models

        client = self.get_conn()
        request = getattr(models, f"{action}Request")().from_map(params)
        with self._calls_lock:
            self.api_calls += 1
        try:
            response = getattr(client, _snake(action))(request)
        except Exception as err:
            error = translate_sdk_error(err, action, self.connection_phrase) or err
            count_api_call(action, error)
            raise error from err
        count_api_call(action)
        return response.body.to_map()

    def call(
        self,
        action: str,
        params: dict[str, Any],
        *,
        deadline: float | None = None,
        retry_on: Callable[[BaseException], bool] = is_retryable,
    ) -> dict[str, Any]:
        """Call an API action, retrying transient failures, never pausing past `deadline` (blocking: for workers)."""
        for attempt in self.retry_policy.retrying(deadline=deadline, retry_on=retry_on):
            with attempt:
                body = self._call_once(action, params)
        return body

    async def acall(
        self,
        action: str,
        params: dict[str, Any],
        *,
        deadline: float | None = None,
        retry_on: Callable[[BaseException], bool] = is_retryable,
    ) -> dict[str, Any]:
        """Call an API action without blocking the event loop (for triggers), never pausing past `deadline`.

        Each attempt runs the blocking client in the provider's thread pool, the call holding one of the loop's call
        slots (see hooks/pool.py) except while its backoff is awaited. Measured
        against the SDK's own aiohttp `*_async` methods (see benchmarks/), this blocks the loop far less (signing
        and parsing stay off it) at the same throughput.
        """
        if self._client is None:
            await self.aget_conn()
        async with CallSlot() as slot:
            async for attempt in self.retry_policy.async_retrying(
                deadline=deadline, retry_on=retry_on, sleep=slot.sleep
            ):
                with attempt:
                    body = await run_blocking(self._call_once, action, params)
        return body

    def send(self, request: ApiRequest[T]) -> T:
        """Send an API request: one call, or every page of a list action (blocking: for workers)."""
        if request.items_key is None:
            return request.read(self.call(request.action, request.params, **_retry_options(request)))
        pages = Pages(request)
        while (params := pages.next_params()) is not None:
            pages.add(self.call(request.action, params, **_retry_options(request)))
        return cast("T", pages.items)

    async def asend(self, request: ApiRequest[T]) -> T:
        """`send` without blocking the event loop (for triggers)."""
        if request.items_key is None:
            return request.read(await self.acall(request.action, request.params, **_retry_options(request)))
        pages = Pages(request)
        while (params := pages.next_params()) is not None:
            pages.add(await self.acall(request.action, params, **_retry_options(request)))
        return cast("T", pages.items)

    # -- workflow instances ------------------------------------------------------------------------------

    def _get_workflow_instance(
        self, instance_id: int | str, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetWorkflowInstance: the `WorkflowInstance` dict, with the API's field names."""
        instance_id = positive_int("workflow_instance_id", instance_id)
        return ApiRequest(
            "GetWorkflowInstance",
            {"Id": instance_id},
            read=functools.partial(_found, field="WorkflowInstance", noun="workflow instance", object_id=instance_id),
            deadline=deadline,
        )

    get_workflow_instance, aget_workflow_instance = api_method(_get_workflow_instance)

    def _list_workflow_instances(
        self,
        *,
        biz_date: Any,
        project_id: int | str | None = None,
        workflow_id: int | str | None = None,
        env_type: str | None = None,
        instance_type: str | None = None,
        name: str | None = None,
        ids: Iterable[int] | None = None,
        sort_by: str | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[list[dict[str, Any]]]:
        """ListWorkflowInstances for one data date, every page (`name` matches loosely: compare it yourself)."""
        params: dict[str, Any] = {
            "ProjectId": self.project_id_or_default(project_id),
            "BizDate": self.biz_date_ms(biz_date),
            "EnvType": self.env_type_or_default(env_type),
        }
        if workflow_id is not None:
            params["WorkflowId"] = positive_int("workflow_id", workflow_id)
        if instance_type:
            params["Type"] = instance_type
        if name:
            params["Name"] = name
        if ids is not None:
            params["Ids"] = [positive_int("workflow_instance_id", i) for i in ids]
        if sort_by:
            params["SortBy"] = sort_by
        return ApiRequest("ListWorkflowInstances", params, items_key="WorkflowInstances", deadline=deadline)

    list_workflow_instances, alist_workflow_instances = api_method(_list_workflow_instances)

    def _create_workflow_instances(
        self,
        workflow_id: int | str,
        *,
        name: str,
        run_type: str = "ManualWorkflow",
        biz_dates: Sequence[tuple[str, str]],
        project_id: int | str | None = None,
        env_type: str | None = None,
        workflow_parameters: dict[str, Any] | None = None,
        root_task_ids: Iterable[int] | None = None,
        include_task_ids: Iterable[int] | None = None,
        comment: str | None = None,
        tags: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[str]:
        """CreateWorkflowInstances: start a run (one instance per data date); return the OperationId.

        Only throttling refusals are retried: after a timeout, a dropped connection or a 5xx the run may exist,
        so the error is raised and the caller looks the run up (by its name and `tags`) before creating again.
        """
        params: dict[str, Any] = {
            "WorkflowId": positive_int("workflow_id", workflow_id),
            "ProjectId": self.project_id_or_default(project_id),
            "EnvType": self.env_type_or_default(env_type),
            "Name": name,
            "Type": run_type,
            "AutoStartEnabled": True,
            "Periods": {"BizDates": [{"StartBizDate": start, "EndBizDate": end} for start, end in biz_dates]},
        }
        if workflow_parameters:
            params["WorkflowParameters"] = json.dumps(workflow_parameters, sort_keys=True)
        run_properties: dict[str, Any] = {}
        if root_task_ids:
            run_properties["RootTaskIds"] = [positive_int("root_task_ids", i) for i in root_task_ids]
        if include_task_ids:
            run_properties["IncludeTaskIds"] = [positive_int("include_task_ids", i) for i in include_task_ids]
        if run_properties:
            params["DefaultRunProperties"] = run_properties
        if comment:
            params["Comment"] = comment
        if tags:
            params["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
        return ApiRequest("CreateWorkflowInstances", params, read=_operation_id, retry_on=is_refused, deadline=deadline)

    create_workflow_instances, acreate_workflow_instances = api_method(_create_workflow_instances)

    def _get_create_workflow_instances_result(
        self, operation_id: str, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetCreateWorkflowInstancesResult: `Result` with Status Creating, Created or CreateFailure."""
        return ApiRequest(
            "GetCreateWorkflowInstancesResult", {"OperationId": operation_id}, read=_result, deadline=deadline
        )

    get_create_workflow_instances_result, aget_create_workflow_instances_result = api_method(
        _get_create_workflow_instances_result
    )

    def _rerun_workflow_instances(
        self,
        workflow_id: int | str,
        instance_ids: Iterable[int],
        *,
        run_type: str = "ManualWorkflow",
        project_id: int | str | None = None,
        env_type: str | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[str]:
        """RerunWorkflowInstances of only the failed tasks of the given instances; return the OperationId.

        Like creation, only throttling refusals are retried (a lost answer may have started the rerun).
        """
        params: dict[str, Any] = {
            "WorkflowId": positive_int("workflow_id", workflow_id),
            "ProjectId": self.project_id_or_default(project_id),
            "EnvType": self.env_type_or_default(env_type),
            "Type": run_type,
            "Ids": [positive_int("workflow_instance_id", i) for i in instance_ids],
            "Filter": {"TaskInstanceStatuses": ["Failure"]},
        }
        return ApiRequest("RerunWorkflowInstances", params, read=_operation_id, retry_on=is_refused, deadline=deadline)

    rerun_workflow_instances, arerun_workflow_instances = api_method(_rerun_workflow_instances)

    def _get_rerun_workflow_instances_result(
        self, operation_id: str, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetRerunWorkflowInstancesResult: `Result` with Status NotRun, Success or Failure (and FailureMessage)."""
        return ApiRequest(
            "GetRerunWorkflowInstancesResult", {"OperationId": operation_id}, read=_result, deadline=deadline
        )

    get_rerun_workflow_instances_result, aget_rerun_workflow_instances_result = api_method(
        _get_rerun_workflow_instances_result
    )

    def _stop_workflow_instances(
        self, instance_ids: Iterable[int], comment: str = DEFAULT_STOP_COMMENT, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, dict[str, Any]]]:
        """StopWorkflowInstances: per-id `{Success, Message}` (the call succeeds even when some ids fail)."""
        params = {"Ids": [positive_int("workflow_instance_id", i) for i in instance_ids], "Comment": comment}
        return ApiRequest("StopWorkflowInstances", params, read=_success_info, deadline=deadline)

    stop_workflow_instances, astop_workflow_instances = api_method(_stop_workflow_instances)

    # -- task instances ----------------------------------------------------------------------------------

    def _list_task_instances(
        self,
        *,
        biz_date: Any,
        workflow_instance_id: int | str | None = None,
        workflow_id: int | str | None = None,
        task_id: int | str | None = None,
        project_id: int | str | None = None,
        env_type: str | None = None,
        status: str | None = None,
        instance_type: str | None = None,
        ids: Iterable[int] | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[list[dict[str, Any]]]:
        """ListTaskInstances of one data date, narrowed to a workflow instance, a workflow or a node; every page."""
        params: dict[str, Any] = {
            "ProjectId": self.project_id_or_default(project_id),
            "Bizdate": self.biz_date_ms(biz_date),
            "ProjectEnv": self.env_type_or_default(env_type),
        }
        for key, argument, value in (
            ("WorkflowInstanceId", "workflow_instance_id", workflow_instance_id),
            ("WorkflowId", "workflow_id", workflow_id),
            ("TaskId", "dataworks_task_id", task_id),
        ):
            if value is not None:
                params[key] = positive_int(argument, value)
        if status:
            params["Status"] = status
        if instance_type:
            params["WorkflowInstanceType"] = instance_type
        if ids is not None:
            params["Ids"] = [positive_int("task_instance_id", i) for i in ids]
        return ApiRequest("ListTaskInstances", params, items_key="TaskInstances", deadline=deadline)

    list_task_instances, alist_task_instances = api_method(_list_task_instances)

    def _get_task_instance(
        self, task_instance_id: int | str, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetTaskInstance: the `TaskInstance` dict, with the API's field names."""
        task_instance_id = positive_int("task_instance_id", task_instance_id)
        return ApiRequest(
            "GetTaskInstance",
            {"Id": task_instance_id},
            read=functools.partial(_found, field="TaskInstance", noun="task instance", object_id=task_instance_id),
            deadline=deadline,
        )

    get_task_instance, aget_task_instance = api_method(_get_task_instance)

    def _get_task_instance_log(
        self, task_instance_id: int | str, run_number: int | None = None, *, deadline: float | None = None
    ) -> ApiRequest[str]:
        """GetTaskInstanceLog: the log text of a task instance's run (the latest one by default)."""
        params: dict[str, Any] = {"Id": positive_int("task_instance_id", task_instance_id)}
        if run_number is not None:
            params["RunNumber"] = run_number
        return ApiRequest("GetTaskInstanceLog", params, read=_log_text, deadline=deadline)

    get_task_instance_log, aget_task_instance_log = api_method(_get_task_instance_log)

    def _trigger_scheduler_task_instance(
        self,
        task_id: int | str,
        trigger_time: int,
        env_type: str | None = None,
        *,
        deadline: float | None = None,
    ) -> ApiRequest[bool]:
        """TriggerSchedulerTaskInstance: fire an HTTP trigger node's instance (TriggerTime epoch ms); its `Success`.

        Only throttling refusals are retried: after a timeout, a dropped connection or a 5xx the trigger may have
        landed, so the error is raised and the caller reads the instance's status before firing again.
        """
        params = {
            "TaskId": positive_int("dataworks_task_id", task_id),
            "TriggerTime": positive_int("trigger_time", trigger_time),
            "EnvType": self.env_type_or_default(env_type),
        }
        return ApiRequest("TriggerSchedulerTaskInstance", params, read=_success, retry_on=is_refused, deadline=deadline)

    trigger_scheduler_task_instance, atrigger_scheduler_task_instance = api_method(_trigger_scheduler_task_instance)

    # -- data-quality scans ------------------------------------------------------------------------------

    def _create_data_quality_scan_run(
        self,
        data_quality_scan_id: int | str,
        *,
        parameters: Mapping[str, str],
        project_id: int | str | None = None,
        runtime_resource: Mapping[str, Any] | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[int]:
        """CreateDataQualityScanRun: start a run of a scan with `parameters` (e.g. `triggerTime`); its run id.

        DataWorks documents no idempotency token here, so only throttling refusals are retried: after a lost answer
        the run may exist, and the caller looks for it (ListDataQualityScanRuns) before creating again.
        """
        params: dict[str, Any] = {
            "DataQualityScanId": positive_int("data_quality_scan_id", data_quality_scan_id),
            "ProjectId": self.project_id_or_default(project_id),
            "Parameters": [{"Name": str(name), "Value": str(value)} for name, value in parameters.items()],
        }
        if runtime_resource:
            params["RuntimeResource"] = dict(runtime_resource)
        return ApiRequest("CreateDataQualityScanRun", params, read=_run_id, retry_on=is_refused, deadline=deadline)

    create_data_quality_scan_run, acreate_data_quality_scan_run = api_method(_create_data_quality_scan_run)

    def _get_data_quality_scan_run(
        self, data_quality_scan_run_id: int | str, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetDataQualityScanRun: the `DataQualityScanRun` dict (Status, per-rule Results, the Scan snapshot)."""
        run_id = positive_int("data_quality_scan_run_id", data_quality_scan_run_id)
        return ApiRequest(
            "GetDataQualityScanRun",
            {"Id": run_id},
            read=functools.partial(_found, field="DataQualityScanRun", noun="data-quality scan run", object_id=run_id),
            deadline=deadline,
        )

    get_data_quality_scan_run, aget_data_quality_scan_run = api_method(_get_data_quality_scan_run)

    def _list_data_quality_scan_runs(
        self,
        *,
        data_quality_scan_id: int | str,
        project_id: int | str | None = None,
        create_time_from: int | None = None,
        create_time_to: int | None = None,
        status: str | None = None,
        deadline: float | None = None,
    ) -> ApiRequest[list[dict[str, Any]]]:
        """ListDataQualityScanRuns of one scan (created within the epoch-ms window), every page, newest first; the
        items carry Id, Status, CreateTime, FinishTime and Parameters (no Results: Get one for those)."""
        params: dict[str, Any] = {
            "ProjectId": self.project_id_or_default(project_id),
            "DataQualityScanId": positive_int("data_quality_scan_id", data_quality_scan_id),
            "SortBy": "CreateTime Desc",
        }
        if create_time_from is not None:
            params["CreateTimeFrom"] = int(create_time_from)
        if create_time_to is not None:
            params["CreateTimeTo"] = int(create_time_to)
        if status:
            params["Status"] = status
        return ApiRequest(
            "ListDataQualityScanRuns",
            params,
            items_key="DataQualityScanRuns",
            paging_key="PageInfo",
            deadline=deadline,
        )

    list_data_quality_scan_runs, alist_data_quality_scan_runs = api_method(_list_data_quality_scan_runs)

    def _get_data_quality_scan_run_log(
        self, data_quality_scan_run_id: int | str, offset: int = 0, *, deadline: float | None = None
    ) -> ApiRequest[dict[str, Any]]:
        """GetDataQualityScanRunLog: one `LogSegment` (`Log`, `NextOffset`; -1 once all is read) from `offset`."""
        params = {"Id": positive_int("data_quality_scan_run_id", data_quality_scan_run_id), "Offset": int(offset)}
        return ApiRequest("GetDataQualityScanRunLog", params, read=_log_segment, deadline=deadline)

    get_data_quality_scan_run_log, aget_data_quality_scan_run_log = api_method(_get_data_quality_scan_run_log)

    def data_quality_scan_run_log_tail(
        self, data_quality_scan_run_id: int | str, max_chars: int = 4000, max_pages: int = 20
    ) -> str:
        """The last `max_chars` of a scan run's log, following NextOffset to the end (at most `max_pages` pages of
        512 KB: a longer log keeps the tail of what was read)."""
        tail, offset = "", 0
        for _ in range(max_pages):
            segment = self.get_data_quality_scan_run_log(data_quality_scan_run_id, offset)
            tail = (tail + str(segment.get("Log") or ""))[-max_chars:]
            next_offset = segment.get("NextOffset")
            if next_offset is None or int(next_offset) < 0 or int(next_offset) <= offset:
                break
            offset = int(next_offset)
        return tail

    # -- connection test ---------------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """A real, cheap call (ListProjects, one row) proving endpoint, credentials and permission.

        Its sentences say "this connection": Airflow's Test runs on a copy of the connection under a random id.
        """
        self.connection_phrase = "this connection"
        try:
            body = self.call("ListProjects", {"PageNumber": 1, "PageSize": 1})
        except Exception as err:
            return False, str(err)
        total = (body.get("PagingInfo") or {}).get("TotalCount", 0)
        return True, f"Connected to DataWorks ({self._where()}); {total} workspace(s) visible."

    def _where(self) -> str:
        return self.settings.endpoint or f"region {self.settings.region_id}"

    def endpoint_url(self) -> str:
        """Where this hook's calls go, `scheme://host[:port]`, for messages (never a credential)."""
        settings = self.settings
        host = getattr(self._client, "_endpoint", None)  # the SDK's regional endpoint when host is not set
        return f"{settings.protocol}://{host or settings.endpoint or f'dataworks.{settings.region_id}.aliyuncs.com'}"


def _found(body: dict[str, Any], *, field: str, noun: str, object_id: int) -> dict[str, Any]:
    """The `field` object of a `Get<field>` body; a 200 without one means DataWorks does not know the id."""
    found = body.get(field)
    if not found:
        raise DataWorksInstanceNotFoundError(
            f"{noun} {object_id} was not found (the response carried no {field})",
            action=f"Get{field}",
            code=f"{field}.Missing",
            status_code=200,
            request_id=body.get("RequestId"),
        )
    return dict(found)


def _run_id(body: dict[str, Any]) -> int:
    """The id CreateDataQualityScanRun gave the new run."""
    return int(body["Id"])


def _log_segment(body: dict[str, Any]) -> dict[str, Any]:
    """GetDataQualityScanRunLog's `LogSegment` (empty when DataWorks sent none)."""
    return dict(body.get("LogSegment") or {})


def _operation_id(body: dict[str, Any]) -> str:
    """The OperationId of an action that runs in the background (create, rerun)."""
    return str(body["OperationId"])


def _result(body: dict[str, Any]) -> dict[str, Any]:
    """The `Result` of a background operation's status read."""
    return dict(body["Result"])


def _success_info(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """StopWorkflowInstances' per-id outcomes."""
    return dict(body.get("SuccessInfo") or {})


def _log_text(body: dict[str, Any]) -> str:
    """GetTaskInstanceLog's text (empty when DataWorks has none)."""
    return str(body.get("TaskInstanceLog") or "")


def _success(body: dict[str, Any]) -> bool:
    """An action's own `Success` flag."""
    return bool(body.get("Success"))


def _retry_options(request: ApiRequest[Any]) -> dict[str, Any]:
    return {"deadline": request.deadline, "retry_on": request.retry_on}
