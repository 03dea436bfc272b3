"""The server-mode control interface: a ``dataworks-emulator`` process driven by ``EmulatorControl`` over HTTP."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
import requests

from dataworks_emulator import EmulatorControl, EmulatorControlError
from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.timeout(60)

CST = timezone(timedelta(hours=8))


class Target:
    """Where the SDK client connects: filled from the CLI's connection line."""

    def __init__(self, connection: dict[str, Any]) -> None:
        self.endpoint = connection["host"]
        self.region_id = connection["extra"]["region_id"]
        self.access_key_id = connection["login"]
        self.access_key_secret = connection["password"]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Target]]:
    """Run ``dataworks-emulator --scenario demo --port 0 --print-connection`` and yield (base URL, SDK target)."""
    arguments = ["--scenario", "demo", "--port", "0", "--print-connection"]
    command = [sys.executable, "-m", "dataworks_emulator.cli", *arguments]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            # Its one stdout line, once it listens: export AIRFLOW_CONN_DATAWORKS_DEFAULT='<connection JSON>'
            _, assignment = shlex.split(process.stdout.readline())
            connection = json.loads(assignment.partition("=")[2])
            yield f"http://{connection['host']}", Target(connection)
        finally:
            process.terminate()
            process.communicate(timeout=10)


@pytest.fixture
def control(server: tuple[str, Target]) -> Iterator[EmulatorControl]:
    """A control client for the shared server, reset to the demo world after each test."""
    client = EmulatorControl(server[0])
    client.reset()
    yield client
    client.reset()


def test_add_inject_read_and_reset(control: EmulatorControl, server: tuple[str, Target], make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_tea_openapi.exceptions import ServerException

    sdk = make_client(server[1])
    instance_id = control.add_workflow_instance(
        workflow_id=77, name="from_control", biz_date="2025-01-15", statuses=["Running", "Success"]
    )
    control.inject_fault("GetWorkflowInstance", "server_error")
    with pytest.raises(ServerException):
        sdk.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id))
    got = sdk.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id)).body.workflow_instance
    assert (got.name, got.status, got.biz_date) == ("from_control", "Running", to_biz_date_ms("2025-01-15"))
    calls = control.calls("GetWorkflowInstance")
    assert [(c["fault"], c["status"], c["params"]) for c in calls] == [
        ("server_error", 503, {"Id": str(instance_id)}),
        (None, 200, {"Id": str(instance_id)}),
    ]
    assert control.workflow_instance(instance_id)["Status"] == "Running"
    control.reset_calls()
    assert control.calls() == []
    control.reset()
    with pytest.raises(EmulatorControlError, match="404"):
        control.workflow_instance(instance_id)
    assert control.workflow_instance(1001)["Name"] == "daily_sales_report"  # the demo world is back


def test_clock_scheduled_workflow_and_rerun(control: EmulatorControl) -> None:
    ids = control.add_scheduled_workflow(
        601, "orders_hourly", schedule="hourly", at="00:05", biz_dates=["2025-01-15"], statuses=["Failure"]
    )
    assert len(ids) == 24
    control.set_clock(datetime(2025, 1, 15, 23, 0, tzinfo=CST))  # before T+1 generation at 23:30
    with pytest.raises(EmulatorControlError, match="404"):
        control.workflow_instance(ids[0])
    control.set_clock(datetime(2025, 1, 16, 0, 6, tzinfo=CST))
    assert control.now() - datetime(2025, 1, 16, 0, 6, tzinfo=CST) < timedelta(seconds=5)
    first = control.workflow_instance(ids[0])
    assert first["Status"] == "Failure" and first["Tasks"][0]["TriggerTime"] == int(
        datetime(2025, 1, 16, 0, 5, tzinfo=CST).timestamp() * 1000
    )
    assert control.workflow_instance(ids[1])["Status"] == "NotRun"  # generated, due at 01:05
    control.rerun_workflow_instance(ids[0], statuses=["Running", "Success"])
    rerun = control.workflow_instance(ids[0])
    assert (rerun["Status"], rerun["Tasks"][0]["RunNumber"]) == ("Running", 2)
    workflow_id = control.add_workflow(id=900, name="manual", tasks=[{"name": "a"}])
    assert workflow_id == 900


def test_bad_requests_get_one_sentence(control: EmulatorControl, server: tuple[str, Target]) -> None:
    with pytest.raises(EmulatorControlError, match=r"400.*Unknown fault kind 'boom'"):
        control.inject_fault("*", "boom")
    with pytest.raises(EmulatorControlError, match=r"400.*statuz"):
        control.add_workflow_instance(statuz=["Success"])
    with pytest.raises(EmulatorControlError, match=r"400.*time zone"):
        control.set_clock("2025-01-16T00:00:00")
    answer = requests.post(f"{server[0]}/_emulator/workflows", data="[1]", timeout=5)
    assert answer.status_code == 400 and "JSON object" in answer.json()["error"]
