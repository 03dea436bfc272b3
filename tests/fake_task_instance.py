"""The slice of an Airflow task instance the provider's tasks use, for tests that call `execute` directly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeTaskInstance:
    """Identity, try number (and `max_tries`, to tell a retry from the first try after a clear) and an in-memory
    XCom store."""

    dag_id: str = "dag"
    task_id: str = "run"
    run_id: str = "manual__2026-11-27"
    try_number: int = 1
    max_tries: int | None = None
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(self, key: str = "return_value", **_: Any) -> Any:
        return self.xcoms.get(key)


class FakeTaskStateStore:
    """Airflow 3.3's task state store (`context["task_state_store"]`) in memory: JSON values, `None` refused."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.writes = 0

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        if value is None:
            raise ValueError("Cannot set value as None")
        self.values[key] = json.dumps(value)
        self.writes += 1

    def delete(self, key: str) -> None:
        self.values.pop(key, None)

    def clear(self) -> None:
        self.values.clear()
