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


def create_scan_run(
    client: Any, models: Any, scan_id: int = 301, trigger_time: str = "1775812636000", **fields: Any
) -> int:
    """Start a run of a data-quality scan in workspace 100 with ``triggerTime`` over the SDK and return its Id."""
    request = models.CreateDataQualityScanRunRequest(
        data_quality_scan_id=scan_id,
        project_id=100,
        parameters=[models.CreateDataQualityScanRunRequestParameters(name="triggerTime", value=trigger_time)],
        **fields,
    )
    return int(client.create_data_quality_scan_run(request).body.id)
