"""Lead follow-up: score the new lead from the CRM's record, open a follow-up ticket for sales (and tell the
sales queue about a hot lead), keep a warm one in nurture, or close a cold one; then the next best action: the
first email of the outreach sequence, after a discount offer for a hot lead with a large budget (a sales manager
approves one above the automatic limit).

Every effect goes through `deps.tools` (the gate): consent, quiet hours in the lead's time zone, frequency caps and
suppressed domains are the policy's (guardrails/policies/leads.rego), and a refused message does not change the
lead's routing. The lead's own message is untrusted and decides nothing.
"""
from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.approval_step import await_answer, granted, opened, waiting
from graphs.leads.outreach import discount_for, first_message, next_best_action
from graphs.leads.record import lead_features
from graphs.ports import GraphDeps, ToolOutcome

GRAPH = "lead_followup"
SALES_QUEUE = "sales-followup"
STEP_SCORE, STEP_TICKET, STEP_NOTIFY, STEP_OFFER, STEP_OUTREACH = 1, 2, 3, 4, 5
SYSTEM = "system"


class LeadState(TypedDict, total=False):
    run_id: str
    lead: dict[str, Any]           # the CRM record, contact PII replaced by vault tokens
    message: str                   # the lead's message, redacted (untrusted)
    intake_redactions: int
    score: dict[str, Any]
    decision: str                  # follow_up | nurture | closed | scoring_failed | ticket_failed
    action: str                    # offer_and_email | email | close
    offer: dict[str, Any]          # the discount offered, if any
    outreach: str                  # sent | held: <why> | none
    pending: dict[str, Any]        # what an interrupt waits on
    reasons: Annotated[list[str], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]


def _log(outcome: ToolOutcome) -> dict[str, Any]:
    return {"tool": outcome.tool, "decision": outcome.decision, "reasons": outcome.reasons}


def build_lead_graph(deps: GraphDeps) -> StateGraph:
    """The workflow; compile it with a checkpointer to run it."""

    async def score(state: LeadState) -> dict[str, Any]:
        lead = state["lead"]
        outcome = await deps.tools.call("scoring.lead_propensity",
                                        {"lead_id": lead["lead_id"], "features": lead_features(lead)},
                                        run_id=state["run_id"], graph=GRAPH, step=STEP_SCORE,
                                        provenance={"lead_id": "system", "features": "system"})
        if not outcome.ok:
            return {"calls": [_log(outcome)], "decision": "scoring_failed", "reasons": outcome.reasons or ["no score"]}
        return {"calls": [_log(outcome)], "score": outcome.result}

    async def follow_up(state: LeadState) -> dict[str, Any]:
        lead, band = state["lead"], state["score"]["band"]
        status, decision = {"high": ("open", "follow_up"), "medium": ("pending", "nurture")}.get(band, ("closed", "closed"))
        calls = []
        ticket = await deps.tools.call("tickets.update", {
            "ticket_id": f"FUP-{lead['lead_id']}", "status": status,
            "comment": f"lead {lead['lead_id']} ({lead['company']}): propensity {state['score']['score']:.2f}, {band}"},
            run_id=state["run_id"], graph=GRAPH, step=STEP_TICKET, provenance={"ticket_id": "system", "status": "system",
                                                                               "comment": "system"})
        calls.append(_log(ticket))
        if band == "high" and ticket.ok:
            note = await deps.tools.call("notifications.send", {
                "channel": "staff", "to": SALES_QUEUE, "subject": f"Hot lead {lead['lead_id']}",
                "body": f"{lead['company']} scored {state['score']['score']:.2f}: ticket FUP-{lead['lead_id']}."},
                run_id=state["run_id"], graph=GRAPH, step=STEP_NOTIFY,
                provenance={"channel": "system", "to": "system", "subject": "system", "body": "system"})
            calls.append(_log(note))
        return {"calls": calls, "decision": decision if ticket.ok else "ticket_failed",
                "action": next_best_action(band, lead), "reasons": [] if ticket.ok else ticket.reasons}

    async def offer(state: LeadState) -> dict[str, Any]:
        lead = state["lead"]
        approval_id = granted(state)
        args = {"lead_id": lead["lead_id"], "percent": discount_for(lead),
                "reason": f"hot lead, stated budget {int(float(lead['budget_usd']))} USD"}
        outcome = await deps.tools.call("offers.discount", args, run_id=state["run_id"], graph=GRAPH, step=STEP_OFFER,
                                        provenance={k: SYSTEM for k in args}, approval_id=approval_id)
        update: dict[str, Any] = {"calls": [_log(outcome)]}
        if outcome.ok:
            return update | {"offer": outcome.result, "pending": {}}
        if wait := opened(outcome, "discount_approval", approval_id):
            return update | {"pending": wait}
        return update | {"pending": {}, "reasons": ["no discount: " + "; ".join(outcome.reasons or ["refused"])]}

    async def await_manager(state: LeadState) -> dict[str, Any]:
        approved, by = await_answer(state)  # checkpointed here until a sales manager answers
        if approved:
            return {"pending": state["pending"] | {"approved": True}}
        return {"pending": {}, "reasons": [f"discount declined ({by})"]}

    async def outreach(state: LeadState) -> dict[str, Any]:
        lead = state["lead"]
        to = (lead.get("contact") or {}).get("email")
        if not to:
            return {"outreach": "none: no email on record"}
        discount = (state.get("offer") or {}).get("percent")
        args = {"channel": "email", "to": to, **first_message(lead, state["score"]["band"], discount)}
        outcome = await deps.tools.call("notifications.send", args, run_id=state["run_id"], graph=GRAPH,
                                        step=STEP_OUTREACH, provenance={k: SYSTEM for k in args})
        if outcome.ok:
            return {"calls": [_log(outcome)], "outreach": "sent"}
        return {"calls": [_log(outcome)], "outreach": "held: " + "; ".join(outcome.reasons or ["refused"])}

    def route(state: LeadState) -> str:
        return "follow_up" if state.get("score") else END

    def after_follow_up(state: LeadState) -> str:
        if state.get("decision") not in ("follow_up", "nurture"):
            return END
        return "offer" if state.get("action") == "offer_and_email" else "outreach"

    def after_offer(state: LeadState) -> str:
        return "await_manager" if waiting(state) else "outreach"

    def after_manager(state: LeadState) -> str:
        return "offer" if (state.get("pending") or {}).get("approved") else "outreach"

    graph = StateGraph(LeadState)
    for name, fn in [("score", score), ("follow_up", follow_up), ("offer", offer), ("await_manager", await_manager),
                     ("outreach", outreach)]:
        graph.add_node(name, fn)
    graph.add_edge(START, "score")
    graph.add_conditional_edges("score", route, ["follow_up", END])
    graph.add_conditional_edges("follow_up", after_follow_up, ["offer", "outreach", END])
    graph.add_conditional_edges("offer", after_offer, ["await_manager", "outreach"])
    graph.add_conditional_edges("await_manager", after_manager, ["offer", "outreach"])
    graph.add_edge("outreach", END)
    return graph
