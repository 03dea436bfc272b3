"""The AccessKey secret and the STS token never reach logs or exception text, even when calls fail."""

from __future__ import annotations

import logging
import traceback

import pytest

pytestmark = pytest.mark.timeout(60)

SECRET = "Sup3r-Secret-AccessKey-Value"
TOKEN = "Sup3r-Secret-STS-Token-Value"


def _everything_said(err: BaseException, caplog, capsys) -> str:
    captured = capsys.readouterr()
    return "\n".join(
        [
            str(err),
            repr(err),
            "".join(traceback.format_exception(err)),
            caplog.text,
            captured.out,
            captured.err,
        ]
    )


@pytest.mark.parametrize("fault", [None, "server_error", "drop", "html_502"])
def test_failing_calls_never_show_the_secret(dataworks_emulator, make_hook, caplog, capsys, fault):
    from airflow_provider_dataworks.exceptions import DataWorksAPIError

    caplog.set_level(logging.DEBUG)
    if fault:
        dataworks_emulator.inject_fault("GetWorkflowInstance", fault, times=10)
    hook = make_hook(password=SECRET, extra={"auth_type": "sts", "security_token": TOKEN}, retry_limit=1)
    with pytest.raises(DataWorksAPIError) as raised:
        hook.get_workflow_instance(1)
    said = _everything_said(raised.value, caplog, capsys)
    assert SECRET not in said
    assert TOKEN not in said
    assert SECRET not in repr(hook.settings) and TOKEN not in repr(hook.settings)


async def test_failing_async_calls_never_show_the_secret(dataworks_emulator, make_hook, caplog, capsys):
    from airflow_provider_dataworks.exceptions import DataWorksAPIError

    caplog.set_level(logging.DEBUG)
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=10)
    hook = make_hook(password=SECRET, retry_limit=1)
    with pytest.raises(DataWorksAPIError) as raised:
        await hook.aget_workflow_instance(1)
    said = _everything_said(raised.value, caplog, capsys)
    assert SECRET not in said
