"""Demand and replenishment: forecast the SKU's demand, work out the reorder point and quantity, place a purchase
order through the gate (a buyer approves one above the spend limits), then send the supplier its notice.

Every effect goes through `deps.tools` (the gate). No model is asked: the forecast is a tool, the rest is
arithmetic on the warehouse record.
"""
from __future__ import annotations

import operator
from decimal import Decimal
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.approval_step import await_answer, granted, opened, waiting
from graphs.ports import GraphDeps, ToolOutcome
from graphs.replenishment.record import order_id_for
from graphs.replenishment.reorder import plan as reorder_plan

GRAPH = "replenishment"
SUPPLIER_HOOKS = "https://hooks.northwind.example/suppliers/"
"""Supplier notices go to the supplier portal's webhook (allow-listed in the policy data), one path per supplier."""
STEP_FORECAST, STEP_ORDER, STEP_NOTIFY = 1, 2, 3
SYSTEM = "system"


class ReplenishmentState(TypedDict, total=False):
    run_id: str
    snapshot: dict[str, Any]       # the warehouse record (no personal data)
    forecast: dict[str, Any]
    plan: dict[str, Any]
    order: dict[str, Any]
    pending: dict[str, Any]        # what an interrupt waits on
    decision: str                  # ordered | no_order | forecast_failed | order_refused | declined_by_buyer
    reasons: Annotated[list[str], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]


def _log(outcome: ToolOutcome) -> dict[str, Any]:
    return {"tool": outcome.tool, "decision": outcome.decision, "reasons": outcome.reasons}


def order_args(snapshot: dict[str, Any], quantity: int) -> dict[str, Any]:
    """The purchase order: everything but the quantity comes from the record (the gate checks that it does)."""
    return {"order_id": order_id_for(snapshot["snapshot_id"]), "sku": snapshot["sku"],
            "supplier_id": snapshot["supplier_id"], "quantity": quantity, "unit_price": snapshot["unit_price"],
            "currency": snapshot["currency"]}


def build_replenishment_graph(deps: GraphDeps) -> StateGraph:
    """The workflow; compile it with a checkpointer to run it."""

    async def forecast(state: ReplenishmentState) -> dict[str, Any]:
        snap = state["snapshot"]
        horizon = snap["lead_time_days"] + snap["review_days"]
        args = {"sku": snap["sku"], "history": snap["sales"], "horizon": horizon,
                "promo_days": list(snap.get("promo_days") or [])[:horizon]}
        outcome = await deps.tools.call("scoring.demand_forecast", args, run_id=state["run_id"], graph=GRAPH,
                                        step=STEP_FORECAST, provenance={k: SYSTEM for k in args})
        if not outcome.ok:
            why = outcome.reasons or [str((outcome.error or {}).get("message", "no forecast"))]
            return {"calls": [_log(outcome)], "decision": "forecast_failed", "reasons": ["no forecast: " + "; ".join(why)]}
        return {"calls": [_log(outcome)], "forecast": outcome.result}

    async def plan(state: ReplenishmentState) -> dict[str, Any]:
        snap, fc = state["snapshot"], state["forecast"]
        p = reorder_plan(fc["forecast"], fc["daily_error_sd"], on_hand=snap["on_hand"], on_order=snap["on_order"],
                         lead_time_days=snap["lead_time_days"], review_days=snap["review_days"],
                         service_level=snap["service_level"], pack_size=snap["pack_size"],
                         unit_price=Decimal(snap["unit_price"]))
        update: dict[str, Any] = {"plan": {"position": p.position, "lead_demand": p.lead_demand,
                                           "safety_stock": p.safety_stock, "reorder_point": p.reorder_point,
                                           "order_up_to": p.order_up_to, "quantity": p.quantity,
                                           "total": str(p.total), "currency": snap["currency"]}}
        if not p.orders:
            update |= {"decision": "no_order",
                       "reasons": [f"stock position {p.position} is above the reorder point {p.reorder_point}"]}
        return update

    async def order(state: ReplenishmentState) -> dict[str, Any]:
        approval_id = granted(state)
        args = order_args(state["snapshot"], state["plan"]["quantity"])
        outcome = await deps.tools.call("purchasing.order", args, run_id=state["run_id"], graph=GRAPH, step=STEP_ORDER,
                                        provenance={k: SYSTEM for k in args}, approval_id=approval_id)
        update: dict[str, Any] = {"calls": [_log(outcome)]}
        if outcome.ok:
            return update | {"order": outcome.result, "decision": "ordered", "pending": {}}
        if wait := opened(outcome, "order_approval", approval_id):
            return update | {"pending": wait, "reasons": outcome.reasons}
        why = outcome.reasons or [str((outcome.error or {}).get("message", "refused"))]
        return update | {"decision": "order_refused", "pending": {}, "reasons": ["order refused: " + "; ".join(why)]}

    async def await_buyer(state: ReplenishmentState) -> dict[str, Any]:
        approved, by = await_answer(state)  # checkpointed here until a buyer answers
        if approved:
            return {"pending": state["pending"] | {"approved": True}}
        return {"decision": "declined_by_buyer", "pending": {}, "reasons": [f"buyer declined ({by})"]}

    async def notify_supplier(state: ReplenishmentState) -> dict[str, Any]:
        snap, placed = state["snapshot"], state["order"]
        body = (f"Purchase order {placed['order_id']}: {placed['quantity']} x {placed['sku']} at {snap['unit_price']} "
                f"{placed['currency']} each, {placed['total']} {placed['currency']} in total. "
                f"Requested delivery within {snap['lead_time_days']} days.")
        args = {"channel": "webhook", "to": SUPPLIER_HOOKS + snap["supplier_id"],
                "subject": f"Purchase order {placed['order_id']}", "body": body}
        outcome = await deps.tools.call("notifications.send", args, run_id=state["run_id"], graph=GRAPH,
                                        step=STEP_NOTIFY, provenance={k: SYSTEM for k in args})
        return {"calls": [_log(outcome)],
                "reasons": [] if outcome.ok else ["supplier notice not sent: " + "; ".join(outcome.reasons)]}

    def after_forecast(state: ReplenishmentState) -> str:
        return "plan" if state.get("forecast") else END

    def after_plan(state: ReplenishmentState) -> str:
        return "order" if state["plan"]["quantity"] > 0 else END

    def after_order(state: ReplenishmentState) -> str:
        if state.get("decision") == "ordered":
            return "notify_supplier"
        return "await_buyer" if waiting(state) else END

    def after_buyer(state: ReplenishmentState) -> str:
        return "order" if (state.get("pending") or {}).get("approved") else END

    g = StateGraph(ReplenishmentState)
    for name, fn in [("forecast", forecast), ("plan", plan), ("order", order), ("await_buyer", await_buyer),
                     ("notify_supplier", notify_supplier)]:
        g.add_node(name, fn)
    g.add_edge(START, "forecast")
    g.add_conditional_edges("forecast", after_forecast, ["plan", END])
    g.add_conditional_edges("plan", after_plan, ["order", END])
    g.add_conditional_edges("order", after_order, ["notify_supplier", "await_buyer", END])
    g.add_conditional_edges("await_buyer", after_buyer, ["order", END])
    g.add_edge("notify_supplier", END)
    return g
