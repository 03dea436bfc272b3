"""API-call metrics through the real SDK and hook against the emulator: one count per attempt, by outcome.

The last test sends them through Airflow's own StatsD client to a UDP socket, as a deployment with
``[metrics] statsd_on`` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest
from fake_task_instance import FakeTaskInstance

from airflow_provider_dataworks.exceptions import DataWorksInvalidRequestError, DataWorksQuotaExceededError
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.utils import metrics

pytestmark = pytest.mark.timeout(60)

GET = "GetWorkflowInstance"


@pytest.fixture
def instance_id(dataworks_emulator):
    return dataworks_emulator.add_workflow_instance(workflow_id=501, biz_date="2026-11-27", statuses=["Success"])


def outcomes(recorder, action: str = GET) -> list[str]:
    return [m.tags["outcome"] for m in recorder.tagged("dataworks.api_calls") if m.tags["action"] == action]


def test_each_attempt_is_counted_with_its_outcome(stats_recorder, dataworks_emulator, hook, instance_id):
    dataworks_emulator.inject_fault(GET, "throttle", times=2)
    assert hook.get_workflow_instance(instance_id)["Status"] == "Success"
    assert outcomes(stats_recorder) == ["throttled", "throttled", "ok"]
    assert stats_recorder.names().count(f"dataworks.api_calls.{GET}.throttled") == 2
    assert stats_recorder.names().count(f"dataworks.api_calls.{GET}.ok") == 1


async def test_trigger_side_calls_are_counted_too(stats_recorder, dataworks_emulator, hook, instance_id):
    dataworks_emulator.inject_fault(GET, "server_error", times=1)
    assert (await hook.aget_workflow_instance(instance_id))["Status"] == "Success"
    assert outcomes(stats_recorder) == ["error", "ok"]


@pytest.mark.parametrize(
    ("kind", "options", "error", "outcome"),
    [
        ("throttle", {"code": "Throttling.Resource"}, DataWorksQuotaExceededError, "quota"),
        ("error", {"status": 400, "code": "InvalidParameter"}, DataWorksInvalidRequestError, "error"),
    ],
)
def test_a_call_that_is_not_retried_is_counted_once(
    stats_recorder, dataworks_emulator, hook, instance_id, kind, options, error, outcome
):
    dataworks_emulator.inject_fault(GET, kind, times=1, **options)
    with pytest.raises(error):
        hook.get_workflow_instance(instance_id)
    assert outcomes(stats_recorder) == [outcome]


def test_airflow_statsd_receives_the_counts(dataworks_emulator, instance_id, tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(10)
    script = textwrap.dedent(
        f"""
        from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
        DataWorksHook("dw_metrics", retry_delay=0.01).get_workflow_instance({instance_id})
        """
    )
    env = {
        **os.environ,
        "AIRFLOW_CONN_DW_METRICS": dataworks_emulator.connection_json(),
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
        "AIRFLOW__METRICS__STATSD_PORT": str(listener.getsockname()[1]),
        "AIRFLOW__METRICS__STATSD_PREFIX": "airflow",
    }
    dataworks_emulator.inject_fault(GET, "throttle", times=1)
    try:
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=50, cwd=tmp_path)
        packets: list[str] = []
        while not {f"airflow.dataworks.api_calls.{GET}.ok:1|c", "airflow.dataworks.api_calls:1|c"} <= set(packets):
            packets += listener.recv(65536).decode().splitlines()
    finally:
        listener.close()
    assert f"airflow.dataworks.api_calls.{GET}.throttled:1|c" in packets


class UnresolvableStatsD:
    """A metrics backend whose every send fails, as a StatsD client does when its host cannot be resolved."""

    def __init__(self) -> None:
        self.sends = 0

    def incr(self, *args, **kwargs):
        self.sends += 1
        raise OSError("[Errno -2] Name or service not known: 'statsd.invalid'")

    timing = incr


def test_a_failing_metrics_backend_never_changes_the_runs_outcome(dataworks_emulator, monkeypatch, caplog):
    """DataWorks has created the run when the first metric fails: the task succeeds, with exactly one run."""
    backend = UnresolvableStatsD()
    monkeypatch.setattr(metrics, "_stats", backend)
    monkeypatch.setattr(metrics, "_failure_logged", False)
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", dataworks_emulator.connection_json(read_timeout=1))
    dataworks_emulator.add_workflow(id=501, name="sales", statuses=["Running", "Success"], advance="reads")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=1)  # a counted retry, too
    operator = DataWorksRunWorkflowOperator(
        task_id="run", workflow_id=501, biz_date="2026-11-27", poll_interval=0.2, api_retry_delay=0.01
    )
    ti = FakeTaskInstance()
    instances = operator.execute({"ti": ti})
    assert [i["Status"] for i in instances] == ["Success"]
    assert ti.xcoms["workflow_instance_ids"] == [instances[0]["Id"]]
    assert len(dataworks_emulator.calls("CreateWorkflowInstances")) == 1
    runs = dataworks_emulator.state.workflow_instances()
    assert [r["Id"] for r in runs if r["WorkflowId"] == 501] == [instances[0]["Id"]]
    assert backend.sends >= 10  # every call and the wait were counted, and every count failed
    warnings = [r.getMessage() for r in caplog.records if r.name == metrics.__name__]
    assert warnings == [
        "Could not send DataWorks metrics (OSError: [Errno -2] Name or service not known: 'statsd.invalid'); "
        "the task goes on, and later metrics errors in this process are not logged."
    ]
