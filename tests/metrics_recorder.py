"""A stand-in for Airflow's `Stats` sink that keeps what the provider sends, for tests of the metrics it emits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import timedelta


@dataclass
class RecordedMetric:
    """One metric the provider sent: counter or timer, its name, value and tags."""

    type: str
    name: str
    value: Any
    tags: dict[str, str] = field(default_factory=dict)


class StatsRecorder:
    """Records `incr` and `timing` calls, with the signatures Airflow's Stats has on both lines."""

    def __init__(self) -> None:
        self.metrics: list[RecordedMetric] = []

    def incr(self, stat: str, count: int = 1, rate: float = 1, *, tags: dict[str, str] | None = None) -> None:
        self.metrics.append(RecordedMetric("counter", stat, count, dict(tags or {})))

    def timing(self, stat: str, dt: timedelta | float, *, tags: dict[str, str] | None = None) -> None:
        self.metrics.append(RecordedMetric("timer", stat, dt, dict(tags or {})))

    def tagged(self, name: str) -> list[RecordedMetric]:
        """The metrics sent under the bare (tagged) `name`."""
        return [m for m in self.metrics if m.name == name and m.tags]

    def names(self) -> list[str]:
        return [m.name for m in self.metrics]
