"""Graphs' side of the gate: tool calls become `gate.<tool>` requests carrying this actor's principal."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeout

from agents.bus_users import gate_subject
from graphs.ports import ToolOutcome
from warden.trace_context import trace_headers
from guardrails.contracts import Principal, Provenance, RunRef, ToolCallRequest

PENDING_REASON = "gate did not answer in time; the effect may still happen"


def _request(tool: str, args: dict[str, Any], principal: Principal, *, run_id: str, graph: str, step: int, call: int,
             provenance: dict[str, Provenance] | None, context: dict[str, Any] | None, approval_id: str | None) -> ToolCallRequest:
    return ToolCallRequest(tool=tool, args=args, principal=principal, run=RunRef(id=run_id, graph=graph, step=step, call=call),
                           provenance=provenance or {}, context=context or {}, approval_id=approval_id)


def _outcome(tool: str, reply: dict[str, Any]) -> ToolOutcome:
    decision = reply.get("decision") or {}
    approval = decision.get("approval") or {}
    return ToolOutcome(tool=tool, decision=decision.get("decision", "deny"), reasons=decision.get("reasons", []),
                       result=reply.get("result"), error=reply.get("error"), approval_id=approval.get("id"),
                       approval_role=approval.get("role"), redactions=len(decision.get("redactions", [])))


class _Gateway:
    """Builds the request from a graph's call; subclasses only say how it reaches the gate."""

    principal: Principal

    async def call(self, tool: str, args: dict[str, Any], *, run_id: str, graph: str, step: int, call: int = 0,
                   provenance: dict[str, Provenance] | None = None, context: dict[str, Any] | None = None,
                   approval_id: str | None = None) -> ToolOutcome:
        req = _request(tool, args, self.principal, run_id=run_id, graph=graph, step=step, call=call,
                       provenance=provenance, context=context, approval_id=approval_id)
        return await self._send(req)

    async def _send(self, req: ToolCallRequest) -> ToolOutcome:
        raise NotImplementedError


class NatsToolGateway(_Gateway):
    """Requests `gate.<graph>.call.<tool>` on the bus, as the graph's own bus user: the subject is the caller's
    identity (the gate reads it there), and the runtime's users cannot publish to `tools.>` at all.

    The request carries no `context`: the gate reads the run's facts from the stored event."""

    def __init__(self, nc: Client, graph: str, *, timeout_s: float = 15.0, no_gate_wait_s: float = 3.0) -> None:
        """`no_gate_wait_s`: how long a call with no gate listening is asked again before it is denied (a gate
        whose bus node just died resubscribes on another node within a second or two)."""
        self.nc = nc
        self.graph = graph
        self.principal = Principal(id=f"agent:{graph}", roles=["agent"])
        self.timeout_s = timeout_s
        self.no_gate_wait_s = no_gate_wait_s

    async def _send(self, req: ToolCallRequest) -> ToolOutcome:
        req = req.model_copy(update={"context": {}})
        deadline = asyncio.get_running_loop().time() + self.no_gate_wait_s
        while True:
            try:
                msg = await self.nc.request(gate_subject(self.graph, req.tool), req.model_dump_json().encode(),
                                            timeout=self.timeout_s, headers=trace_headers())
                break
            except NoRespondersError:
                # Nobody received the request, so nothing can have happened: asking again is safe, and once the
                # wait is over it is a denial, never permission.
                if asyncio.get_running_loop().time() >= deadline:
                    return ToolOutcome(tool=req.tool, decision="deny", reasons=["gate unavailable (no gate is listening)"])
                await asyncio.sleep(0.25)
            except NatsTimeout:
                # The gate has the request and may still run it: neither a denial nor permission, but unknown.
                return ToolOutcome(tool=req.tool, decision="pending", reasons=[PENDING_REASON])
        return _outcome(req.tool, json.loads(msg.data))


class LocalToolGateway(_Gateway):
    """Calls an in-process Gate directly: same requests, no bus (unit tests, `gate check`)."""

    def __init__(self, gate, principal: Principal) -> None:
        self.gate = gate
        self.principal = principal

    async def _send(self, req: ToolCallRequest) -> ToolOutcome:
        reply = await self.gate.handle(json.loads(req.model_dump_json()))
        return _outcome(req.tool, json.loads(reply.model_dump_json()))
