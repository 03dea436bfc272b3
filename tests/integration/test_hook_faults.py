"""Every emulator fault kind, through the hook: transient ones end in the right value, permanent ones raise."""

from __future__ import annotations

import pytest

from airflow_provider_dataworks.exceptions import (
    DataWorksAuthError,
    DataWorksEndpointError,
    DataWorksInstanceNotFoundError,
    DataWorksInvalidRequestError,
    DataWorksQuotaExceededError,
    DataWorksThrottlingError,
    DataWorksTransientError,
    DataWorksTransportError,
)

pytestmark = pytest.mark.timeout(60)

TRANSIENT = [
    pytest.param("throttle", {}, id="throttle-400"),
    pytest.param("throttle", {"retry_after_ms": 50}, id="throttle-429-retry-after"),
    pytest.param("server_error", {}, id="503"),
    pytest.param("server_error", {"status": 500, "code": "InternalError.System"}, id="500-system"),
    pytest.param("html_502", {}, id="html-502"),
    pytest.param("malformed_json", {}, id="malformed-json"),
    pytest.param("slow", {"delay": 2.5}, id="slow-past-read-timeout"),
    pytest.param("drop", {}, id="dropped-connection"),
]

PERMANENT = [
    pytest.param("error", {"status": 403, "code": "Forbidden.RAM"}, DataWorksAuthError, "Forbidden.RAM", id="ram"),
    pytest.param(
        "throttle", {"code": "Throttling.Resource"}, DataWorksQuotaExceededError, "Throttling.Resource", id="quota"
    ),
    pytest.param(
        "error",
        {"status": 400, "code": "InvalidParameter"},
        DataWorksInvalidRequestError,
        "InvalidParameter",
        id="bad-parameter",
    ),
    pytest.param(
        "missing_instance", {}, DataWorksInstanceNotFoundError, "WorkflowInstance.Missing", id="missing-instance"
    ),
]


@pytest.fixture
def instance_id(dataworks_emulator):
    return dataworks_emulator.add_workflow_instance(
        workflow_id=501, name="daily", biz_date="2026-11-27", statuses=["Success"]
    )


@pytest.mark.parametrize(("kind", "options"), TRANSIENT)
def test_transient_fault_is_retried_to_the_right_value(dataworks_emulator, hook, instance_id, kind, options):
    dataworks_emulator.inject_fault("GetWorkflowInstance", kind, times=2, **options)
    assert hook.get_workflow_instance(instance_id)["Status"] == "Success"
    calls = dataworks_emulator.calls("GetWorkflowInstance")
    assert len(calls) == 3
    assert [c.fault for c in calls] == [kind, kind, None]


@pytest.mark.parametrize(("kind", "options"), TRANSIENT)
async def test_transient_fault_is_retried_without_blocking_the_loop(
    dataworks_emulator, hook, instance_id, kind, options
):
    dataworks_emulator.inject_fault("GetWorkflowInstance", kind, times=1, **options)
    instance = await hook.aget_workflow_instance(instance_id)
    assert instance["Status"] == "Success"
    calls = dataworks_emulator.calls("GetWorkflowInstance")
    assert [c.fault for c in calls] == [kind, None]


@pytest.mark.parametrize(("kind", "options", "error", "code"), PERMANENT)
def test_permanent_fault_raises_at_once(dataworks_emulator, hook, instance_id, kind, options, error, code):
    dataworks_emulator.inject_fault("GetWorkflowInstance", kind, times=1, **options)
    with pytest.raises(error) as raised:
        hook.get_workflow_instance(instance_id)
    err = raised.value
    assert not err.retryable
    assert (err.action, err.code) == ("GetWorkflowInstance", code)
    assert err.request_id and err.request_id in str(err)
    assert code in str(err)
    assert len(dataworks_emulator.calls("GetWorkflowInstance")) == 1


@pytest.mark.parametrize(("kind", "options", "error", "code"), PERMANENT)
async def test_permanent_fault_raises_at_once_async(dataworks_emulator, hook, instance_id, kind, options, error, code):
    dataworks_emulator.inject_fault("GetWorkflowInstance", kind, times=1, **options)
    with pytest.raises(error, match=code):
        await hook.aget_workflow_instance(instance_id)
    assert len(dataworks_emulator.calls("GetWorkflowInstance")) == 1


def test_unknown_instance_is_not_found(hook):
    with pytest.raises(DataWorksInstanceNotFoundError) as raised:
        hook.get_workflow_instance(424242)
    assert raised.value.status_code == 400
    assert raised.value.request_id


def test_retries_are_bounded(dataworks_emulator, make_hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=10)
    with pytest.raises(DataWorksTransientError) as raised:
        make_hook(retry_limit=2).get_workflow_instance(instance_id)
    assert raised.value.status_code == 503
    assert len(dataworks_emulator.calls("GetWorkflowInstance")) == 3


def test_transport_errors_name_what_happened(dataworks_emulator, make_hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "html_502", times=1)
    with pytest.raises(DataWorksTransportError, match="not DataWorks JSON"):
        make_hook(retry_limit=0).get_workflow_instance(instance_id)


