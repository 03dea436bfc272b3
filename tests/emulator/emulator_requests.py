"""Requests the emulator tests send over the real SDK."""

from __future__ import annotations

from typing import Any


def create_run(client: Any, models: Any, name: str = "airflow-run", type: str = "ManualWorkflow", **fields: Any) -> str:
    """Start a run of workflow 5 in workspace 100 for 2025-01-01 over the SDK and return its OperationId."""
    request = models.CreateWorkflowInstancesRequest(
        name=name,
        project_id=100,
        type=type,
        workflow_id=5,
        periods=models.CreateWorkflowInstancesRequestPeriods(
            biz_dates=[
                models.CreateWorkflowInstancesRequestPeriodsBizDates(
                    start_biz_date="2025-01-01", end_biz_date="2025-01-01"
                )
            ]
        ),
        **fields,
    )
    return str(client.create_workflow_instances(request).body.operation_id)
