"""Claims triage: intake, extraction, fraud score, decision, then pay or escalate to an adjuster.

Reads like the process a claims manager would draw. Every effect goes through `deps.tools` (the gate);
the graph proposes, the gate decides. State holds only redacted text and vault tokens.
"""
from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from graphs.claims.extraction import extract_fields
from graphs.ports import GraphDeps, ToolOutcome
from tools.fraud.features import RecordIncomplete, features_from_record

GRAPH = "claims_triage"
STEP_SCORE, STEP_PAY, STEP_NOTIFY_STAFF, STEP_NOTIFY_CLAIMANT = 2, 4, 5, 6
STAFF_QUEUE = "claims-adjusters"


class ToolCallLog(TypedDict):
    tool: str
    decision: str
    reasons: list[str]


class ClaimState(TypedDict, total=False):
    run_id: str
    claim: dict[str, Any]          # the claim record, PII replaced by vault tokens
    document: str                  # the claimant's document, redacted
    intake_redactions: int
    fields: dict[str, Any]
    field_sources: dict[str, str]
    fraud: dict[str, Any]
    route: Literal["pay", "deny"]
    payment: dict[str, Any]
    pending: dict[str, Any]        # what an interrupt waits on
    decision: str                  # paid | rejected | denied_by_adjuster | escalated | awaiting_approval
    reasons: Annotated[list[str], operator.add]
    calls: Annotated[list[ToolCallLog], operator.add]


def _log(outcome: ToolOutcome) -> ToolCallLog:
    return {"tool": outcome.tool, "decision": outcome.decision, "reasons": outcome.reasons}


def _context(state: ClaimState) -> dict[str, Any]:
    """Trusted facts for policy, from the claim record (tokens; the gate resolves them)."""
    claim = state["claim"]
    return {"claim": {"claim_id": claim["claim_id"], "payee_account_on_file": claim.get("payee_account_on_file"),
                      "claimant_email": claim.get("claimant", {}).get("email"),
                      "claimant_phone": claim.get("claimant", {}).get("phone")}}


