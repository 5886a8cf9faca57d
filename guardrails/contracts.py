"""The gate's wire formats: the tool-call request it judges and the decision it returns (see shared CONTRACTS.md)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Provenance = Literal["system", "user", "model", "document"]
DecisionKind = Literal["allow", "deny", "require_approval"]


class Principal(BaseModel):
    """Who asks: an agent, or a staff member acting directly."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=32)
    on_behalf_of: str | None = None


class RunRef(BaseModel):
    """The run and step a call belongs to: the source of its idempotency key."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    graph: str = Field(default="", max_length=200)
    step: int = Field(default=0, ge=0)
    call: int = Field(default=0, ge=0, description="index of the call within the step")


class ToolCallRequest(BaseModel):
    """One tool call as the gate receives it."""

    model_config = ConfigDict(extra="forbid")
    tool: str = Field(min_length=1, max_length=200)
    args: dict[str, Any]
    principal: Principal
    run: RunRef
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    approval_id: str | None = Field(default=None, pattern=r"^apr-[0-9a-f]{12}$",
                                    description="an approved approval this call claims (its id, nothing else)")

    def idempotency_key(self) -> str:
        """Stable across retries and redeliveries of the same call: run, step and call index."""
        return f"{self.run.id}:{self.run.step}:{self.run.call}:{self.tool}"

    def provenance_of(self, arg: str) -> Provenance:
        """Where an argument came from; missing means the model said it."""
        return self.provenance.get(arg, "model")


class RedactionRecord(BaseModel):
    """One PII entity the gate replaced, by location only (never the value)."""

    path: str
    type: str


class ApprovalRef(BaseModel):
    """What a `require_approval` decision asks for."""

    id: str | None = None
    role: str
    reason: str = ""


class PolicyRef(BaseModel):
    engine: str
    bundle: str


class Decision(BaseModel):
    """The gate's answer to a request."""

    decision: DecisionKind
    reasons: list[str] = Field(default_factory=list)
    args: dict[str, Any] = Field(default_factory=dict)
    redactions: list[RedactionRecord] = Field(default_factory=list)
    approval: ApprovalRef | None = None
    policy: PolicyRef | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"
