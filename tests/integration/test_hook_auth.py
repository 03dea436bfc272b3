"""Auth types that can be tested offline, and what the emulator's signature check does to bad credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from airflow_provider_dataworks.exceptions import DataWorksAuthError, DataWorksConfigError

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def instance_id(dataworks_emulator):
    return dataworks_emulator.add_workflow_instance(
        workflow_id=1, name="x", biz_date="2026-11-27", statuses=["Success"]
    )


def test_access_key(dataworks_emulator, make_hook, instance_id):
    assert make_hook(extra={"auth_type": "access_key"}).get_workflow_instance(instance_id)["Id"] == instance_id
    assert dataworks_emulator.calls()[-1].access_key_id == dataworks_emulator.access_key_id


async def test_sts_sync_and_async(dataworks_emulator, make_hook, instance_id):
    hook = make_hook(
        login=dataworks_emulator.sts_access_key_id,
        password=dataworks_emulator.sts_access_key_secret,
        extra={"auth_type": "sts", "security_token": dataworks_emulator.security_token},
    )
    assert hook.get_workflow_instance(instance_id)["Id"] == instance_id
    assert (await hook.aget_workflow_instance(instance_id))["Id"] == instance_id
    assert {c.access_key_id for c in dataworks_emulator.calls()} == {dataworks_emulator.sts_access_key_id}


def test_sts_with_a_wrong_token_is_refused(dataworks_emulator, make_hook, instance_id):
    hook = make_hook(
        login=dataworks_emulator.sts_access_key_id,
        password=dataworks_emulator.sts_access_key_secret,
        extra={"auth_type": "sts", "security_token": "not-the-token"},
    )
    with pytest.raises(DataWorksAuthError, match="InvalidSecurityToken"):
        hook.get_workflow_instance(instance_id)


def wrong_secret_sentence(conn_id: str) -> str:
    return (
        "The AccessKey Secret does not match the AccessKey ID: set the password of Airflow connection "
        f"{conn_id!r} to the AccessKey Secret of its login. (DataWorks GetWorkflowInstance failed: "
        "SignatureDoesNotMatch (HTTP 400): "
    )


def test_wrong_secret_is_refused_at_once(dataworks_emulator, make_hook, instance_id):
    hook = make_hook(password="wrong-secret")
    with pytest.raises(DataWorksAuthError) as raised:
        hook.get_workflow_instance(instance_id)
    assert raised.value.code == "SignatureDoesNotMatch"
    assert raised.value.request_id
    assert len(dataworks_emulator.calls()) == 1
    message = str(raised.value)
    assert message.startswith(wrong_secret_sentence(hook.dataworks_conn_id))  # names the connection to fix
    assert message.endswith(f"[RequestId: {raised.value.request_id}])")
    assert "wrong-secret" not in message


async def test_wrong_secret_names_the_connection_in_a_trigger_too(dataworks_emulator, make_hook, instance_id):
    from airflow_provider_dataworks.exceptions import error_from_dict
    from airflow_provider_dataworks.triggers.dataworks import DataWorksWorkflowInstanceTrigger

    conn_id = make_hook(password="wrong-secret").dataworks_conn_id
    trigger = DataWorksWorkflowInstanceTrigger([instance_id], time.time() + 30, dataworks_conn_id=conn_id)
    event = (await anext(trigger.run())).payload
    assert (event["status"], event["error_class"], event["code"]) == (
        "error",
        "DataWorksAuthError",
        "SignatureDoesNotMatch",
    )
    assert str(error_from_dict(event)).startswith(wrong_secret_sentence(conn_id))  # as the resumed task raises it


def test_the_connection_test_says_this_connection(make_hook):
    """Airflow's Test runs the hook on a copy of the connection under a random id: the sentence cannot name it."""
    ok, message = make_hook(password="wrong-secret").test_connection()
    assert not ok
    assert message.startswith(
        "The AccessKey Secret does not match the AccessKey ID: set the password of this connection to the AccessKey "
        "Secret of its login. (DataWorks ListProjects failed: SignatureDoesNotMatch (HTTP 400): "
    )


def test_unknown_access_key_is_refused(make_hook, instance_id):
    with pytest.raises(DataWorksAuthError) as raised:
        make_hook(login="LTAI5tUNKNOWNKEY").get_workflow_instance(instance_id)
    assert raised.value.code == "InvalidAccessKeyId.NotFound"


def test_bad_connection_fails_before_any_call(dataworks_emulator, make_hook):
    with pytest.raises(DataWorksConfigError, match=r"host .* without a scheme"):
        make_hook(host=f"http://{dataworks_emulator.endpoint}").get_workflow_instance(1)
    with pytest.raises(DataWorksConfigError, match="security_token"):
        make_hook(extra={"auth_type": "sts"}).get_workflow_instance(1)
    assert dataworks_emulator.calls() == []


def test_alibaba_cloud_connection_type(dataworks_emulator, make_hook, instance_id):
    hook = make_hook(
        conn_type="alibaba_cloud",
        login=None,
        password=None,
        extra={
            "access_key_id": dataworks_emulator.access_key_id,
            "access_key_secret": dataworks_emulator.access_key_secret,
            "region": "cn-hangzhou",
        },
    )
    assert hook.get_workflow_instance(instance_id)["Id"] == instance_id


def test_default_credential_chain_from_environment(dataworks_emulator, instance_id, tmp_path):
    """The default chain reads env vars at import time, so it runs in a fresh interpreter."""
    conn = dataworks_emulator.connection()
    conn.pop("login")
    conn.pop("password")
    conn["extra"]["auth_type"] = "default"
    env = {
        **os.environ,
        "AIRFLOW_CONN_DATAWORKS_DEFAULT": json.dumps(conn),
        "ALIBABA_CLOUD_ACCESS_KEY_ID": dataworks_emulator.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": dataworks_emulator.access_key_secret,
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true",
        "ALIBABA_CLOUD_CREDENTIALS_FILE": str(tmp_path / "none.ini"),
    }
    script = textwrap.dedent(
        f"""
        from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
        print(DataWorksHook(retry_limit=0).get_workflow_instance({instance_id})["Status"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "Success"
    assert dataworks_emulator.calls()[-1].access_key_id == dataworks_emulator.access_key_id
