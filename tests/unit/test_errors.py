"""The exception family: which DataWorks answers are retryable, and what the SDK's exceptions translate to."""

from __future__ import annotations

import ast
import pickle
import tomllib
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.hooks.errors import classify, translate_sdk_error
from airflow_provider_dataworks.utils.compat import AirflowException, AirflowFailException

ACTION = "GetWorkflowInstance"


def classified(code: str | None, status_code: int | None, message: str = "boom") -> exc.DataWorksAPIError:
    return classify(action=ACTION, code=code, status_code=status_code, message=message, request_id="RID-1")


# -- classify ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "message", "kind", "retryable"),
    [
        ("Throttling.User", 400, "Request was denied due to user flow control.", exc.DataWorksThrottlingError, True),
        ("Throttling", 400, "Request was denied due to flow control.", exc.DataWorksThrottlingError, True),
        ("Throttling.Api", 429, "API flow control.", exc.DataWorksThrottlingError, True),
        ("Throttling.System", 429, "DataWorks system is busy", exc.DataWorksThrottlingError, True),
        ("SomethingNew", 429, "slow down", exc.DataWorksThrottlingError, True),
        (None, 429, "Too Many Requests", exc.DataWorksThrottlingError, True),
        ("Throttling.Resource", 429, "Edition quota reached.", exc.DataWorksQuotaExceededError, False),
        ("Throttling.Api.Risk", 429, "Daily call limit reached.", exc.DataWorksQuotaExceededError, False),
        (
            "ServiceUnavailable",
            503,
            "The request has failed due to a temporary failure.",
            exc.DataWorksTransientError,
            True,
        ),
        ("InternalError", 500, "An internal error occurred.", exc.DataWorksTransientError, True),
        ("InternalError.System", 500, "System error.", exc.DataWorksTransientError, True),
        (None, 502, "Bad Gateway", exc.DataWorksTransientError, True),
        (None, 504, "Gateway Timeout", exc.DataWorksTransientError, True),
        ("SignatureNonceUsed", 400, "Specified signature nonce was used already.", exc.DataWorksTransientError, True),
        ("SignatureDoesNotMatch", 400, "Specified signature is not matched.", exc.DataWorksAuthError, False),
        ("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.", exc.DataWorksAuthError, False),
        ("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled.", exc.DataWorksAuthError, False),
        (
            "Forbidden.RAM",
            403,
            "User not authorized to operate on the specified resource.",
            exc.DataWorksAuthError,
            False,
        ),
        ("ResourceNotAuthorized.Api", 403, "Not authorized.", exc.DataWorksAuthError, False),
        ("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired.", exc.DataWorksAuthError, False),
        (None, 401, "Unauthorized", exc.DataWorksAuthError, False),
        ("Invalid.Tenant.UserNotInProject", 400, "The user is not in the project.", exc.DataWorksAuthError, False),
        ("InvalidParameter", 400, "The parameter Id is invalid.", exc.DataWorksInvalidRequestError, False),
        ("MissingParameter", 400, "Id is mandatory for this action.", exc.DataWorksInvalidRequestError, False),
        ("Invalid.WorkflowInstance.NotExist", 400, "bad id", exc.DataWorksInstanceNotFoundError, False),
        ("InvalidParameter", 400, "The instance does not exist.", exc.DataWorksInstanceNotFoundError, False),
        ("EntityNotFound", 404, "no such entity", exc.DataWorksInstanceNotFoundError, False),
        (
            "InvalidApi.NotFound",
            404,
            "Specified api is not found, please check your url and method.",
            exc.DataWorksInvalidRequestError,
            False,
        ),
    ],
)
def test_classify_table(
    code: str | None, status: int, message: str, kind: type[exc.DataWorksAPIError], retryable: bool
) -> None:
    err = classified(code, status, message)
    assert type(err) is kind
    assert err.retryable is retryable
    assert (err.action, err.code, err.status_code, err.request_id) == (ACTION, code, status, "RID-1")
    assert err.dataworks_message == message


