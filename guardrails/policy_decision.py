"""The decision document a policy engine returns, and the strict parsing every engine applies to it.

`data.warden.decision` is `allow`, `deny` or `require_approval` with its reasons, approval role and the arguments
to reveal; an engine's answer that is anything else (duplicate keys, unknown fields, wrong types, fields that
disagree with the decision) is a PolicyError, so the gate denies.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DECISION_ENTRYPOINT = "warden/decision"
"""The rule every engine evaluates: `data.warden.decision`."""

REVEAL_FACTS_ENTRYPOINT = "warden/reveal_facts"
"""The record facts an allowed call may receive in clear, for a pack whose manifest names this entrypoint."""


class PolicyResult(BaseModel):
    """The policy's answer for one call (the gate turns it into a `Decision`)."""

    decision: Literal["allow", "deny", "require_approval"]
    reasons: list[str] = Field(default_factory=list)
    approval_role: str | None = None
    reveal: list[str] = Field(default_factory=list)
    reveal_facts: list[str] = Field(default_factory=list, description="record facts the tool may receive in clear "
                                    "inside text arguments (e.g. the claimant's name to the claimant)")


class PolicyError(RuntimeError):
    """The policy could not be compiled or evaluated: the gate fails closed on it."""


class _DecisionDocument(BaseModel):
    """`data.warden.decision` exactly as decision.rego writes it: every field, the right types, nothing else."""

    model_config = ConfigDict(strict=True, extra="forbid")

    decision: Literal["allow", "deny", "require_approval"]
    reasons: list[str]
    approval_role: str | None
    reveal: list[str]


def parse_decision(value: Any, *, reveal_allowed: list[str] | None = None) -> PolicyResult:
    """Validates the decision document an engine returned; anything else is a policy error (and so a deny).

    Strict: every field present with its own type (no coercion), no unknown field, and the fields agree with the
    decision (an allow has no reasons, a require_approval names a role, a deny reveals nothing). With
    `reveal_allowed`, the arguments to reveal must be among the tool's `reveal` in data.json: a rule cannot put
    an argument in clear that the data does not list."""
    if not isinstance(value, dict):
        raise PolicyError(f"policy returned no decision document (got {type(value).__name__})")
    try:
        doc = _DecisionDocument.model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "decision"
        raise PolicyError(f"policy returned a malformed decision: {where}: {err.get('msg')}") from exc
    if doc.decision == "allow" and (doc.reasons or doc.approval_role is not None):
        raise PolicyError("policy returned a malformed decision: an allow with reasons or an approval role")
    if doc.decision == "deny" and (not doc.reasons or doc.approval_role is not None or doc.reveal):
        raise PolicyError("policy returned a malformed decision: a deny without reasons, or with a role or reveal")
    if doc.decision == "require_approval" and (not doc.reasons or not doc.approval_role):
        raise PolicyError("policy returned a malformed decision: an approval without reasons or a role")
    if reveal_allowed is not None and not set(doc.reveal) <= set(reveal_allowed):
        raise PolicyError("policy returned a malformed decision: it reveals an argument data.json does not list")
    return PolicyResult(decision=doc.decision, reasons=doc.reasons, approval_role=doc.approval_role, reveal=doc.reveal)