def test_retry_after_header_is_honoured(dataworks_emulator, hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle", times=1, retry_after_ms=400)
    assert hook.get_workflow_instance(instance_id)["Status"] == "Success"
    first, second = dataworks_emulator.calls("GetWorkflowInstance")
    assert second.timestamp - first.timestamp >= 0.4


def test_throttling_error_carries_retry_after(dataworks_emulator, make_hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle", times=1, retry_after_ms=1500)
    with pytest.raises(DataWorksThrottlingError) as raised:
        make_hook(retry_limit=0).get_workflow_instance(instance_id)
    assert raised.value.retry_after == 1.5
    assert raised.value.status_code == 429


def test_faults_on_other_actions_are_retried_too(dataworks_emulator, hook):
    dataworks_emulator.add_workflow(id=903, name="w", creating_reads=0)
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "throttle", times=1)
    dataworks_emulator.inject_fault("ListProjects", "drop", times=1)
    assert hook.create_workflow_instances(903, name="r", biz_dates=[("2026-11-27", "2026-11-27")])
    assert hook.test_connection()[0]
    assert len(dataworks_emulator.calls("CreateWorkflowInstances")) == 2


def test_a_create_that_may_have_taken_effect_is_not_retried(dataworks_emulator, hook):
    """A 5xx may come after DataWorks started the run: the caller looks it up instead of creating a second one."""
    from airflow_provider_dataworks.exceptions import DataWorksTransientError

    dataworks_emulator.add_workflow(id=904, name="w", creating_reads=0)
    dataworks_emulator.inject_fault("CreateWorkflowInstances", "server_error", times=1)
    with pytest.raises(DataWorksTransientError):
        hook.create_workflow_instances(904, name="r", biz_dates=[("2026-11-27", "2026-11-27")])
    assert len(dataworks_emulator.calls("CreateWorkflowInstances")) == 1


async def test_the_hook_counts_every_attempt_as_the_server_does(dataworks_emulator, hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", times=2)
    assert hook.get_workflow_instance(instance_id)["Status"] == "Success"
    assert (await hook.aget_workflow_instance(instance_id))["Status"] == "Success"
    assert hook.api_calls == len(dataworks_emulator.calls("GetWorkflowInstance")) == 4


# -- errors that say what to change ---------------------------------------------------------------------


def test_wrong_secret_names_the_password_then_keeps_dataworks_words(dataworks_emulator, make_hook, instance_id):
    hook = make_hook(password="not-the-emulator-secret")
    with pytest.raises(DataWorksAuthError) as raised:
        hook.get_workflow_instance(instance_id)
    message = str(raised.value)
    assert message.startswith(
        "The AccessKey Secret does not match the AccessKey ID: set the password of Airflow connection "
        f"{hook.dataworks_conn_id!r} to the AccessKey Secret of its login."
    )
    assert "SignatureDoesNotMatch (HTTP 400)" in message and "server string to sign is" in message
    assert raised.value.request_id and f"RequestId: {raised.value.request_id}" in message
    assert "not-the-emulator-secret" not in message
    assert len(dataworks_emulator.calls("GetWorkflowInstance")) == 1  # no retry of what cannot succeed


def test_https_to_a_plain_http_endpoint_names_the_protocol_setting_and_is_not_retried(
    dataworks_emulator, make_hook, instance_id
):
    hook = make_hook(extra={"protocol": "https"})
    with pytest.raises(DataWorksEndpointError) as raised:
        hook.get_workflow_instance(instance_id)
    message = str(raised.value)
    assert message.startswith(
        f"The endpoint answers plain HTTP, but Airflow connection {hook.dataworks_conn_id!r} uses"
    )
    assert "set its extra 'protocol' to 'http'" in message
    assert "WRONG_VERSION_NUMBER" in message and "{'message'" not in message
    assert not raised.value.retryable


def test_a_gateway_page_reports_its_http_status(dataworks_emulator, make_hook, instance_id):
    dataworks_emulator.inject_fault("GetWorkflowInstance", "html_502")
    with pytest.raises(DataWorksTransportError) as raised:
        make_hook(retry_limit=0).get_workflow_instance(instance_id)
    assert raised.value.status_code == 502
    assert "NonJsonResponse (HTTP 502)" in str(raised.value)


def test_an_unknown_workflow_names_workflow_id_not_a_missing_instance(dataworks_emulator, hook):
    dataworks_emulator.inject_fault(
        "ListWorkflowInstances",
        "error",
        status=400,
        code="InvalidParameter.NotExist.Workflow",
        message="The workflow does not exist.",
    )
    with pytest.raises(DataWorksInvalidRequestError) as raised:
        hook.list_workflow_instances(biz_date="2026-11-27", workflow_id=999)
    assert not isinstance(raised.value, DataWorksInstanceNotFoundError)
    assert "check workflow_id, project_id and env_type" in str(raised.value)
    assert "The workflow does not exist." in str(raised.value)
