"""Scenarios (dict, JSON, YAML, bundled demo), their validation, and the ``dataworks-emulator`` command."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator import DataWorksEmulator, Scenario, ScenarioError
from dataworks_emulator.models.state import to_biz_date_ms
from dataworks_emulator.scenario import (
    BUNDLED_SCENARIOS,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    bundled_scenarios,
)

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


def connection_from_export_line(line: str) -> dict[str, Any]:
    """The connection JSON of an ``export AIRFLOW_CONN_DATAWORKS_DEFAULT='...'`` line, read as a shell reads it."""
    export, assignment = shlex.split(line)
    name, _, value = assignment.partition("=")
    assert (export, name) == ("export", "AIRFLOW_CONN_DATAWORKS_DEFAULT"), line
    return dict(json.loads(value))


def client_for(connection: dict[str, Any], make_client: Any) -> Any:
    """An SDK client signed with the connection's AccessKey pair, pointed at its endpoint."""

    class Target:
        endpoint = connection["host"]
        region_id = connection["extra"]["region_id"]
        access_key_id = connection["login"]
        access_key_secret = connection["password"]

    return make_client(Target)


def serving_demo(*options: str) -> subprocess.Popen[str]:
    """The command serving the bundled demo scenario on a free port, its output unbuffered."""
    return subprocess.Popen(
        [*CLI, "--scenario", "demo", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def assert_serves_the_demo(connection: dict[str, Any], make_client: Any) -> None:
    """The real SDK, through `connection`, reads the demo scenario's instance 1002."""
    from alibabacloud_dataworks_public20240518 import models

    client = client_for(connection, make_client)
    instance = client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=1002)).body.workflow_instance
    assert instance.name == "daily_inventory_sync"


def test_cli_serves_the_demo_scenario_with_the_secret_masked_in_its_banner(make_client: Any) -> None:
    with serving_demo() as process:
        try:
            assert process.stdout is not None
            banner, masked, hint = (process.stdout.readline() for _ in range(3))
            assert banner.startswith("DataWorks emulator serving http://127.0.0.1:")
            assert masked.startswith("Airflow connection (secret masked): {")
            shown = json.loads(masked.split(": ", 1)[1])
            assert shown["password"] == "***" and shown["login"] == DEFAULT_ACCESS_KEY_ID
            assert DEFAULT_ACCESS_KEY_SECRET not in banner + masked + hint
            port = shown["host"].rsplit(":", 1)[1]
            # The hint names the bound port, so its command prints the real line for this very server.
            assert hint.strip() == (
                "To point Airflow at it, run: "
                f'eval "$(dataworks-emulator --scenario demo --port {port} --print-connection)"'
            )
            command = shlex.split(hint.split("$(", 1)[1].rsplit(")", 1)[0])
            printed = subprocess.run([*CLI, *command[1:]], capture_output=True, text=True, timeout=20, check=True)
            connection = connection_from_export_line(printed.stdout)
            assert connection["password"] == DEFAULT_ACCESS_KEY_SECRET
            assert connection == {**shown, "password": DEFAULT_ACCESS_KEY_SECRET}
            assert_serves_the_demo(connection, make_client)
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


def test_cli_print_connection_prints_an_export_line_to_eval() -> None:
    result = subprocess.run([*CLI, "--print-connection", "--port", "9123"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 0 and result.stderr == ""
    (line,) = result.stdout.splitlines()
    connection = connection_from_export_line(line)
    assert connection["host"] == "127.0.0.1:9123" and connection["password"] == DEFAULT_ACCESS_KEY_SECRET
    # What a shell makes of it: eval "$(dataworks-emulator --print-connection)" sets the variable to the JSON.
    shell = subprocess.run(
        ["sh", "-c", 'eval "$1"; printf %s "$AIRFLOW_CONN_DATAWORKS_DEFAULT"', "sh", line],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    assert json.loads(shell.stdout) == connection


def test_cli_print_connection_with_port_0_serves_and_prints_the_bound_port(make_client: Any) -> None:
    """Port 0 is known only once the server listens: the command serves, and prints the line once it does."""
    with serving_demo("--print-connection") as process:
        try:
            assert process.stdout is not None
            connection = connection_from_export_line(process.stdout.readline())
            assert int(connection["host"].rsplit(":", 1)[1]) > 0
            assert_serves_the_demo(connection, make_client)  # listening already, on that port
        finally:
            process.terminate()
            stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stdout == ""  # the line is the only output on stdout; the banner went to stderr
    assert stderr.startswith("DataWorks emulator serving http://127.0.0.1:")


def test_an_unknown_scenario_name_lists_the_bundled_ones() -> None:
    names = bundled_scenarios()
    assert {"daily", "demo"} <= set(names)
    listed = f"{', '.join(names[:-1])} or {names[-1]}"
    message = f"Unknown scenario 'dialy': neither a file nor a bundled scenario ({listed})."
    with pytest.raises(ScenarioError) as raised:
        DataWorksEmulator("dialy")
    assert str(raised.value) == message
    result = subprocess.run([*CLI, "--scenario", "dialy"], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [f"dataworks-emulator: error: {message}"]


def test_the_daily_scenario_s_comment_names_its_real_ids() -> None:
    """The ids daily.yaml's comment promises are the ones the emulator gives those data dates."""
    text = (BUNDLED_SCENARIOS / "daily.yaml").read_text()
    named = re.findall(r"BizDate (\d{4}-\d{2}-\d{2}) -> (\d+)", text)
    assert len(named) == 3, named
    emulator = DataWorksEmulator("daily")
    for biz_date, instance_id in named:
        instance = emulator.workflow_instance(int(instance_id))
        assert (instance["BizDate"], instance["WorkflowId"]) == (to_biz_date_ms(biz_date), 501), instance_id
    (waited_for,) = re.findall(r"waits for\n# (\d+)\.", text)
    assert emulator.workflow_instance(int(waited_for))["BizDate"] == to_biz_date_ms("2025-01-15")
