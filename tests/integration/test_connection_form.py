"""The dataworks connection as users meet it: the Airflow 3 API server's form metadata, its Test button, the CLI test.

The API server runs for real (`airflow api-server` on this worker's migrated SQLite DB, the simple auth manager
treating everyone as admin) and is read over HTTP, as the UI reads it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from airflow_harness import AIRFLOW_3

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(240)

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
WRONG_SECRET_SENTENCE = "DataWorks ListProjects failed: SignatureDoesNotMatch (HTTP 400)"
#: Airflow's Test runs on a copy of the connection under a random id, so the fix names "this connection".
WRONG_SECRET_FIX = "set the password of this connection to the AccessKey Secret of its login"
#: The API server's answer when the UI's Test of a saved connection sends another host or port than stored.
ENDPOINT_DIFFERS = "The host or port to test differs from the stored connection."
SECRET = "a-secret-that-must-never-come-back-7f3a"
TOKEN = "an-sts-token-that-must-never-come-back-91c2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiServer:
    """A running `airflow api-server` and a tiny JSON client for it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = self.request("GET", "/auth/token")["access_token"]

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        status, answer = self.answer(method, path, body)
        assert status < 400, (status, answer)
        return answer

    def answer(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """The HTTP status and JSON body of one request, an error answer too."""
        headers = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def api_server(airflow_db: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = (tmp_path_factory.mktemp("api-server") / "api-server.log").open("w")
    process = subprocess.Popen(
        [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, Path(log.name).read_text()[-3000:]
                assert time.monotonic() < deadline, "api-server did not answer in time"
                time.sleep(0.5)
        yield ApiServer(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def dataworks_meta(api_server: ApiServer) -> dict[str, Any]:
    (meta,) = [h for h in api_server.request("GET", "/ui/connections/hook_meta") if h["connection_type"] == "dataworks"]
    return meta


airflow3_only = pytest.mark.skipif(not AIRFLOW_3, reason="the API server and its form metadata are Airflow 3 only")


@airflow3_only
def test_form_metadata_names_relabels_and_hides_the_standard_fields(api_server: ApiServer) -> None:
    meta = dataworks_meta(api_server)
    assert meta["hook_name"] == "Alibaba Cloud DataWorks"
    assert meta["hook_class_name"] == "airflow_provider_dataworks.hooks.dataworks.DataWorksHook"
    standard = meta["standard_fields"]
    assert standard["login"]["title"] == "AccessKey ID"
    assert standard["password"]["title"] == "AccessKey Secret"
    assert standard["host"] == {
        "hidden": False,
        "title": "Endpoint",
        "placeholder": "optional, e.g. dataworks.cn-hangzhou.aliyuncs.com",
    }
    assert standard["url_schema"]["hidden"] and standard["port"]["hidden"]


@airflow3_only
def test_form_metadata_offers_drop_downs_most_used_first(api_server: ApiServer) -> None:
    extra = dataworks_meta(api_server)["extra_fields"]
    assert list(extra)[:4] == ["region_id", "project_id", "env_type", "auth_type"]
    assert extra["region_id"]["schema"]["title"] == "Region"
    assert extra["region_id"]["schema"]["examples"][0] == "cn-hangzhou"  # offered as suggestions while typing
    assert extra["project_id"]["schema"]["type"] == ["integer", "null"]
    assert extra["env_type"]["schema"]["enum"] == [None, "Prod", "Dev"]
    assert extra["auth_type"]["schema"]["enum"][1:] == [
        "access_key",
        "sts",
        "ram_role_arn",
        "ecs_ram_role",
        "oidc_role_arn",
        "default",
    ]
    assert extra["network"]["schema"]["enum"] == [None, "public", "vpc"]
    assert extra["protocol"]["schema"]["enum"] == [None, "https", "http"]
    assert extra["security_token"]["schema"]["format"] == "password"
    assert [name for name, field in extra.items() if field["schema"].get("format") == "password"] == ["security_token"]


@airflow3_only
def test_saved_secrets_come_back_masked(api_server: ApiServer) -> None:
    body = {
        "connection_id": "dataworks_form_secrets",
        "conn_type": "dataworks",
        "login": "STS.NUiFormTest",
        "password": SECRET,
        "extra": json.dumps({"region_id": "cn-shanghai", "auth_type": "sts", "security_token": TOKEN}),
    }
    created = api_server.request("POST", "/api/v2/connections", body)
    read = api_server.request("GET", "/api/v2/connections/dataworks_form_secrets")
    for answer in (created, read):
        text = json.dumps(answer)
        assert SECRET not in text and TOKEN not in text
        assert answer["password"] == "***"
        assert json.loads(answer["extra"]) == {"region_id": "cn-shanghai", "auth_type": "sts", "security_token": "***"}


@airflow3_only
def test_the_ui_test_button_passes_then_names_the_dataworks_error(
    api_server: ApiServer, dataworks_emulator: DataWorksEmulator
) -> None:
    conn = dataworks_emulator.connection()
    body = {
        "connection_id": "dataworks_form_test",
        "conn_type": "dataworks",
        "host": conn["host"],
        "login": conn["login"],
        "password": conn["password"],
        "extra": json.dumps(conn["extra"]),
    }
    ok = api_server.request("POST", "/api/v2/connections/test", body)
    assert ok["status"] is True, ok
    assert ok["message"].startswith("Connected to DataWorks")
    wrong = api_server.request("POST", "/api/v2/connections/test", {**body, "password": "not-the-secret-at-all"})
    assert wrong["status"] is False
    assert WRONG_SECRET_SENTENCE in wrong["message"]
    assert WRONG_SECRET_FIX in wrong["message"]
    assert "not-the-secret-at-all" not in wrong["message"]


def ui_test_body(listed: dict[str, Any]) -> dict[str, Any]:
    """What Airflow 3.3's UI posts to /api/v2/connections/test when Test is clicked on a saved connection's row.

    Airflow's `TestConnectionButton.tsx` builds it from the connection as listed: `port: Number(connection.port)`,
    which is 0 for a connection without a port, and `password: "***"`, the masked secret (the API server reuses
    the stored one only when host and port are the stored ones).
    """
    return {
        "conn_type": listed["conn_type"],
        "connection_id": listed["connection_id"],
        "description": listed["description"] or "",
        "extra": "{}" if listed["extra"] in ("", None) else listed["extra"],
        "host": listed["host"] or "",
        "login": listed["login"] or "",
        "password": listed["password"] or "",
        "port": 0 if listed["port"] is None else int(listed["port"]),  # JavaScript's Number(null) is 0
        "schema": listed["schema"] or "",
    }


def save_and_list(api_server: ApiServer, body: dict[str, Any]) -> dict[str, Any]:
    """Save a connection as the UI's Add form does (an empty port left out), and read its row as the UI lists it."""
    api_server.answer("DELETE", f"/api/v2/connections/{body['connection_id']}")
    api_server.request("POST", "/api/v2/connections", body)
    listed = api_server.request("GET", "/api/v2/connections?limit=1000")["connections"]
    (row,) = [c for c in listed if c["connection_id"] == body["connection_id"]]
    return dict(row)


@airflow3_only
def test_the_ui_test_of_a_saved_connection_without_a_port_is_refused_by_airflow(
    api_server: ApiServer, dataworks_emulator: DataWorksEmulator
) -> None:
    """Airflow 3.3.2 answers 400 to its own UI's Test of any saved connection without a port (it sends port 0, the
    API compares 0 with the stored NULL): the provider's form cannot avoid it, a core `http` connection fails the
    same way. When this test fails, Airflow has fixed it: update the docs' note on Test."""
    conn = dataworks_emulator.connection()
    dataworks = {
        "connection_id": "dataworks_ui_test",
        "conn_type": "dataworks",
        "host": conn["host"],
        "login": conn["login"],
        "password": conn["password"],
        "extra": json.dumps(conn["extra"]),
    }
    plain_http = {"connection_id": "http_ui_test", "conn_type": "http", "host": "example.invalid", "password": "p"}
    for saved in (dataworks, plain_http):
        body = ui_test_body(save_and_list(api_server, saved))
        assert (body["port"], body["password"]) == (0, "***")
        status, answer = api_server.answer("POST", "/api/v2/connections/test", body)
        assert (status, answer["detail"].split(" Include")[0]) == (400, ENDPOINT_DIFFERS), answer
    assert dataworks_emulator.calls() == []  # refused before the hook ran


@airflow3_only
def test_the_ui_test_passes_with_a_stored_port_or_the_secret_in_the_body(
    api_server: ApiServer, dataworks_emulator: DataWorksEmulator
) -> None:
    """The two ways through the API server's check: a port stored on the connection (host and port as separate
    fields), or the real secret in the request (the stored connection is then not reused)."""
    conn = dataworks_emulator.connection()
    host, port = conn["host"].rsplit(":", 1)
    saved = {
        "connection_id": "dataworks_ui_test_port",
        "conn_type": "dataworks",
        "host": host,
        "port": int(port),
        "login": conn["login"],
        "password": conn["password"],
        "extra": json.dumps(conn["extra"]),
    }
    with_port = api_server.request("POST", "/api/v2/connections/test", ui_test_body(save_and_list(api_server, saved)))
    assert (with_port["status"], with_port["message"]) == (
        True,
        f"Connected to DataWorks ({conn['host']}); 1 workspace(s) visible.",
    )
    without_port = ui_test_body(save_and_list(api_server, {**saved, "host": conn["host"], "port": None}))
    with_secret = api_server.request("POST", "/api/v2/connections/test", {**without_port, "password": conn["password"]})
    assert with_secret["status"] is True, with_secret
    assert len(dataworks_emulator.calls("ListProjects")) == 2


def connections_test(conn: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW_CONN_DATAWORKS_CLI_TEST": json.dumps(conn),
    }
    return subprocess.run(
        [AIRFLOW, "connections", "test", "dataworks_cli_test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_airflow_connections_test_passes_against_the_emulator(dataworks_emulator: DataWorksEmulator) -> None:
    result = connections_test(dataworks_emulator.connection())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Connection success!" in output
    (call,) = dataworks_emulator.calls("ListProjects")  # one real, signed call
    assert call.status == 200


def test_airflow_connections_test_fails_with_the_dataworks_sentence(dataworks_emulator: DataWorksEmulator) -> None:
    conn = {**dataworks_emulator.connection(), "password": "not-the-secret-at-all"}
    result = connections_test(conn)
    output = result.stdout + result.stderr
    if AIRFLOW_3:  # Airflow 2's command exits 0 whatever the outcome
        assert result.returncode != 0, output[-3000:]
    assert "Connection failed!" in output
    assert WRONG_SECRET_SENTENCE in output
    assert WRONG_SECRET_FIX in " ".join(output.split())  # the console may wrap the line
    assert "not-the-secret-at-all" not in output
