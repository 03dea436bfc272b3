"""ACS3-HMAC-SHA256: the reference test vectors, and what the emulator accepts and rejects on the wire."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from dataworks_emulator.errors import ApiError
from dataworks_emulator.signing import (
    Credential,
    NonceCache,
    canonical_request,
    parse_authorization,
    sha256_hex,
    signature,
    string_to_sign,
    verify_request,
)

if TYPE_CHECKING:
    from dataworks_emulator import DataWorksEmulator

pytestmark = pytest.mark.timeout(30)

VECTOR_SECRET = "FakeAccessKeySecret0123456789ab"
VECTOR_AK = "LTAI5tFAKEACCESSKEYID"
VECTOR_DATE = datetime(2026, 11, 28, 4, 49, 8, tzinfo=UTC).timestamp()
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _vector_headers(action: str, nonce: str, provider: str = "static_ak", **extra: str) -> dict[str, list[str]]:
    """Return the signed headers of the reference captures."""
    headers = {
        "accept": "application/json",
        "host": "127.0.0.1:38709",
        "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
        "x-acs-action": action,
        "x-acs-content-sha256": EMPTY_SHA,
        "x-acs-credentials-provider": provider,
        "x-acs-date": "2026-11-28T04:49:08Z",
        "x-acs-signature-nonce": nonce,
        "x-acs-version": "2024-05-18",
        **extra,
    }
    return {name: [value] for name, value in headers.items()}


def _sign(method: str, query: dict[str, str], headers: dict[str, list[str]]) -> tuple[str, str]:
    """Return (sha256 of the canonical request, signature) for the vector secret."""
    canonical = canonical_request(method, "/", query, headers, sorted(headers), headers["x-acs-content-sha256"][0])
    return sha256_hex(canonical.encode()), signature(VECTOR_SECRET, string_to_sign(canonical))


def test_get_static_ak_vector() -> None:
    headers = _vector_headers("GetWorkflowInstance", "dcb55c5ccb1d70337d9dc1ad2567435d")
    canonical_hash, sig = _sign("GET", {"Id": "1234"}, headers)
    assert canonical_hash == "979e8f2df90b31c4f86ce74b3b1e481f552eba22e7b31c5a62af13693ac87c30"
    assert sig == "1aa3756ccddb10344db7b9e1b3c97db01553b82da2fb0960763c7a616a742571"


def test_get_sts_vector() -> None:
    headers = _vector_headers(
        "GetWorkflowInstance",
        "7fbd88872ac5e0c654c0437d48f53b9d",
        "static_sts",
        **{"x-acs-accesskey-id": VECTOR_AK, "x-acs-security-token": "FAKE_STS_TOKEN"},
    )
    _, sig = _sign("GET", {"Id": "1"}, headers)
    assert sig == "d038306d2e3e264feb58d751630767232d4cc17e0888c2ba9172b5bce53c4d5a"


def test_post_stop_workflow_instances_vector() -> None:
    body = b"Comment=stopped+by+airflow&Ids=%5B1234%2C5678%5D"
    payload_hash = "2e8f484e20e6c79a49b624195c56b8b42b67f39bd5adcf35f8de591431909292"
    assert hashlib.sha256(body).hexdigest() == payload_hash
    headers = _vector_headers(
        "StopWorkflowInstances",
        "ad931d3dbf8f174dd32022cce5be7689",
        **{"content-type": "application/x-www-form-urlencoded", "x-acs-content-sha256": payload_hash},
    )
    _, sig = _sign("POST", {}, headers)
    assert sig == "5b8d94964456c2ea6ac64f757a5aa29003b0cf70215e6622f3c103765d8fa69f"
    auth = parse_authorization(
        f"ACS3-HMAC-SHA256 Credential={VECTOR_AK},SignedHeaders={';'.join(sorted(headers))},Signature={sig}"
    )

    def verify(sent: bytes, now: float) -> None:
        verify_request(
            auth=auth,
            method="POST",
            path="/",
            query={},
            headers=headers,
            body=sent,
            credentials={VECTOR_AK: Credential(VECTOR_SECRET)},
            nonces=NonceCache(),
            now=now,
        )

    verify(body, VECTOR_DATE + 60)
    with pytest.raises(ApiError) as excinfo:
        verify(body.replace(b"1234", b"1235"), VECTOR_DATE)
    assert excinfo.value.code == "SignatureDoesNotMatch"


def test_real_sdk_requests_pass_sync_and_async(dataworks_emulator: DataWorksEmulator, client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models

    instance_id = dataworks_emulator.add_workflow_instance(statuses=("Running",))
    get = models.GetWorkflowInstanceRequest(id=instance_id)
    stop = models.StopWorkflowInstancesRequest(ids=[instance_id], comment="stopped by airflow & co")
    assert client.get_workflow_instance(get).body.workflow_instance.id == instance_id
    assert asyncio.run(client.get_workflow_instance_async(get)).body.workflow_instance.status == "Running"
    assert client.list_projects(models.ListProjectsRequest(page_size=1)).status_code == 200
    assert asyncio.run(client.stop_workflow_instances_async(stop)).body.success_info[str(instance_id)].success
    assert [call.status for call in dataworks_emulator.calls()] == [200, 200, 200, 200]


def test_wrong_secret_is_rejected_without_echoing_it(dataworks_emulator: DataWorksEmulator, make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_tea_openapi.exceptions import ClientException

    client = make_client(dataworks_emulator, access_key_secret="not-the-secret")
    with pytest.raises(ClientException) as excinfo:
        client.list_projects(models.ListProjectsRequest())
    assert (excinfo.value.status_code, excinfo.value.code) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in excinfo.value.message
    assert dataworks_emulator.access_key_secret not in str(excinfo.value.data)


def test_unknown_access_key_is_404(dataworks_emulator: DataWorksEmulator, make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_tea_openapi.exceptions import ClientException

    client = make_client(dataworks_emulator, access_key_id="LTAI5tUNKNOWN")
    with pytest.raises(ClientException) as excinfo:
        client.get_workflow_instance(models.GetWorkflowInstanceRequest(id=1))
    assert (excinfo.value.status_code, excinfo.value.code) == (404, "InvalidAccessKeyId.NotFound")
    assert dataworks_emulator.calls()[0].access_key_id == "LTAI5tUNKNOWN"


def test_tampered_query_then_replayed_nonce(dataworks_emulator: DataWorksEmulator, signed: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance()
    request = signed(dataworks_emulator, "GetWorkflowInstance", query={"Id": str(instance_id)})
    tampered = request.send(url=request.url.replace(str(instance_id), str(instance_id + 1)))
    assert (tampered.status_code, tampered.json()["Code"]) == (400, "SignatureDoesNotMatch")
    assert tampered.headers["x-acs-request-id"] == tampered.json()["RequestId"]
    assert tampered.headers["Content-Type"] == "application/json;charset=utf-8"
    assert set(tampered.json()) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert request.send().status_code == 200
    replay = request.send()
    assert (replay.status_code, replay.json()["Code"]) == (400, "SignatureNonceUsed")


def test_tampered_body_is_rejected(dataworks_emulator: DataWorksEmulator, signed: Any) -> None:
    instance_id = dataworks_emulator.add_workflow_instance(statuses=("Running",))
    request = signed(dataworks_emulator, "StopWorkflowInstances", method="POST", form={"Ids": f"[{instance_id}]"})
    other_body = request.body.replace(str(instance_id).encode(), b"999")
    same_headers = request.send(data=other_body)
    assert (same_headers.status_code, same_headers.json()["Code"]) == (400, "SignatureDoesNotMatch")
    rehashed = request.send(
        data=other_body, headers={**request.headers, "x-acs-content-sha256": sha256_hex(other_body)}
    )
    assert (rehashed.status_code, rehashed.json()["Code"]) == (400, "SignatureDoesNotMatch")
    assert not dataworks_emulator.is_stopped(instance_id)
    assert request.send().json()["SuccessInfo"][str(instance_id)]["Success"] is True


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"date": datetime.now(UTC) - timedelta(minutes=20)}, 400, "InvalidTimeStamp.Expired"),
        ({"date": datetime.now(UTC) + timedelta(minutes=20)}, 400, "InvalidTimeStamp.Expired"),
        ({"omit": ("x-acs-date",)}, 400, "InvalidTimeStamp.Format"),
        ({"extra_headers": {"x-acs-date": "2026-11-28 04:49:08"}}, 400, "InvalidTimeStamp.Format"),
        ({"omit": ("x-acs-signature-nonce",)}, 400, "IncompleteSignature"),
        ({"extra_headers": {"x-acs-version": "2020-05-18"}}, 400, "InvalidVersion"),
        ({"secret": "wrong"}, 400, "SignatureDoesNotMatch"),
        ({"access_key_id": "LTAI5tNOBODY"}, 404, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_bad_requests_are_rejected(
    dataworks_emulator: DataWorksEmulator, signed: Any, changes: dict[str, Any], status: int, code: str
) -> None:
    response = signed(dataworks_emulator, "ListProjects", **changes).send()
    assert (response.status_code, response.json()["Code"]) == (status, code)
    assert dataworks_emulator.calls()[0].code == code


def test_unknown_action_and_missing_authorization(dataworks_emulator: DataWorksEmulator, signed: Any) -> None:
    unknown = signed(dataworks_emulator, "DeleteEverything").send()
    assert (unknown.status_code, unknown.json()["Code"]) == (404, "InvalidApi.NotFound")
    request = signed(dataworks_emulator, "ListProjects")
    headers = {k: v for k, v in request.headers.items() if k != "Authorization"}
    anonymous = request.send(headers=headers)
    assert (anonymous.status_code, anonymous.json()["Code"]) == (400, "IncompleteSignature")
    assert dataworks_emulator.calls()[1].access_key_id is None


def test_sts_credentials(dataworks_emulator: DataWorksEmulator, make_client: Any) -> None:
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_tea_openapi.exceptions import ClientException

    sts = {
        "access_key_id": dataworks_emulator.sts_access_key_id,
        "access_key_secret": dataworks_emulator.sts_access_key_secret,
    }
    request = models.ListProjectsRequest()
    good = make_client(dataworks_emulator, security_token=dataworks_emulator.security_token, **sts)
    assert good.list_projects(request).status_code == 200
    assert asyncio.run(good.list_projects_async(request)).status_code == 200
    for token in ("wrong-token", None):
        with pytest.raises(ClientException) as excinfo:
            make_client(dataworks_emulator, security_token=token, **sts).list_projects(request)
        assert (excinfo.value.status_code, excinfo.value.code) == (400, "InvalidSecurityToken.Malformed")
