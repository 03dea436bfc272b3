"""Each fault kind produces what the real SDK raises or returns, quickly and without hanging."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from dataworks_emulator import DataWorksEmulator, Fault

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def get(dataworks_emulator: DataWorksEmulator, client: Any, models: Any) -> Any:
    """Return a function calling GetWorkflowInstance on a running instance."""
    instance_id = dataworks_emulator.add_workflow_instance(statuses=("Running",))
    return lambda sdk=client: sdk.get_workflow_instance(models.GetWorkflowInstanceRequest(id=instance_id))


def test_throttle_without_and_with_retry_after(dataworks_emulator: DataWorksEmulator, get: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException, ThrottlingException

    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle", retry_after_ms=1500)
    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle", code="Throttling.Resource", status=429)
    with pytest.raises(ClientException) as plain:
        get()
    assert not isinstance(plain.value, ThrottlingException)
    assert (plain.value.status_code, plain.value.code) == (400, "Throttling.User")
    assert "Request was denied due to user flow control." in plain.value.message
    with pytest.raises(ThrottlingException) as throttled:
        get()
    assert (throttled.value.status_code, throttled.value.code, throttled.value.retry_after) == (
        429,
        "Throttling.User",
        1500,
    )
    with pytest.raises(ClientException) as quota:
        get()
    assert (quota.value.status_code, quota.value.code) == (429, "Throttling.Resource")
    assert get().status_code == 200
    assert [(c.fault, c.code) for c in dataworks_emulator.calls()] == [
        ("throttle", "Throttling.User"),
        ("throttle", "Throttling.User"),
        ("throttle", "Throttling.Resource"),
        (None, None),
    ]


def test_server_errors_and_permanent_errors(dataworks_emulator: DataWorksEmulator, get: Any) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error", status=500, code="InternalError.System")
    dataworks_emulator.inject_fault(
        "GetWorkflowInstance", "error", status=403, code="Forbidden.RAM", message="No RAM permission."
    )
    with pytest.raises(ServerException) as unavailable:
        get()
    assert (unavailable.value.status_code, unavailable.value.code) == (503, "ServiceUnavailable")
    with pytest.raises(ServerException) as internal:
        get()
    assert (internal.value.status_code, internal.value.code) == (500, "InternalError.System")
    with pytest.raises(ClientException) as forbidden:
        get()
    assert (forbidden.value.status_code, forbidden.value.code) == (403, "Forbidden.RAM")
    assert "No RAM permission." in forbidden.value.message


@pytest.mark.parametrize("kind", ["html_502", "malformed_json"])
def test_unparseable_bodies(dataworks_emulator: DataWorksEmulator, get: Any, kind: str) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.inject_fault("GetWorkflowInstance", kind)
    with pytest.raises(UnretryableException) as excinfo:
        get()
    assert excinfo.value.code is None and "json" in str(excinfo.value.message).lower()
    assert dataworks_emulator.calls()[0].status == (502 if kind == "html_502" else 200)


def test_slow_exceeds_the_read_timeout(dataworks_emulator: DataWorksEmulator, get: Any, make_client: Any) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.inject_fault("GetWorkflowInstance", "slow", delay=5.0)
    dataworks_emulator.inject_fault("GetWorkflowInstance", "slow", delay=0.2)
    started = time.monotonic()
    with pytest.raises(UnretryableException) as excinfo:
        get(make_client(dataworks_emulator, read_timeout=300))
    assert time.monotonic() - started < 2.0
    assert "timed out" in str(excinfo.value.message).lower()
    assert get().body.workflow_instance.status == "Running"
    assert [(c.fault, c.status) for c in dataworks_emulator.calls()] == [("slow", 0), ("slow", 200)]


def test_drop_closes_the_connection(dataworks_emulator: DataWorksEmulator, get: Any, client: Any, models: Any) -> None:
    from darabonba.exceptions import UnretryableException

    dataworks_emulator.inject_fault("*", "drop", times=2)
    started = time.monotonic()
    with pytest.raises(UnretryableException):
        get()
    with pytest.raises(UnretryableException):
        asyncio.run(client.list_projects_async(models.ListProjectsRequest()))
    assert time.monotonic() - started < 3.0
    assert [(c.action, c.fault, c.status) for c in dataworks_emulator.calls()] == [
        ("GetWorkflowInstance", "drop", 0),
        ("ListProjects", "drop", 0),
    ]
    assert get().status_code == 200


def test_missing_instance(dataworks_emulator: DataWorksEmulator, get: Any) -> None:
    dataworks_emulator.inject_fault("GetWorkflowInstance", "missing_instance")
    response = get()
    assert response.status_code == 200 and response.body.request_id
    assert response.body.workflow_instance is None


def test_faults_are_fifo_counted_and_only_after_authentication(
    dataworks_emulator: DataWorksEmulator, get: Any, make_client: Any, models: Any
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

    dataworks_emulator.inject_fault("*", "server_error", times=2)
    dataworks_emulator.inject_fault("GetWorkflowInstance", "missing_instance")
    with pytest.raises(ClientException) as excinfo:
        get(make_client(dataworks_emulator, access_key_secret="wrong"))
    assert excinfo.value.code == "SignatureDoesNotMatch"
    with pytest.raises(ServerException):
        make_client(dataworks_emulator).list_projects(models.ListProjectsRequest())
    with pytest.raises(ServerException):
        get()
    assert get().body.workflow_instance is None
    assert get().body.workflow_instance is not None


def test_sdk_retry_options_recover_from_transient_faults(
    dataworks_emulator: DataWorksEmulator, get: Any, make_client: Any
) -> None:
    from darabonba.policy.retry import RetryOptions

    retry = RetryOptions(
        {
            "retryable": True,
            "retryCondition": [
                {
                    "maxAttempts": 3,
                    "exception": ["ServerException", "ThrottlingException"],
                    "backoff": {"policy": "Fixed", "period": 10},
                }
            ],
        }
    )
    dataworks_emulator.inject_fault("GetWorkflowInstance", "server_error")
    dataworks_emulator.inject_fault("GetWorkflowInstance", "throttle", retry_after_ms=10)
    assert get(make_client(dataworks_emulator, retry_options=retry)).status_code == 200
    assert [c.status for c in dataworks_emulator.calls()] == [503, 429, 200]


def test_stop_does_not_wait_for_slow_requests(make_client: Any, models: Any) -> None:
    errors: list[BaseException] = []
    emulator = DataWorksEmulator().start()
    emulator.inject_fault("ListProjects", "slow", delay=60)
    client = make_client(emulator, read_timeout=30000)

    def call() -> None:
        try:
            client.list_projects(models.ListProjectsRequest())
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    emulator.stop()
    thread.join(5)
    assert time.monotonic() - started < 4.0
    assert not thread.is_alive() and len(errors) == 1
    assert emulator.calls("ListProjects")[0].fault == "slow"


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="Unknown fault kind 'explode'"):
        Fault("*", "explode")
    with pytest.raises(ValueError, match="Unknown option 'delay' for fault 'throttle'"):
        Fault("*", "throttle", options={"delay": 1})
    with pytest.raises(ValueError, match="needs both 'status' and 'code'"):
        Fault("GetWorkflowInstance", "error", options={"status": 403})
    with pytest.raises(ValueError, match="times must be a positive integer"):
        Fault("GetWorkflowInstance", "drop", times=0)
