"""Scenarios (dict, JSON, YAML, bundled demo), their validation, and the ``dataworks-emulator`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator import DataWorksEmulator, Scenario, ScenarioError
from dataworks_emulator.models.state import to_biz_date_ms

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.timeout(30)

CLI = [sys.executable, "-m", "dataworks_emulator.cli"]


def test_demo_scenario_serves_its_world(make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models

    with DataWorksEmulator("demo") as emulator:
        client = make_client(emulator)
        ok = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=1001)).body.workflow_instance
        assert (ok.name, ok.type, ok.biz_date) == (
            "daily_sales_report",
            "Normal",
            to_biz_date_ms("2025-01-01"),
        )
        failing = emulator.task_instances(1002)
        assert [task["TaskName"] for task in failing] == [
            "ods_inventory",
            "dws_inventory",
            "ads_inventory_report",
        ]
        assert emulator.state.workflow(5) is not None
        log = emulator.state.task_instance_log(failing[1]["Id"])
        assert log is not None and log.count("ERROR") == 2


def test_scenario_from_dict_json_and_yaml(tmp_path: Path, make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models

    data = {
        "region_id": "ap-southeast-1",
        "project_id": 321,
        "access_keys": {"LTAI5tCUSTOM": "custom-secret"},
        "sts_keys": {"STS.CUSTOM": {"secret": "sts-secret", "token": "sts-token"}},
        "workflow_instances": [{"id": 7, "name": "wi", "biz_date": "2025-03-01", "statuses": ["Success"]}],
        "workflows": [{"id": 3, "name": "wf", "tasks": [{"name": "only"}]}],
        "faults": [{"action": "GetWorkflowInstance", "kind": "throttle", "times": 1, "retry_after_ms": 20}],
    }
    json_file = tmp_path / "world.json"
    json_file.write_text(json.dumps(data))
    yaml_file = tmp_path / "world.yaml"
    yaml_file.write_text(
        "region_id: ap-southeast-1\nproject_id: 321\nworkflow_instances:\n"
        "  - {id: 7, name: wi, biz_date: 2025-03-01, statuses: [Success]}\n"
    )
    assert Scenario.load(json_file) == Scenario.from_dict(data) == Scenario.load(str(json_file))
    assert Scenario.load(yaml_file).workflow_instances[0]["id"] == 7
    with DataWorksEmulator(yaml_file) as from_yaml:
        assert from_yaml.workflow_instance(7)["BizDate"] == to_biz_date_ms("2025-03-01")
    with DataWorksEmulator(data) as emulator:
        assert (emulator.region_id, emulator.project_id) == ("ap-southeast-1", 321)
        assert (emulator.access_key_id, emulator.access_key_secret) == ("LTAI5tCUSTOM", "custom-secret")
        assert (emulator.sts_access_key_id, emulator.security_token) == ("STS.CUSTOM", "sts-token")
        client = make_client(emulator)
        request = models.GetWorkflowInstanceRequest(id=7)
        from alibabacloud_tea_openapi.exceptions import ThrottlingException

        with pytest.raises(ThrottlingException):
            client.get_workflow_instance(request)
        instance = client.get_workflow_instance(request).body.workflow_instance
        assert (instance.project_id, instance.status) == (321, "Success")
        assert emulator.connection()["extra"]["region_id"] == "ap-southeast-1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": "red"}, "Unknown scenario key 'colour'"),
        ({"project_id": "100"}, "'project_id' must be an integer"),
        ({"access_keys": ["LTAI"]}, "'access_keys' must map"),
        ({"sts_keys": {"STS.X": {"secret": "s"}}}, "'sts_keys' must map"),
        ({"workflow_instances": [{"statuz": ["Success"]}]}, "Unknown key 'statuz' in workflow_instances[0]"),
        ({"workflows": [{"name": "no id"}]}, "Missing key 'id' in workflows[0]"),
        ({"workflow_instances": [{"statuses": ["Done"]}]}, "workflow_instances[0]: Unknown status 'Done'"),
        (
            {"workflow_instances": [{"biz_date": "01/02/2025"}]},
            "workflow_instances[0]: biz_date '01/02/2025' is not a date; use 'YYYY-MM-DD'",
        ),
        ({"workflow_instances": [{"advance": 0}]}, "advance must be 'reads' or a positive number"),
        ({"faults": [{"action": "*", "kind": "boom"}]}, "faults[0]: Unknown fault kind 'boom'"),
    ],
)
def test_scenario_validation(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as excinfo:
        DataWorksEmulator(data)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_cli_serves_the_demo_scenario(make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models

    with subprocess.Popen(
        [*CLI, "--scenario", "demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            connection_line = process.stdout.readline()
            assert banner.startswith("DataWorks emulator serving http://127.0.0.1:")
            assert connection_line.startswith("AIRFLOW_CONN_DATAWORKS_DEFAULT='")
            connection = json.loads(connection_line.split("=", 1)[1].strip().strip("'"))
            assert connection["conn_type"] == "dataworks" and connection["extra"]["project_id"] == 100

            class Target:
                endpoint = connection["host"]
                region_id = connection["extra"]["region_id"]
                access_key_id = connection["login"]
                access_key_secret = connection["password"]

            client = make_client(Target)
            instance = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=1002)).body.workflow_instance
            assert instance.name == "daily_inventory_sync"
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def test_cli_rejects_a_bad_scenario_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflow_instances:\n  - statuses: [Exploded]\n")
    result = subprocess.run([*CLI, "--scenario", str(bad)], capture_output=True, text=True, timeout=20)
    assert result.returncode != 0 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("dataworks-emulator: error:") and "Unknown status 'Exploded'" in line
    missing = subprocess.run(
        [*CLI, "--scenario", str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=20
    )
    assert missing.returncode != 0 and "Cannot read scenario file" in missing.stderr


def test_cli_print_connection() -> None:
    result = subprocess.run([*CLI, "--print-connection", "--port", "9123"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0
    assert json.loads(result.stdout)["host"] == "127.0.0.1:9123"
