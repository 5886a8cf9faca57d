"""Pydantic argument and result schemas for every tool: the gate validates against these before policy runs."""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolArgs(BaseModel):
    """Base for tool arguments: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class FraudRiskArgs(ToolArgs):
    claim_id: str = Field(max_length=64)
    claim_type: Literal["auto", "home", "health", "travel"]
    amount: float = Field(ge=0, le=10_000_000)
    days_since_policy_start: int = Field(ge=0, le=36500)
    prior_claims: int = Field(ge=0, le=1000)
    days_to_report: int = Field(ge=0, le=3650)
    has_police_report: bool = False
    has_receipts: bool = False
    payee_matches_record: bool = True


class FraudFactor(BaseModel):
    feature: str
    contribution: float


class FraudRiskResult(BaseModel):
    score: float = Field(ge=0, le=1)
    band: Literal["low", "medium", "high"]
    top_factors: list[FraudFactor]
    model_version: str


class PaymentArgs(ToolArgs):
    claim_id: str = Field(max_length=64)
    amount: float
    currency: str = Field(min_length=3, max_length=3)
    payee_account: str = Field(max_length=64)


class PaymentResult(BaseModel):
    payment_id: str
    status: Literal["paid", "duplicate"]
    amount: float
    currency: str


class NotificationArgs(ToolArgs):
    channel: Literal["email", "sms", "webhook", "staff"]
    to: str = Field(max_length=320)
    subject: str = Field(default="", max_length=200)
    body: str = Field(max_length=4000)


class NotificationResult(BaseModel):
    message_id: str
    status: Literal["queued", "duplicate"]


class ProvisionReserveArgs(ToolArgs):
    resource: str = Field(max_length=64)
    quantity: int
    reason: str = Field(default="", max_length=1000)
    reservation_id: str | None = Field(default=None, pattern=r"^RES-[A-Z0-9-]{4,60}$")
    """Optional: the caller's id for the reservation, which makes it once per id (the tool's business key)."""


class ProvisionReleaseArgs(ToolArgs):
    reservation_id: str = Field(max_length=64)


class ReservationResult(BaseModel):
    reservation_id: str
    status: Literal["reserved", "released", "duplicate"]
    resource: str
    quantity: int


class TicketUpdateArgs(ToolArgs):
    ticket_id: str = Field(max_length=64)
    status: Literal["open", "pending", "resolved", "closed"]
    comment: str = Field(default="", max_length=4000)


class TicketUpdateResult(BaseModel):
    ticket_id: str
    status: Literal["updated", "duplicate"]
    ticket_status: Literal["open", "pending", "resolved", "closed"]


class LeadPropensityArgs(ToolArgs):
    lead_id: str = Field(max_length=64)
    features: dict[str, float] = Field(default_factory=dict)


class LeadPropensityResult(BaseModel):
    lead_id: str
    score: float = Field(ge=0.0, le=1.0)
    band: Literal["low", "medium", "high"]
    model: str


class DemandForecastArgs(ToolArgs):
    sku: str = Field(max_length=64)
    history: list[float] = Field(default_factory=list, max_length=1000)
    horizon: int = Field(default=7, ge=1, le=90)
    promo_days: list[bool] = Field(default_factory=list, max_length=90)
    """Which of the next `horizon` days have a promotion planned (missing days: none)."""


class DemandForecastResult(BaseModel):
    sku: str
    forecast: list[float]
    """Expected units per day, day 1 first."""
    total: float
    daily_error_sd: float = Field(ge=0)
    """Standard deviation of one day's forecast error, in units (for safety stock)."""
    model: str


class PurchaseOrderArgs(ToolArgs):
    order_id: str = Field(pattern=r"^PO-[A-Za-z0-9-]{1,60}$")
    sku: str = Field(max_length=64)
    supplier_id: str = Field(max_length=64)
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: Decimal = Field(gt=0, max_digits=18, decimal_places=4)
    currency: str = Field(min_length=3, max_length=3)


class PurchaseOrderResult(BaseModel):
    order_id: str
    status: Literal["placed", "duplicate"]
    sku: str
    supplier_id: str
    quantity: int
    total: str
    """quantity x unit_price, exact, as a decimal string."""
    currency: str


class DiscountOfferArgs(ToolArgs):
    lead_id: str = Field(pattern=r"^LEAD-[0-9A-Za-z-]{1,40}$")
    percent: int = Field(ge=1, le=100)
    reason: str = Field(default="", max_length=500)


class DiscountOfferResult(BaseModel):
    offer_id: str
    lead_id: str
    percent: int
    status: Literal["offered", "duplicate"]


class DocumentSearchArgs(ToolArgs):
    query: str = Field(max_length=1000)
    top_k: int = Field(default=3, ge=1, le=20)


TOOL_ARGS: dict[str, type[ToolArgs]] = {
    "scoring.fraud_risk": FraudRiskArgs,
    "scoring.lead_propensity": LeadPropensityArgs,
    "scoring.demand_forecast": DemandForecastArgs,
    "documents.search": DocumentSearchArgs,
    "payments.issue": PaymentArgs,
    "notifications.send": NotificationArgs,
    "provisioning.reserve": ProvisionReserveArgs,
    "provisioning.release": ProvisionReleaseArgs,
    "tickets.update": TicketUpdateArgs,
    "purchasing.order": PurchaseOrderArgs,
    "offers.discount": DiscountOfferArgs,
}
"""Every tool the gate knows; anything else is denied as unknown."""

BUSINESS_KEYS: dict[str, str] = {"payments.issue": "claim_id", "purchasing.order": "order_id",
                                 "provisioning.reserve": "reservation_id", "offers.discount": "lead_id"}
"""Effects that happen at most once per business object, whatever the graph, run or event asking: the gate makes
the idempotency key `<tool>:<value of that argument>`, so a resubmitted claim is never paid twice. A property of
the tool (its argument names the object), not of a graph."""

MONEY_ARGS: dict[str, tuple[str, str]] = {"payments.issue": ("amount", "currency"),
                                         "purchasing.order": ("unit_price", "currency")}
"""Tool -> (amount argument, currency argument): the gate reads that amount exactly (guardrails/money.py) and hands
the policy `input.money` in minor units."""

READ_ONLY_TOOLS = frozenset({"scoring.fraud_risk", "scoring.lead_propensity", "scoring.demand_forecast", "documents.search"})