def test_api_not_offered_in_region_is_a_500_that_is_not_transient() -> None:
    err = classified("Forbidden.Not.Server", 500, "The API is not supported in this region.")
    assert type(err) is exc.DataWorksInvalidRequestError  # not "credentials rejected"
    assert err.retryable is False


def test_invalid_api_is_not_instance_not_found_even_with_a_not_found_message() -> None:
    err = classified("InvalidApi.NotFound", 404, "Specified api is not found")
    assert not isinstance(err, exc.DataWorksInstanceNotFoundError)


def test_instance_not_found_is_an_invalid_request() -> None:
    assert issubclass(exc.DataWorksInstanceNotFoundError, exc.DataWorksInvalidRequestError)


def test_retry_after_is_kept_for_retryable_errors_only() -> None:
    def with_retry_after(code: str | None, status: int) -> exc.DataWorksAPIError:
        return classify(action=ACTION, code=code, status_code=status, message="m", request_id=None, retry_after=4.0)

    assert with_retry_after("Throttling.User", 400).retry_after == 4.0
    assert with_retry_after("ServiceUnavailable", 503).retry_after == 4.0
    assert with_retry_after("Throttling.Resource", 429).retry_after is None
    assert with_retry_after("InvalidParameter", 400).retry_after is None


def test_family_members_are_airflow_exceptions() -> None:
    for kind in (
        exc.DataWorksAPIError,
        exc.DataWorksConfigError,
        exc.DataWorksTransientError,
        exc.DataWorksThrottlingError,
        exc.DataWorksTransportError,
        exc.DataWorksAuthError,
        exc.DataWorksQuotaExceededError,
        exc.DataWorksInvalidRequestError,
        exc.DataWorksInstanceNotFoundError,
        exc.DataWorksInstanceIdNotFoundError,
        exc.DataWorksWaitTimeout,
    ):
        assert issubclass(kind, AirflowException), kind
    # a failed instance may be rerun by DataWorks under the same id: the task's retries apply
    assert not issubclass(exc.DataWorksWorkflowInstanceFailed, AirflowFailException)
    # a configuration that can never work is not retried
    assert issubclass(exc.DataWorksConfigError, AirflowFailException)
    assert issubclass(exc.DataWorksWorkflowCreateFailed, AirflowFailException)
    assert issubclass(exc.DataWorksThrottlingError, exc.DataWorksTransientError)
    assert issubclass(exc.DataWorksTransportError, exc.DataWorksTransientError)


# -- the message ------------------------------------------------------------------------------------------


def test_message_names_action_code_status_message_and_request_id() -> None:
    err = classified("InvalidParameter", 400, "Id is malformed.")
    assert str(err) == (
        "DataWorks GetWorkflowInstance failed: InvalidParameter (HTTP 400): Id is malformed. [RequestId: RID-1]"
    )


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("SignatureDoesNotMatch", "set the password of the Airflow connection to the AccessKey Secret"),
        ("InvalidAccessKeyId.NotFound", "check the login (AccessKey ID) of the Airflow connection"),
        ("InvalidSecurityToken.Expired", "renew extra 'security_token'"),
        ("InvalidTimeStamp.Expired", "synchronise it (NTP)"),
        ("Forbidden.RAM", "grant it a DataWorks policy"),
        ("Throttling.Resource", "poll less often (poke_interval, poll_interval)"),
    ],
)
def test_known_causes_lead_with_the_fix_and_keep_dataworks_words(code: str, fix: str) -> None:
    err = classified(code, 400, "server string to sign is: GET\n/\n...")
    message = str(err)
    assert fix in message.split("(DataWorks")[0]
    assert message.index(fix) < message.index(f"DataWorks GetWorkflowInstance failed: {code} (HTTP 400)")
    assert "server string to sign is" in message and "RequestId: RID-1" in message
    assert (err.code, err.dataworks_message, err.request_id) == (code, "server string to sign is: GET\n/\n...", "RID-1")
    assert pickle.loads(pickle.dumps(err)).hint == err.hint


