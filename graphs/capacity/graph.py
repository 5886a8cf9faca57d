"""Predictive capacity: forecast the service's load for the next hour, and reserve or release units ahead of it;
when the forecast is missing, stale or wrong, fall back to reactive rules on the current utilisation and say so.

Every effect goes through `deps.tools` (the gate): reservations beyond the automatic quota wait for an operator,
beyond the maximum are refused, and a release must name a reservation this graph's principal made.
"""
from __future__ import annotations

import operator
from datetime import datetime
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.capacity.record import reservation_id_for, resource_for
from graphs.capacity.scaling import plan as scaling_plan
from graphs.approval_step import await_answer, granted, opened, waiting
from graphs.ports import GraphDeps, ToolOutcome

GRAPH = "capacity"
STEP_RESERVE, STEP_RELEASE = 1, 2
SYSTEM = "system"


class CapacityState(TypedDict, total=False):
    run_id: str
    metrics: dict[str, Any]
    plan: dict[str, Any]
    pending: dict[str, Any]
    decision: str            # scaled_up | scaled_down | steady | reserve_refused | declined_by_operator (+ mode)
    reasons: Annotated[list[str], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]


def _log(outcome: ToolOutcome) -> dict[str, Any]:
    return {"tool": outcome.tool, "decision": outcome.decision, "reasons": outcome.reasons}


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def build_capacity_graph(deps: GraphDeps) -> StateGraph:
    """The workflow; compile it with a checkpointer to run it."""

    async def forecast(state: CapacityState) -> dict[str, Any]:
        m = state["metrics"]
        p = scaling_plan(load=m["load"], current_load=m["current_load"], observed_at=_when(m["observed_at"]),
                         series_end_at=_when(m.get("series_end_at")), base_units=m["base_units"],
                         unit_capacity=m["unit_capacity"], target=m["target_utilisation"], held=m["held"])
        decision = "scaled_up" if p.reserve else "scaled_down" if p.release else "steady"
        return {"plan": {"mode": p.mode, "why": p.why, "current_units": p.current_units, "needed_units": p.needed_units,
                         "forecast_load": p.forecast_load, "reserve": p.reserve, "release": p.release},
                "decision": f"{decision} ({p.mode})", "reasons": [p.why]}

    async def reserve(state: CapacityState) -> dict[str, Any]:
        m, p = state["metrics"], state["plan"]
        approval_id = granted(state)
        args = {"resource": resource_for(m["service"], m["resource"]), "quantity": p["reserve"],
                "reason": f"{p['mode']} scaling: {p['needed_units']} units needed, {p['current_units']} running",
                "reservation_id": reservation_id_for(m["metrics_id"])}
        outcome = await deps.tools.call("provisioning.reserve", args, run_id=state["run_id"], graph=GRAPH,
                                        step=STEP_RESERVE, provenance={k: SYSTEM for k in args}, approval_id=approval_id)
        update: dict[str, Any] = {"calls": [_log(outcome)]}
        if outcome.ok:
            return update | {"pending": {}}
        if wait := opened(outcome, "reservation_approval", approval_id):
            return update | {"pending": wait, "reasons": outcome.reasons}
        why = outcome.reasons or [str((outcome.error or {}).get("message", "refused"))]
        return update | {"decision": "reserve_refused", "pending": {}, "reasons": ["reservation refused: " + "; ".join(why)]}

    async def await_operator(state: CapacityState) -> dict[str, Any]:
        approved, by = await_answer(state)  # checkpointed here until an operator answers
        if approved:
            return {"pending": state["pending"] | {"approved": True}}
        return {"decision": "declined_by_operator", "pending": {}, "reasons": [f"operator declined ({by})"]}

    async def release(state: CapacityState) -> dict[str, Any]:
        calls, refused = [], []
        for i, reservation_id in enumerate(state["plan"]["release"]):
            outcome = await deps.tools.call("provisioning.release", {"reservation_id": reservation_id},
                                            run_id=state["run_id"], graph=GRAPH, step=STEP_RELEASE, call=i,
                                            provenance={"reservation_id": SYSTEM})
            calls.append(_log(outcome))
            if not outcome.ok:
                refused.append(f"release of {reservation_id} refused: " + "; ".join(outcome.reasons or ["error"]))
        return {"calls": calls, "reasons": refused} | ({"decision": "release_refused"} if refused and len(refused) == len(calls) else {})

    def after_forecast(state: CapacityState) -> str:
        p = state["plan"]
        return "reserve" if p["reserve"] else "release" if p["release"] else END

    def after_reserve(state: CapacityState) -> str:
        return "await_operator" if waiting(state) else END

    def after_operator(state: CapacityState) -> str:
        return "reserve" if (state.get("pending") or {}).get("approved") else END

    g = StateGraph(CapacityState)
    for name, fn in [("forecast", forecast), ("reserve", reserve), ("await_operator", await_operator),
                     ("release", release)]:
        g.add_node(name, fn)
    g.add_edge(START, "forecast")
    g.add_conditional_edges("forecast", after_forecast, ["reserve", "release", END])
    g.add_conditional_edges("reserve", after_reserve, ["await_operator", END])
    g.add_conditional_edges("await_operator", after_operator, ["reserve", END])
    g.add_edge("release", END)
    return g
