"""The slice of an Airflow task instance the provider's tasks use, for tests that call `execute` directly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeTaskInstance:
    """Identity, try number and an in-memory XCom store."""

    dag_id: str = "dag"
    task_id: str = "run"
    run_id: str = "manual__2026-11-27"
    try_number: int = 1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(self, key: str = "return_value", **_: Any) -> Any:
        return self.xcoms.get(key)
