"""The human-approval step every graph shares: remember what the gate asked for, wait for the answer in
`interrupt()` (the run is checkpointed there), and call again with the granted approval.

A graph keeps one `pending` dict in its state: {kind, approval_id, role, reasons} while it waits, plus
`approved: True` once someone said yes; the repeated call carries that approval id, which the gate spends once.
"""
from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from graphs.ports import ToolOutcome


def granted(state: dict[str, Any]) -> str | None:
    """The approval id to call with: set only after a person approved."""
    pending = state.get("pending") or {}
    return pending.get("approval_id") if pending.get("approved") else None


def opened(outcome: ToolOutcome, kind: str, approval_id: str | None) -> dict[str, Any] | None:
    """The `pending` to wait on when the gate answered require_approval to a call that carried no approval yet."""
    if outcome.decision != "require_approval" or approval_id:
        return None
    return {"kind": kind, "approval_id": outcome.approval_id, "role": outcome.approval_role, "reasons": outcome.reasons}


def waiting(state: dict[str, Any]) -> bool:
    """True while an approval is asked for and not yet granted."""
    pending = state.get("pending") or {}
    return bool(pending.get("approval_id")) and not pending.get("approved")


def await_answer(state: dict[str, Any]) -> tuple[bool, str]:
    """Wait (checkpointed) for the answer to `state["pending"]`; (approved, who answered)."""
    answer = interrupt(state["pending"])
    if isinstance(answer, dict) and answer.get("approved"):
        return True, str(answer.get("by", "unknown"))
    return False, str(answer.get("by", "unknown")) if isinstance(answer, dict) else "unknown"