@pytest.mark.parametrize(
    ("code", "message", "kind", "field"),
    [
        (
            "InvalidParameter.NotExist.Workflow",
            "The workflow does not exist.",
            exc.DataWorksInvalidRequestError,
            "workflow_id",
        ),
        ("Invalid.Project.NotExist", "The project does not exist.", exc.DataWorksInvalidRequestError, "project_id"),
        ("InvalidParameter.NotExist.WorkflowInstance", "not exist", exc.DataWorksInstanceNotFoundError, None),
    ],
)
def test_a_missing_workflow_or_workspace_is_a_wrong_argument_not_a_missing_instance(
    code: str, message: str, kind: type, field: str | None
) -> None:
    err = classified(code, 400, message)
    assert type(err) is kind
    if field:
        assert field in str(err).split("(DataWorks")[0]


@pytest.mark.parametrize(
    ("code", "status", "sentence"),
    [
        ("SignatureDoesNotMatch", 400, "set the password of Airflow connection 'dw_prod' to the AccessKey Secret"),
        ("InvalidAccessKeyId.NotFound", 404, "check the login (AccessKey ID) of Airflow connection 'dw_prod'"),
        ("InvalidSecurityToken.Expired", 400, "renew extra 'security_token' of Airflow connection 'dw_prod'"),
        ("Forbidden.RAM", 403, "The RAM user or role of Airflow connection 'dw_prod' lacks permission"),
        ("Invalid.Project.NotExist", 400, "check project_id and the region of Airflow connection 'dw_prod'"),
    ],
)
def test_a_fix_in_the_connection_names_the_connection(code: str, status: int, sentence: str) -> None:
    err = classify(
        action=ACTION,
        code=code,
        status_code=status,
        message="does not exist" if "NotExist" in code else "refused",
        request_id="RID-C",
        connection="Airflow connection 'dw_prod'",
    )
    assert sentence in str(err).split("(DataWorks")[0]
    assert (err.code, err.status_code, err.request_id) == (code, status, "RID-C")


def test_message_without_code_status_or_request_id() -> None:
    err = exc.DataWorksTransportError("connection refused", action="ListWorkflowInstances")
    assert str(err) == (
        "DataWorks ListWorkflowInstances failed: no error code (HTTP status unknown): connection refused "
        "[RequestId: none]"
    )


# -- pickling (errors cross process boundaries: triggerer, executors) -------------------------------------

API_ERRORS = [
    exc.DataWorksAPIError,
    exc.DataWorksTransientError,
    exc.DataWorksThrottlingError,
    exc.DataWorksTransportError,
    exc.DataWorksAuthError,
    exc.DataWorksQuotaExceededError,
    exc.DataWorksInvalidRequestError,
    exc.DataWorksInstanceNotFoundError,
    exc.DataWorksInstanceIdNotFoundError,
]


