"""Fixtures shared by the unit tests of the provider's pure decision logic (no network, no database)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_task_instance import FakeTaskInstance

#: Credentials of the env-var connection; long enough for Airflow's secrets masker to register them.
ACCESS_KEY_ID = "LTAI5tUnitTestKeyId"
ACCESS_KEY_SECRET = "UnitTestSecret-DoNotLeak-9f3b"
REGION = "cn-shanghai"
PROJECT_ID = 4242


@pytest.fixture
def dataworks_conn(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`dataworks_default` as an Airflow env-var connection (AccessKey auth, workspace 4242)."""
    conn = {
        "conn_type": "dataworks",
        "login": ACCESS_KEY_ID,
        "password": ACCESS_KEY_SECRET,
        "extra": {"region_id": REGION, "project_id": str(PROJECT_ID)},
    }
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", json.dumps(conn))
    return conn


@pytest.fixture
def ti() -> FakeTaskInstance:
    return FakeTaskInstance()


@pytest.fixture
def context(ti: FakeTaskInstance) -> dict[str, Any]:
    """The smallest task context the sensor needs: a task instance that records XCom pushes."""
    return {"ti": ti}