def build_claims_graph(deps: GraphDeps) -> StateGraph:
    """The workflow; compile it with a checkpointer to run it."""

    async def intake(state: ClaimState) -> dict[str, Any]:
        claim = state["claim"]
        missing = [k for k in ("claim_id", "claim_type", "payee_account_on_file") if not claim.get(k)]
        if missing:
            return {"route": "deny", "decision": "rejected", "reasons": [f"claim record lacks {', '.join(missing)}"]}
        return {}

    async def extract(state: ClaimState) -> dict[str, Any]:
        result = await extract_fields(deps.model, state.get("document", ""), claim_type_hint=state["claim"].get("claim_type"))
        return {"fields": result.fields.model_dump(mode="json"), "field_sources": result.sources}

    async def score(state: ClaimState) -> dict[str, Any]:
        claim, fields = state["claim"], state["fields"]
        # The score reads the claims system's record only: what the document (and a model reading it) says may
        # inform an adjuster, never lower its own risk. The gate refuses features that differ from the record.
        try:
            args = features_from_record(claim)
        except RecordIncomplete as exc:
            return {"fraud": {}, "route": "pay", "reasons": [f"fraud score unavailable: {exc}"]}
        proposed_payee = fields.get("payee_account")
        args["payee_matches_record"] = proposed_payee in (None, claim.get("payee_account_on_file"))  # may only raise risk
        outcome = await deps.tools.call("scoring.fraud_risk", args, run_id=state["run_id"], graph=GRAPH, step=STEP_SCORE,
                                        provenance={k: "system" for k in args})
        if not outcome.ok:  # no score, no automatic money: the gate sends the payment to an adjuster (payments.rego)
            return {"fraud": {}, "route": "pay", "calls": [_log(outcome)],
                    "reasons": ["fraud score unavailable: " + "; ".join(outcome.reasons or [str(outcome.error)])]}
        return {"fraud": outcome.result, "calls": [_log(outcome)]}

    async def decide(state: ClaimState) -> dict[str, Any]:
        if state.get("route"):
            return {}
        band = state["fraud"].get("band")
        if band == "high":
            return {"route": "deny", "decision": "rejected", "reasons": [f"fraud risk high ({state['fraud']['score']:.2f})"]}
        if band == "medium":  # the gate asks an adjuster to approve the payment (payments.rego)
            return {"route": "pay", "reasons": [f"fraud risk medium ({state['fraud']['score']:.2f})"]}
        return {"route": "pay"}

    def _payment_call(state: ClaimState) -> tuple[dict[str, Any], dict[str, str]]:
        claim, fields, sources = state["claim"], state["fields"], state["field_sources"]
        on_file = claim["payee_account_on_file"]
        proposed = fields.get("payee_account")
        # The model may propose a payee (documents carry injected instructions); we pass it on with
        # its provenance and let the gate refuse it. Safety is the gate's, not this line's.
        payee, payee_from = (proposed, "model") if proposed and proposed != on_file else (on_file, "system")
        args = {"claim_id": claim["claim_id"], "amount": round(float(fields.get("amount") or 0.0), 2),
                "currency": fields.get("currency") or "USD", "payee_account": payee}
        amount_from = "model" if sources.get("amount") == "model" else "document"
        return args, {"claim_id": "system", "amount": amount_from, "currency": amount_from, "payee_account": payee_from}

    async def pay(state: ClaimState) -> dict[str, Any]:
        args, provenance = _payment_call(state)
        approval_id = state.get("pending", {}).get("approval_id") if state.get("pending", {}).get("approved") else None
        outcome = await deps.tools.call("payments.issue", args, run_id=state["run_id"], graph=GRAPH, step=STEP_PAY,
                                        provenance=provenance, context=_context(state), approval_id=approval_id)
        update: dict[str, Any] = {"calls": [_log(outcome)]}
        if outcome.ok:
            return update | {"payment": outcome.result, "decision": "paid", "pending": {}}
        if outcome.decision == "require_approval" and not approval_id:
            return update | {"pending": {"kind": "payment_approval", "approval_id": outcome.approval_id,
                                         "role": outcome.approval_role, "reasons": outcome.reasons},
                             "reasons": outcome.reasons}
        if outcome.decision == "pending":  # the gate never answered: the payment may have happened; a person checks
            return update | {"decision": "escalated", "pending": {},
                             "reasons": ["payment outcome unknown: " + "; ".join(outcome.reasons or ["no answer"])]}
        return update | {"decision": "escalated", "pending": {}, "reasons": ["payment refused: " + "; ".join(outcome.reasons or [str(outcome.error)])]}

    async def notify_staff(state: ClaimState) -> dict[str, Any]:
        claim = state["claim"]
        body = (f"Claim {claim['claim_id']} needs an adjuster. Fraud score: {state.get('fraud', {}).get('score', 'n/a')}. "
                f"Reasons: {'; '.join(state.get('reasons', [])) or 'none'}.")
        outcome = await deps.tools.call("notifications.send", {"channel": "staff", "to": STAFF_QUEUE,
                                        "subject": f"Review claim {claim['claim_id']}", "body": body},
                                        run_id=state["run_id"], graph=GRAPH, step=STEP_NOTIFY_STAFF, call=len(state.get("calls", [])),
                                        provenance={"channel": "system", "to": "system", "subject": "system", "body": "system"},
                                        context=_context(state))
        return {"calls": [_log(outcome)]}

    async def await_adjuster(state: ClaimState) -> dict[str, Any]:
        pending = state.get("pending") or {"kind": "review", "role": "adjuster", "reasons": state.get("reasons", [])}
        answer = interrupt(pending)  # the run is checkpointed here until a human answers
        approved = bool(answer.get("approved")) if isinstance(answer, dict) else False
        if not approved:
            return {"decision": "denied_by_adjuster", "route": "deny", "pending": {},
                    "reasons": [f"adjuster declined ({answer.get('by', 'unknown') if isinstance(answer, dict) else 'unknown'})"]}
        return {"route": "pay", "pending": pending | {"approved": True}}

    async def notify_claimant(state: ClaimState) -> dict[str, Any]:
        claim = state["claim"]
        decision = state.get("decision") or "in_review"
        text = {"paid": f"your claim {claim['claim_id']} was approved and paid.",
                "rejected": f"your claim {claim['claim_id']} could not be approved.",
                "denied_by_adjuster": f"your claim {claim['claim_id']} was reviewed and declined.",
                "escalated": f"your claim {claim['claim_id']} is being reviewed by an adjuster."}.get(decision, f"your claim {claim['claim_id']} is in review.")
        fields = state.get("fields", {})
        to = fields.get("contact_email") or claim.get("claimant", {}).get("email")
        outcome = await deps.tools.call(
            "notifications.send",
            {"channel": "email", "to": to, "subject": f"Claim {claim['claim_id']}",
             "body": f"Dear {claim.get('claimant', {}).get('name', 'customer')}, {text}"},
            run_id=state["run_id"], graph=GRAPH, step=STEP_NOTIFY_CLAIMANT,
            provenance={"channel": "system", "to": "model" if fields.get("contact_email") else "system",
                        "subject": "system", "body": "system"}, context=_context(state))
        return {"calls": [_log(outcome)]}

    def after_decide(state: ClaimState) -> str:
        return {"pay": "pay", "deny": "notify_claimant"}[state["route"]]

    def after_pay(state: ClaimState) -> str:
        if state.get("decision") == "paid":
            return "notify_claimant"
        return "notify_staff"

    def after_staff(state: ClaimState) -> str:
        return "notify_claimant" if state.get("decision") == "escalated" else "await_adjuster"

    def after_adjuster(state: ClaimState) -> str:
        return "pay" if state.get("route") == "pay" else "notify_claimant"

    g = StateGraph(ClaimState)
    for name, fn in [("intake", intake), ("extract", extract), ("score", score), ("decide", decide), ("pay", pay),
                     ("notify_staff", notify_staff), ("await_adjuster", await_adjuster), ("notify_claimant", notify_claimant)]:
        g.add_node(name, fn)
    g.add_edge(START, "intake")
    g.add_conditional_edges("intake", lambda s: "notify_claimant" if s.get("route") == "deny" else "extract")
    g.add_edge("extract", "score")
    g.add_edge("score", "decide")
    g.add_conditional_edges("decide", after_decide)
    g.add_conditional_edges("pay", after_pay)
    g.add_conditional_edges("notify_staff", after_staff)
    g.add_conditional_edges("await_adjuster", after_adjuster)
    g.add_edge("notify_claimant", END)
    return g
