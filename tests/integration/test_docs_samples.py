"""The docs' Python samples that are not DAGs, run for real: the connection, the hook, the emulator's Python API.

Each sample lies between `# [START howto_...]` and `# [END howto_...]`; docs/*.md include it verbatim
(scripts/sync_doc_samples.py keeps them equal, tests/unit/test_docs.py checks), so what the docs show is what runs.
"""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def examples_world(monkeypatch):
    """The emulator's bundled `examples` world, the default connection pointing at it."""
    from dataworks_emulator import DataWorksEmulator

    with DataWorksEmulator("examples") as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", emulator.connection_json())
        yield emulator


def test_connection_sample(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", "")  # restored after the test, whatever the sample sets
    # [START howto_connection_test]
    import json
    import os

    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
    from dataworks_emulator import DataWorksEmulator

    with DataWorksEmulator("examples") as emulator:  # a local DataWorks, with its credentials
        os.environ["AIRFLOW_CONN_DATAWORKS_DEFAULT"] = json.dumps(
            {
                "conn_type": "dataworks",
                "host": emulator.endpoint,  # leave out for DataWorks itself: region_id names its endpoint
                "login": emulator.access_key_id,
                "password": emulator.access_key_secret,
                "extra": {"region_id": "cn-hangzhou", "protocol": "http", "project_id": 100, "env_type": "Prod"},
            }
        )
        ok, message = DataWorksHook().test_connection()  # one ListProjects call
        print(ok, message)  # True Connected to DataWorks (127.0.0.1:...); 1 workspace(s) visible.
    # [END howto_connection_test]
    assert ok, message
    assert [call.action for call in emulator.calls()] == ["ListProjects"]


def test_hook_sample(examples_world, capsys):
    # [START howto_hook_get_workflow_instance]
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    hook = DataWorksHook()  # dataworks_conn_id="dataworks_default"
    instance = hook.get_workflow_instance(1001)  # the WorkflowInstance dict, with the API's field names
    print(instance["Id"], instance["Name"], instance["Status"], instance["BizDate"])
    nodes = hook.list_task_instances(biz_date=instance["BizDate"], workflow_instance_id=instance["Id"])  # all pages
    print([(node["TaskName"], node["Status"]) for node in nodes])
    # [END howto_hook_get_workflow_instance]
    assert (instance["Id"], instance["Status"]) == (1001, "Success")
    assert [(node["TaskName"], node["Status"]) for node in nodes] == [("ods_orders", "Success")]
    assert "1001 ods_orders_daily Success" in capsys.readouterr().out


def test_async_hook_sample(examples_world):
    # [START howto_hook_aget_workflow_instance]
    from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

    async def status_of(instance_id: int) -> str:
        """In a trigger: the awaitable twin, its SDK call in the provider's thread pool, its backoff awaited."""
        instance = await DataWorksHook().aget_workflow_instance(instance_id)
        return instance["Status"]

    # [END howto_hook_aget_workflow_instance]
    assert asyncio.run(status_of(1001)) == "Success"


def test_emulator_python_sample(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAWORKS_DEFAULT", "")  # restored after the test, whatever the sample sets
    # [START howto_emulator_python]
    import os

    from dataworks_emulator import DataWorksEmulator

    with DataWorksEmulator() as dw:  # an empty world; timezone="Asia/Shanghai" by default
        dw.add_scheduled_workflow(501, "sales_daily", at="00:30", biz_dates=["2025-01-15"])  # due 2025-01-16 00:30
        dw.set_clock("2025-01-16T00:31:00+08:00")
        dw.add_workflow(id=502, name="manual", statuses=["Running", "Success"], tasks=[{"name": "load"}])
        dw.inject_fault("GetWorkflowInstance", "throttle", times=2)
        os.environ["AIRFLOW_CONN_DATAWORKS_DEFAULT"] = dw.connection_json()
        ...  # dag.test(); then e.g. len(dw.calls("GetWorkflowInstance")), dw.advance_clock(60)
        # [END howto_emulator_python]
        from airflow_provider_dataworks.hooks.dataworks import DataWorksHook

        (scheduled,) = DataWorksHook().list_workflow_instances(biz_date="2025-01-15", workflow_id=501)
        assert scheduled["Status"] in ("Running", "Success")  # its scheduling time, 00:30, has passed
        assert DataWorksHook(retry_delay=0.01).get_workflow_instance(scheduled["Id"])["Id"] == scheduled["Id"]
        assert [c.fault for c in dw.calls("GetWorkflowInstance")][:2] == ["throttle", "throttle"]
