"""Lead follow-up: score the new lead from the CRM's record, then open a follow-up ticket for sales (and tell the
sales queue about a hot lead), keep a warm one in nurture, or close a cold one.

Every effect goes through `deps.tools` (the gate). The lead's own message is untrusted and decides nothing.
"""
from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.leads.record import lead_features
from graphs.ports import GraphDeps, ToolOutcome

GRAPH = "lead_followup"
SALES_QUEUE = "sales-followup"
STEP_SCORE, STEP_TICKET, STEP_NOTIFY = 1, 2, 3


class LeadState(TypedDict, total=False):
    run_id: str
    lead: dict[str, Any]           # the CRM record, contact PII replaced by vault tokens
    message: str                   # the lead's message, redacted (untrusted)
    intake_redactions: int
    score: dict[str, Any]
    decision: str                  # follow_up | nurture | closed | scoring_failed
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
                "reasons": [] if ticket.ok else ticket.reasons}

    def route(state: LeadState) -> str:
        return "follow_up" if state.get("score") else END

    graph = StateGraph(LeadState)
    graph.add_node("score", score)
    graph.add_node("follow_up", follow_up)
    graph.add_edge(START, "score")
    graph.add_conditional_edges("score", route, ["follow_up", END])
    graph.add_edge("follow_up", END)
    return graph
