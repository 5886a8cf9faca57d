"""The capacity metrics event as the monitoring system publishes it, validated before anything enters graph state."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Held(BaseModel):
    """A reservation the capacity system reports this service as holding."""

    model_config = ConfigDict(extra="ignore")
    reservation_id: str = Field(pattern=r"^RES-[A-Z0-9-]{4,60}$")
    quantity: int = Field(ge=1, le=256)


class CapacityMetrics(BaseModel):
    """`events.capacity.metrics`: one service's recent hourly load, its capacity now and what it holds."""

    model_config = ConfigDict(extra="ignore")
    metrics_id: str = Field(pattern=r"^CAP-[A-Z0-9-]{1,40}$")
    service: str = Field(pattern=r"^[a-z][a-z0-9-]{1,40}$")
    resource: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    observed_at: datetime
    series_end_at: datetime | None = None
    """When the last point of `load` was measured (None: no series)."""
    load: list[float] = Field(default_factory=list, max_length=24 * 14)
    """Requests per second per hourly window, oldest first."""
    current_load: float = Field(ge=0, le=1e9)
    base_units: int = Field(ge=0, le=100_000)
    """Units running outside any reservation."""
    unit_capacity: float = Field(gt=0, le=1e9)
    """Requests per second one unit serves at 100% utilisation."""
    target_utilisation: float = Field(default=0.7, gt=0.1, le=0.95)
    held: list[Held] = Field(default_factory=list, max_length=64)

    @model_validator(mode="after")
    def _sane(self) -> "CapacityMetrics":
        if any(not (0 <= v < 1e9) for v in self.load):
            raise ValueError("load must be non-negative rates")
        return self


def prepare_metrics(run_id: str, payload: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    """Validate the metrics. They carry no personal data, so there is nothing to tokenize."""
    event = CapacityMetrics.model_validate({k: v for k, v in payload.items() if not k.startswith("_")})
    return {"run_id": run_id, "metrics": event.model_dump(mode="json"), "reasons": [], "calls": []}