@pytest.mark.parametrize("kind", API_ERRORS, ids=lambda k: k.__name__)
def test_api_errors_survive_pickling(kind: type[exc.DataWorksAPIError]) -> None:
    err = kind(
        "the message", action="StopWorkflowInstances", code="C.1", status_code=418, request_id="R-9", retry_after=3.5
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is kind
    assert vars(copy) == vars(err)
    assert (copy.dataworks_message, copy.action, copy.code, copy.status_code, copy.request_id, copy.retry_after) == (
        "the message",
        "StopWorkflowInstances",
        "C.1",
        418,
        "R-9",
        3.5,
    )
    assert str(copy) == str(err)
    assert copy.retryable is kind.retryable


@pytest.mark.parametrize(
    "kind",
    [
        exc.DataWorksConfigError,
        exc.DataWorksWorkflowInstanceFailed,
        exc.DataWorksWorkflowCreateFailed,
        exc.DataWorksWaitTimeout,
    ],
    ids=lambda k: k.__name__,
)
def test_other_family_members_survive_pickling(kind: type[Exception]) -> None:
    copy = pickle.loads(pickle.dumps(kind("workflow instance 7 failed")))
    assert type(copy) is kind
    assert str(copy) == "workflow instance 7 failed"


# -- translate_sdk_error on the SDK's real exception classes ----------------------------------------------


def sdk_error(kind: type[Exception], status: int, code: str | None, message: str, request_id: str, **kw: Any) -> Any:
    """An SDK exception as tea-openapi builds it from an HTTP error answer (JSON body in `data`)."""
    data = {"Code": code, "Message": message, "RequestId": request_id}
    return kind(
        status_code=status,
        code=code if code is not None else "None",
        message=f"code: {status}, {message} request id: {request_id}",
        request_id=request_id,
        data=data,
        **kw,
    )


def test_client_exception_throttling_user_without_retry_after() -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    raw = sdk_error(ClientException, 400, "Throttling.User", "Request was denied due to user flow control.", "RID-T")
    err = translate_sdk_error(raw, "GetWorkflowInstance")
    assert type(err) is exc.DataWorksThrottlingError
    assert err.retryable
    assert err.retry_after is None
    assert (err.code, err.status_code, err.request_id) == ("Throttling.User", 400, "RID-T")
    # DataWorks' own Message, not the SDK's "code: 400, ... request id: ..." wrapping of it.
    assert err.dataworks_message == "Request was denied due to user flow control."
    text = str(err)
    for part in ("GetWorkflowInstance", "Throttling.User", "HTTP 400", "RID-T", "user flow control"):
        assert part in text


def test_throttling_exception_carries_retry_after_in_seconds() -> None:
    from alibabacloud_tea_openapi.exceptions import ThrottlingException

    raw = sdk_error(ThrottlingException, 429, "Throttling.Api", "API flow control.", "RID-R", retry_after=2500)
    err = translate_sdk_error(raw, "ListWorkflowInstances")
    assert type(err) is exc.DataWorksThrottlingError
    assert err.retry_after == 2.5
    assert err.action == "ListWorkflowInstances"


def test_throttling_exception_on_a_503_keeps_retry_after() -> None:
    from alibabacloud_tea_openapi.exceptions import ThrottlingException

    raw = sdk_error(ThrottlingException, 503, "ServiceUnavailable", "Try later.", "RID-S", retry_after=7000)
    err = translate_sdk_error(raw, ACTION)
    assert type(err) is exc.DataWorksTransientError
    assert err.retry_after == 7.0


def test_throttling_exception_for_a_quota_is_not_retryable() -> None:
    from alibabacloud_tea_openapi.exceptions import ThrottlingException

    raw = sdk_error(ThrottlingException, 429, "Throttling.Resource", "Quota reached.", "RID-Q", retry_after=60000)
    err = translate_sdk_error(raw, ACTION)
    assert type(err) is exc.DataWorksQuotaExceededError
    assert not err.retryable
    assert err.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_exception_5xx_is_transient(status: int) -> None:
    from alibabacloud_tea_openapi.exceptions import ServerException

    err = translate_sdk_error(sdk_error(ServerException, status, "InternalError", "oops", "RID-5"), ACTION)
    assert type(err) is exc.DataWorksTransientError
    assert f"HTTP {status}" in str(err)


def test_server_exception_without_code_reads_the_sdk_none_string_as_no_code() -> None:
    from alibabacloud_tea_openapi.exceptions import ServerException

    err = translate_sdk_error(sdk_error(ServerException, 503, None, "unavailable", "RID-N"), ACTION)
    assert type(err) is exc.DataWorksTransientError
    assert err.code is None
    assert "no error code (HTTP 503)" in str(err)


def test_forbidden_not_server_is_permanent() -> None:
    from alibabacloud_tea_openapi.exceptions import ServerException

    raw = sdk_error(ServerException, 500, "Forbidden.Not.Server", "Not supported in this region.", "RID-F")
    err = translate_sdk_error(raw, ACTION)
    assert not err.retryable


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "SignatureDoesNotMatch", exc.DataWorksAuthError),
        (404, "InvalidAccessKeyId.NotFound", exc.DataWorksAuthError),
        (403, "Forbidden.RAM", exc.DataWorksAuthError),
        (400, "InvalidParameter", exc.DataWorksInvalidRequestError),
        (400, "Invalid.Tenant.ProjectNotExists", exc.DataWorksInvalidRequestError),
        (400, "InvalidParameter.NotExist.WorkflowInstance", exc.DataWorksInstanceNotFoundError),
        (404, "InvalidApi.NotFound", exc.DataWorksInvalidRequestError),
    ],
)
def test_client_exception_permanent_codes(status: int, code: str, kind: type[exc.DataWorksAPIError]) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    err = translate_sdk_error(sdk_error(ClientException, status, code, "nope", "RID-C"), ACTION)
    assert type(err) is kind
    assert not err.retryable
    assert (err.code, err.status_code, err.request_id) == (code, status, "RID-C")


