"""DataWorksDataQualityScanOperator: run a DataWorks data-quality scan and gate the Airflow task on its verdict."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

# Only what declaring the operator needs: a DAG file is parsed every 30 s. Starting the scan run, the wait loop
# and the quality gate are imported by the methods that use them.
from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, DataWorksConsoleLink
from airflow_provider_dataworks.operators.dataworks import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT
from airflow_provider_dataworks.task_base import DEFAULT_CONN_ID, DataWorksTaskMixin
from airflow_provider_dataworks.utils.compat import BaseOperator, conf
from airflow_provider_dataworks.utils.quota import check_poll_interval, warn_if_over_daily_quota
from airflow_provider_dataworks.utils.validation import positive_int, positive_seconds
from airflow_provider_dataworks.waits.kinds import DATA_QUALITY

if TYPE_CHECKING:
    from datetime import timedelta

    from airflow.sdk import Context

log = logging.getLogger(__name__)

#: XCom key of the scan run's id, pushed as soon as it is known.
DATA_QUALITY_SCAN_RUN_ID_XCOM_KEY = "data_quality_scan_run_id"
#: The scan run parameter DataWorks requires: the scheduling time the scan's filters are relative to.
TRIGGER_TIME = "triggerTime"
#: Seconds a scan run may take to show in ListDataQualityScanRuns after its create: a lost answer's run is looked
#: for this long before another is created.
DEFAULT_SCAN_CREATION_TIMEOUT = 60.0


class DataWorksDataQualityScanOperator(DataWorksTaskMixin, BaseOperator):
    """Run a DataWorks data-quality scan (CreateDataQualityScanRun), wait for its verdict and gate on it.

    ``Pass`` succeeds; ``Warn`` succeeds with a warning naming the warned rules (fails with ``fail_on_warn``);
    ``Fail`` and ``Error`` fail the task with `DataWorksDataQualityCheckFailed`, naming the scan, the run, each rule
    that did not pass with its check value and thresholds, and the tail of the run's log. XCom ``return_value``: the
    scan run dict with its ``Results``; XCom ``data_quality_scan_run_id`` as soon as the run exists.

    Exactly one scan run per try: the intent is recorded before the create call (in Airflow 3.3's task state
    store) and a lost create answer is resolved by finding the run again, never by creating blindly. An automatic
    retry adopts the earlier try's run that is still going or passed; a run that ended ``Fail`` or ``Error`` is
    scanned again. DataWorks documents no way to stop a scan run: on kill or timeout it goes on in DataWorks.

    :param data_quality_scan_id: the scan (monitor) to run.
    :param project_id: workspace id (default: the connection's ``project_id`` extra).
    :param parameters: run parameters, name to value (templated); ``triggerTime`` defaults to the run's data date
        at 00:00 in DataWorks' time zone, in epoch milliseconds.
    :param runtime_resource: the resource group to run on (``{"Id": ..., "Cu": ..., "Image": ...}``).
    :param fail_on_warn: fail the task when the scan ends ``Warn``.
    :param poll_interval: seconds between status polls.
    :param timeout: seconds to wait in all; then the task fails (the scan run goes on in DataWorks).
    :param creation_timeout: seconds a run whose create answer was lost may take to show in DataWorks' list before
        another is created.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :param dataworks_conn_id: the DataWorks connection.
    """

    template_fields = ("data_quality_scan_id", "project_id", "parameters", "runtime_resource", "dataworks_conn_id")
    template_fields_renderers = {"parameters": "json", "runtime_resource": "json"}
    operator_extra_links = (DataWorksConsoleLink(),)
    ui_color = "#ff6a00"

    def __init__(
        self,
        data_quality_scan_id: int | str,
        *,
        project_id: int | str | None = None,
        parameters: dict[str, Any] | None = None,
        runtime_resource: dict[str, Any] | None = None,
        fail_on_warn: bool = False,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | timedelta = DEFAULT_TIMEOUT,
        creation_timeout: float | timedelta = DEFAULT_SCAN_CREATION_TIMEOUT,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        dataworks_conn_id: str = DEFAULT_CONN_ID,
        api_retry_limit: int = 5,
        api_retry_delay: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.data_quality_scan_id = data_quality_scan_id
        self.project_id = project_id
        self.parameters = parameters
        self.runtime_resource = runtime_resource
        self.fail_on_warn = fail_on_warn
        self.poll_interval = check_poll_interval("poll_interval", poll_interval)
        self.timeout = positive_seconds("timeout", timeout)
        self.creation_timeout = positive_seconds("creation_timeout", creation_timeout)
        self.deferrable = deferrable
        self.dataworks_conn_id = dataworks_conn_id
        self.api_retry_limit = api_retry_limit
        self.api_retry_delay = api_retry_delay
        self.data_quality_scan_run_id: int | None = None

    def waits_on(self) -> str | None:
        """The wait is timed as a `data_quality` wait."""
        return DATA_QUALITY.name

    def scan_parameters(self, context: Context) -> dict[str, str]:
        """The rendered `parameters` as strings, with `triggerTime` defaulting to the run's data date (epoch ms)."""
        given = self.parameters or {}
        if not isinstance(given, dict):
            raise DataWorksConfigError(f"parameters must be a dict of name to value, not {given!r}.")
        parameters = {str(name): str(value) for name, value in given.items()}
        if TRIGGER_TIME not in parameters:
            from airflow_provider_dataworks.dates import biz_date_ms, default_data_date

            zone = self.hook.settings.zone
            parameters[TRIGGER_TIME] = str(biz_date_ms(default_data_date(context, zone), zone))
        return parameters

    def execute(self, context: Context) -> dict[str, Any]:
        with self.api_call_accounting(context):
            return self._run(context)

    def _run(self, context: Context) -> dict[str, Any]:
        from airflow_provider_dataworks.runs.record import SCAN_RUN_RECORD_KEY, RunLedger
        from airflow_provider_dataworks.runs.scan_runs import ScanRunRequest, ScanRunStarter
        from airflow_provider_dataworks.runs.tries import dag_run_started, earlier_try_starts, try_kind
        from airflow_provider_dataworks.waits.loop import wait_for_instances
        from airflow_provider_dataworks.waits.quality import finish_scan_run

        scan_id = positive_int("data_quality_scan_id", self.data_quality_scan_id)
        deadline = self.wait_deadline(context, self.timeout)
        self.project_id = self.hook.project_id_or_default(self.project_id)
        ti = context["ti"]
        ti.xcom_push(key=CONSOLE_URL_XCOM_KEY, value=self.console())
        starter = ScanRunStarter(
            self.hook,
            ScanRunRequest(scan_id, self.project_id, self.scan_parameters(context), self.runtime_resource),
            poll_interval=min(self.poll_interval, 10.0),
            creation_timeout=self.creation_timeout,
            ledger=RunLedger(context.get("task_state_store"), SCAN_RUN_RECORD_KEY),
        )
        earlier_starts = earlier_try_starts(ti)
        run_id = self.data_quality_scan_run_id = starter.start(
            attempt=try_kind(ti, self.retries or 0),
            deadline=deadline,
            first_try_started=earlier_starts[0] if earlier_starts else dag_run_started(context),
            earlier_try_started=earlier_starts[-1] if earlier_starts else None,
        )
        ti.xcom_push(key=DATA_QUALITY_SCAN_RUN_ID_XCOM_KEY, value=run_id)
        warn_if_over_daily_quota("poll_interval", self.poll_interval, timeout=self.timeout)
        if self.deferrable:
            self._defer(run_id, deadline)
        self.hook.get_conn()
        outcome = asyncio.run(
            wait_for_instances(self.hook, DATA_QUALITY, [run_id], poll_interval=self.poll_interval, deadline=deadline)
        )
        return finish_scan_run(self, outcome, fail_on_warn=self.fail_on_warn, run_id=run_id)

    def _defer(self, run_id: int, deadline: float) -> None:
        """Hand the wait to the triggerer, which owns the deadline."""
        from airflow_provider_dataworks.triggers.dataworks import DataWorksDataQualityScanRunTrigger  # not at parse

        self.defer(
            trigger=DataWorksDataQualityScanRunTrigger(
                [run_id],
                deadline,
                dataworks_conn_id=self.dataworks_conn_id,
                poll_interval=self.poll_interval,
                retry_limit=self.api_retry_limit,
                retry_delay=self.api_retry_delay,
                wait_started=self.wait_start_time(),
            ),
            method_name="execute_complete",
            timeout=self.deferral_timeout(deadline),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired, from the run id the event carries."""
        from airflow_provider_dataworks.waits.outcome import WaitOutcome
        from airflow_provider_dataworks.waits.quality import finish_scan_run

        outcome = WaitOutcome.from_event(event)
        ids = outcome.instance_ids()
        with self.api_call_accounting(context, outcome.wait_started):
            return finish_scan_run(self, outcome, fail_on_warn=self.fail_on_warn, run_id=ids[0] if ids else None)

    def on_kill(self) -> None:
        """Nothing to stop: DataWorks documents no call that stops a scan run; say which run goes on."""
        if self.data_quality_scan_run_id is not None:
            from airflow_provider_dataworks.waits.quality import NO_STOP

            log.warning(
                "The task was killed while data-quality scan run %s ran; %s.", self.data_quality_scan_run_id, NO_STOP
            )
