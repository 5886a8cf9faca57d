"""An actor whose behaviour is a LangGraph graph: one run per message, state in the checkpointer."""
from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.types import Command
from pydantic import ValidationError

from agents.bus_users import EVENTS_STREAM, RESUME_PREFIX
from agents.envelope import Envelope, RunOutcome
from warden.trace_context import run_span

Prepare = Callable[[str, dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]
"""(run_id, event payload) -> the graph's input, already redacted (sync or async). Raises ValidationError or
ValueError on a bad event (the run fails as `invalid_event`); any other error is a crash the supervisor retries."""


Summary = Callable[[dict[str, Any]], dict[str, Any]]
"""A run's state -> what a caller may see of it (from the graph's package: no document text)."""

RESUME_WAIT_S, RESUME_WAIT_STEPS, RESUME_SETTLED_S = 30.0, 300, 3.0


def run_id_for(graph: str, msg_id: str) -> str:
    """Derived from the stored message, so a redelivered message resumes the same run instead of starting another.

    A message stored in the EVENTS stream (`EVENTS:<seq>`) gives `run-<graph>-<seq>`: the gate reads that stored
    event back to learn the run's facts, so a run id names exactly one event no publisher can rewrite."""
    stream, _, seq = msg_id.partition(":")
    if stream == EVENTS_STREAM and seq.isdigit():
        return f"run-{graph}-{seq}"
    return "run-" + hashlib.sha256(f"{graph}:{msg_id}".encode()).hexdigest()[:16]


def finished(snapshot: Any) -> bool:
    """The run ended: state, and no step left. `next` alone is empty too while a step's nodes have saved their
    writes but the process died before the checkpoint after them (kill -9): that run must continue."""
    return bool(snapshot.values) and not snapshot.next and not snapshot.tasks


class GraphActor:
    """Handles messages for one actor type by running a compiled graph under a thread per run."""

    def __init__(self, graph_type: str, graph: Any, prepare: Prepare, *, summary: Summary | None = None,
                 outcome_key: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        self.graph_type = graph_type
        self.graph = graph
        self.prepare = prepare
        self.summary = summary or default_summary
        self.outcome_key = outcome_key or (lambda values: None)

    async def __call__(self, envelope: Envelope) -> RunOutcome:
        resuming = envelope.subject.startswith(RESUME_PREFIX + ".")  # only the resume subject (gate and people) resumes
        run_id = str(envelope.payload.get("run_id", "")) if resuming else run_id_for(self.graph_type, envelope.msg_id)
        # one trace per claim: the run's span continues the event's trace (a new root when it carried none), and
        # every gate call the run makes is its child
        with run_span(self.graph_type, run_id, envelope.trace) as span:
            outcome = await (self._resume_message(envelope) if resuming else self._run(run_id, envelope))
            span.set_attribute("warden.run_status", outcome.status)
            return outcome

    async def _run(self, run_id: str, envelope: Envelope) -> RunOutcome:
        config = {"configurable": {"thread_id": run_id}}
        snapshot = await self.graph.aget_state(config)
        if finished(snapshot):
            return self._outcome(run_id, envelope, snapshot.values, "skipped")  # finished before: a redelivery
        if not snapshot.values:
            try:
                graph_input = self.prepare(run_id, envelope.payload)
                if inspect.isawaitable(graph_input):
                    graph_input = await graph_input
            except (ValidationError, ValueError) as exc:
                return RunOutcome(run_id=run_id, graph=self.graph_type, key=envelope.agent.key, status="failed",
                                  decision="invalid_event", detail={"error": str(exc)[:500]})
            await self.graph.ainvoke(graph_input, config)
        elif not snapshot.interrupts:  # crashed mid-run: continue from the last checkpoint
            await self.graph.ainvoke(None, config)
        return await self.settle(run_id, envelope.agent.key)

    async def _resume_message(self, envelope: Envelope) -> RunOutcome:
        run_id = str(envelope.payload.get("run_id", ""))
        snapshot = await self.graph.aget_state({"configurable": {"thread_id": run_id}})
        # An answer can overtake its run on the way to interrupt(): while the run is still working, a snapshot
        # may read as not started or even as finished. Wait for the interrupt; conclude "not waiting" only once
        # the run has looked finished for RESUME_SETTLED_S in a row (a finished run stays finished).
        step_s = RESUME_WAIT_S / RESUME_WAIT_STEPS
        settled = 0.0
        for _ in range(RESUME_WAIT_STEPS):
            if snapshot.interrupts:
                break
            settled = settled + step_s if finished(snapshot) else 0.0
            if settled >= RESUME_SETTLED_S:
                break
            await asyncio.sleep(step_s)
            snapshot = await self.graph.aget_state({"configurable": {"thread_id": run_id}})
        if not snapshot.interrupts:  # not waiting (already resumed, or unknown): nothing to do
            return RunOutcome(run_id=run_id, graph=self.graph_type, key=envelope.agent.key, status="skipped",
                              decision=(snapshot.values or {}).get("decision"))
        pending = (snapshot.values or {}).get("pending") or {}
        answer = envelope.payload["resume"]
        if pending.get("approval_id") and answer.get("approval_id") != pending.get("approval_id"):
            return RunOutcome(run_id=run_id, graph=self.graph_type, key=envelope.agent.key, status="skipped",
                              decision="awaiting_approval", detail={"error": "answer is for another approval"})
        outcome = await self.resume(run_id, envelope.agent.key, answer)
        # a resume arrives keyed by run id: announce the outcome under the run's own business key
        return outcome.model_copy(update={"key": self.outcome_key(snapshot.values or {}) or envelope.agent.key})

    async def resume(self, run_id: str, key: str, answer: dict[str, Any]) -> RunOutcome:
        """Continue a run waiting in `interrupt()` with a human's answer."""
        await self.graph.ainvoke(Command(resume=answer), {"configurable": {"thread_id": run_id}})
        return await self.settle(run_id, key)

    async def settle(self, run_id: str, key: str) -> RunOutcome:
        snapshot = await self.graph.aget_state({"configurable": {"thread_id": run_id}})
        status = "waiting" if snapshot.next else "completed"
        values = dict(snapshot.values)
        if status == "waiting":
            values["decision"] = "awaiting_approval"
        return RunOutcome(run_id=run_id, graph=self.graph_type, key=key, status=status,
                          decision=values.get("decision"), detail=self.summary(values))

    def _outcome(self, run_id: str, envelope: Envelope, values: dict[str, Any], status: str) -> RunOutcome:
        return RunOutcome(run_id=run_id, graph=self.graph_type, key=envelope.agent.key, status=status,  # type: ignore[arg-type]
                          decision=values.get("decision"), detail=self.summary(values))


def default_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a run when its package says nothing: the decision counts only."""
    calls = values.get("calls") or []
    return {"allowed": sum(c.get("decision") == "allow" for c in calls),
            "denied": sum(c.get("decision") == "deny" for c in calls),
            "awaiting": sum(c.get("decision") == "require_approval" for c in calls)}