def test_request_id_is_read_from_the_body_when_the_attribute_is_missing() -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    raw = sdk_error(ClientException, 400, "InvalidParameter", "bad", "RID-BODY")
    raw.request_id = None
    assert translate_sdk_error(raw, ACTION).request_id == "RID-BODY"


def unretryable(inner: Exception) -> Exception:
    """What tea-openapi raises once its own retry loop gives up on a non-HTTP failure."""
    from darabonba.exceptions import UnretryableException
    from darabonba.policy.retry import RetryPolicyContext

    return UnretryableException(RetryPolicyContext(retries_attempted=0, exception=inner))


def test_network_failure_is_a_transport_error() -> None:
    from darabonba.exceptions import RetryError

    raw = unretryable(RetryError("HTTPConnectionPool(host='127.0.0.1', port=1): Read timed out. (read timeout=0.5)"))
    err = translate_sdk_error(raw, ACTION)
    assert type(err) is exc.DataWorksTransportError
    assert err.retryable
    assert err.code == "TransportError"
    assert err.status_code is None
    assert "no response from DataWorks" in err.dataworks_message
    assert "Read timed out" in err.dataworks_message


def test_html_gateway_page_is_a_non_json_transport_error() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 1000 + "</body></html>"
    raw = unretryable(RuntimeError(f'Failed to parse the value as json format, Value: "{page}".'))
    err = translate_sdk_error(raw, "GetWorkflowInstance")
    assert type(err) is exc.DataWorksTransportError
    assert err.retryable
    assert err.code == "NonJsonResponse"
    assert "not DataWorks JSON" in err.dataworks_message
    assert "502 Bad Gateway" in err.dataworks_message
    assert len(err.dataworks_message) < 500  # the page is shortened, not dumped into the log


def test_a_wrong_secret_from_the_sdk_names_the_connection() -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    raw = sdk_error(ClientException, 400, "SignatureDoesNotMatch", "Specified signature is not matched.", "RID-S")
    err = translate_sdk_error(raw, "ListProjects", "Airflow connection 'dataworks_default'")
    assert type(err) is exc.DataWorksAuthError
    assert str(err) == (
        "The AccessKey Secret does not match the AccessKey ID: set the password of Airflow connection "
        "'dataworks_default' to the AccessKey Secret of its login. (DataWorks ListProjects failed: "
        "SignatureDoesNotMatch (HTTP 400): Specified signature is not matched. [RequestId: RID-S])"
    )


def test_tls_to_a_plain_http_endpoint_names_the_connection() -> None:
    raw = unretryable(RuntimeError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)"))
    err = translate_sdk_error(raw, ACTION, "Airflow connection 'dw_local'")
    assert type(err) is exc.DataWorksEndpointError
    assert "but Airflow connection 'dw_local' uses https: point its host" in str(err)


