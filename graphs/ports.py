"""What a graph needs from the outside world, as interfaces: a way to call tools (through the gate) and a model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from guardrails.contracts import Provenance
from serving.model import Model


class ToolOutcome(BaseModel):
    """The gate's verdict on one call and, when it ran, the (redacted) result."""

    tool: str
    decision: Literal["allow", "deny", "require_approval", "pending"]
    """`pending`: the gate did not answer in time, so the call may still take effect; retrying the same call (same
    run, step and call: the same idempotency key) learns what happened without doing it twice."""
    reasons: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    approval_id: str | None = None
    approval_role: str | None = None
    redactions: int = 0

    @property
    def ok(self) -> bool:
        return self.decision == "allow" and self.error is None and self.result is not None


class ToolGateway(Protocol):
    """Graphs reach tools only through this: in production it is a request on `gate.<tool>`."""

    async def call(self, tool: str, args: dict[str, Any], *, run_id: str, graph: str, step: int, call: int = 0,
                   provenance: dict[str, Provenance] | None = None, context: dict[str, Any] | None = None,
                   approval_id: str | None = None) -> ToolOutcome: ...


@dataclass
class GraphDeps:
    """Everything a graph's nodes use; handed in when the graph is built, never imported."""

    tools: ToolGateway
    model: Model
