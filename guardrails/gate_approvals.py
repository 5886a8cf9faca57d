"""The gate's side of human approvals: what a call's approval grants, and what an approver is shown.

An approval counts for a call only if it is for the same run, tool, argument hash and idempotency key, is
approved, unexpired and not spent on another call; the role it grants is the one the approver held when
deciding (guardrails/approvals.py checks that against the role asked for), never the one asked.
"""
from __future__ import annotations

from typing import Any

from guardrails.approvals import Approval, ApprovalError, ApprovalStore, args_hash
from guardrails.contracts import Decision, Principal, ToolCallRequest
from guardrails.gate_store import GateStore
from guardrails.money import Money


def _refused(error: str) -> dict[str, Any]:
    return {"granted": False, "role": None, "error": error}


def approval_input(approvals: ApprovalStore, request: ToolCallRequest, args: dict[str, Any],
                   key: str) -> dict[str, Any] | None:
    """The policy's `input.approval` for a call that claims an approval (None when it claims none)."""
    if not request.approval_id:
        return None
    try:
        approval = approvals.get(request.approval_id)
    except ApprovalError as exc:
        return _refused(str(exc))
    if approval.run_id != request.run.id or approval.tool != request.tool:
        return _refused("approval belongs to another run or tool")
    if approval.args_hash != args_hash(request.tool, args):
        return _refused("arguments changed since they were approved")
    if approval.idempotency_key and approval.idempotency_key != key:
        return _refused("approval was given for another call")
    if approval.status != "approved":
        return _refused(f"approval is {approval.status}")
    if approval.used_key not in (None, key):
        return _refused("approval was already used by another call")
    return {"granted": True, "role": approval.decided_role, "by": approval.decided_by}


def open_approval(approvals: ApprovalStore, store: GateStore, *, request: ToolCallRequest, decision: Decision,
                  real_args: dict[str, Any], redacted_args: dict[str, Any], money: dict[str, Any] | None, key: str,
                  requester: Principal, context: dict[str, Any]) -> Approval:
    """Record what a `require_approval` decision asks for, bound to this exact call."""
    return approvals.create(run_id=request.run.id, graph=request.run.graph, tool=request.tool,
                            role=decision.approval.role if decision.approval else "admin",
                            reason="; ".join(r for r in decision.reasons if r)[:1000],
                            redacted_args=redacted_args, hash_=args_hash(request.tool, real_args),
                            policy_bundle=decision.policy.bundle if decision.policy else "",
                            idempotency_key=key, requested_by=requester.id,
                            facts=approval_facts(store, request, real_args, money, key, context))


def approval_facts(store: GateStore, request: ToolCallRequest, args: dict[str, Any], money: dict[str, Any] | None,
                   key: str, context: dict[str, Any]) -> dict[str, Any]:
    """What an approver needs to decide, without raw values: does the payee match the account on file, where did
    each argument come from, the amount and what the claim was already paid."""
    out: dict[str, Any] = {"provenance": {k: request.provenance_of(k) for k in args}}
    if request.tool == "purchasing.order" and money and isinstance(args.get("quantity"), int):
        total = Money(**{**money, "amount_minor": money["amount_minor"] * args["quantity"]})
        supplier, day = store.spend_today(str(args.get("supplier_id")), money["currency"], excluding=key)
        spent = {"supplier_today": supplier, "all_suppliers_today": day}
        return out | {"order_total": total.format(), "unit_price": Money(**money).format(),
                      "spent_minor": spent}
    if request.tool != "payments.issue":
        return out
    claim = context.get("claim") or {}
    on_file = claim.get("payee_account_on_file")
    out["payee_matches_account_on_file"] = on_file is not None and args.get("payee_account") == on_file
    claim_id = str(args.get("claim_id"))
    if money:
        out["amount"] = Money(**money).format()
        out["claim_already_paid_minor"] = store.claim_paid_minor(claim_id, money["currency"], excluding=key)
    out["fraud_band"] = store.fraud_band(claim_id)
    if claim.get("amount_claimed") is not None:
        out["amount_claimed_on_record"] = f"{claim.get('amount_claimed')} {claim.get('currency') or ''}".strip()
    return out