def test_credential_failures_are_auth_errors() -> None:
    from alibabacloud_credentials.exceptions import CredentialException

    chain = CredentialException("unable to load credentials from any of the providers in the chain: []")
    for raw in (chain, unretryable(chain)):
        err = translate_sdk_error(raw, ACTION)
        assert type(err) is exc.DataWorksAuthError
        assert err.code == "InvalidCredentials"
        assert "unable to load credentials" in str(err)
    named = translate_sdk_error(chain, ACTION, "Airflow connection 'dw_rrsa'")
    assert str(named).startswith(
        "No credentials could be obtained for Airflow connection 'dw_rrsa': check its auth_type and the fields "
        "that auth type needs. (DataWorks GetWorkflowInstance failed: InvalidCredentials"
    )


def test_non_sdk_errors_are_not_translated() -> None:
    assert translate_sdk_error(ValueError("a bug"), ACTION) is None
    assert translate_sdk_error(KeyError("Id"), ACTION) is None


def test_no_module_imports_tea_which_is_not_a_declared_dependency() -> None:
    """The SDK raises darabonba's classes (darabonba-core is declared); alibabacloud-tea is only their base's home."""
    package = Path(exc.__file__).parent
    imported: set[str] = set()
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert "darabonba" in imported
    assert "Tea" not in imported
    declared = tomllib.loads((package.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(requirement.startswith("darabonba-core") for requirement in declared)


# -- an instance id that does not exist, blamed on the task argument that gave it -------------------------


def not_found() -> exc.DataWorksInstanceNotFoundError:
    err = classified("InvalidParameter.NotExist.WorkflowInstance", 400, "The workflow instance does not exist: 123.")
    assert type(err) is exc.DataWorksInstanceNotFoundError
    return err


def test_given_as_names_the_argument_and_the_fix_then_dataworks_answer() -> None:
    err = not_found().given_as(
        "workflow_instance_id",
        123,
        "https://dataworks.cn-hangzhou.aliyuncs.com, connection 'dataworks_default'",
        "check the id and the connection's region, or wait by workflow_id and data date instead.",
    )
    assert str(err) == (
        "workflow_instance_id 123 does not exist in DataWorks (https://dataworks.cn-hangzhou.aliyuncs.com, "
        "connection 'dataworks_default'): check the id and the connection's region, or wait by workflow_id and "
        "data date instead. (DataWorks GetWorkflowInstance failed: InvalidParameter.NotExist.WorkflowInstance "
        "(HTTP 400): The workflow instance does not exist: 123. [RequestId: RID-1])"
    )
    # still the not-found member of the family, with what support needs, but not retried by Airflow
    assert isinstance(err, exc.DataWorksInstanceNotFoundError)
    assert isinstance(err, AirflowFailException)
    assert (err.action, err.code, err.status_code, err.request_id) == (
        "GetWorkflowInstance",
        "InvalidParameter.NotExist.WorkflowInstance",
        400,
        "RID-1",
    )
    assert err.dataworks_message == "The workflow instance does not exist: 123."
    assert not err.retryable


def test_a_not_found_without_an_argument_to_blame_is_retried_by_airflow() -> None:
    assert not isinstance(not_found(), AirflowFailException)  # a lookup's or a run's instance: a retry looks again


def test_the_blamed_error_crosses_the_trigger_event_and_processes_intact() -> None:
    err = not_found().given_as("task_instance_id", 77, "http://127.0.0.1:1, connection 'c'", "check the id.")
    for copy in (exc.error_from_dict(err.to_dict()), pickle.loads(pickle.dumps(err))):
        assert type(copy) is exc.DataWorksInstanceIdNotFoundError
        assert str(copy) == str(err)
        assert copy.request_id == "RID-1"
