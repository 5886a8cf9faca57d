"""The inventory snapshot as the warehouse system publishes it, validated before anything enters graph state."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_COVER_DAYS = 28
"""Lead time plus review period: what the forecaster is asked for, at most (tools/demand_model.MAX_HORIZON)."""


class InventorySnapshot(BaseModel):
    """`events.inventory.snapshot`: one SKU's stock, its supplier terms on file and its recent daily sales."""

    model_config = ConfigDict(extra="ignore")
    snapshot_id: str = Field(pattern=r"^INV-[0-9A-Za-z-]{1,40}$")
    sku: str = Field(pattern=r"^SKU-[0-9A-Za-z-]{1,40}$")
    supplier_id: str = Field(pattern=r"^SUP-[0-9A-Za-z-]{1,40}$")
    on_hand: int = Field(ge=0, le=10_000_000)
    on_order: int = Field(default=0, ge=0, le=10_000_000)
    lead_time_days: int = Field(ge=1, le=21)
    review_days: int = Field(default=7, ge=1, le=14)
    service_level: float = Field(default=0.95, ge=0.5, le=0.999)
    pack_size: int = Field(default=1, ge=1, le=10_000)
    unit_price: str = Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,4})?$")
    """The contract price on file, as exact decimal text (never a float)."""
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    sales: list[float] = Field(min_length=7, max_length=400)
    """Units sold per day, oldest first, ending yesterday."""
    promo_days: list[bool] = Field(default_factory=list, max_length=MAX_COVER_DAYS)
    """Promotions planned for the coming days, tomorrow first."""

    @model_validator(mode="after")
    def _cover_fits(self) -> "InventorySnapshot":
        if self.lead_time_days + self.review_days > MAX_COVER_DAYS:
            raise ValueError(f"lead_time_days + review_days must be at most {MAX_COVER_DAYS}")
        if any(not (0 <= v < 1e9) for v in self.sales):
            raise ValueError("sales must be non-negative unit counts")
        return self


def prepare_snapshot(run_id: str, payload: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    """Validate the snapshot. It carries no personal data, so there is nothing to tokenize."""
    event = InventorySnapshot.model_validate({k: v for k, v in payload.items() if not k.startswith("_")})
    return {"run_id": run_id, "snapshot": event.model_dump(), "reasons": [], "calls": []}
