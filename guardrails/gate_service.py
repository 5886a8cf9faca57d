"""The gate as a bus service: requests on `gate.<graph>.call.<tool>` are judged here and only then forwarded to
`tools.<tool>`.

Who is asking is read from the subject, which the bus lets only that graph's user publish; what the run is
about is read from the run's stored event (guardrails/records.py). The body's `principal` and `context` are
claims that must agree with those, or the call is denied. Every refusal, however malformed the body, is audited.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nats.aio.client import Client

from warden.settings import Settings
from guardrails.approval_events import announce
from guardrails.gate import Gate, GateReply
from guardrails.records import RunRecords, UnknownRun
from guardrails.stores_pg import open_gate_stores
from guardrails.request_limits import RequestRejected, parse_bounded
from guardrails.vault import TokenConflict
from warden.concurrency import DEFAULT_LIMIT, BoundedDispatch
from warden.trace_context import continue_trace
from tools.client import call_tool
from tools.gate_proof import GateSigner

log = logging.getLogger(__name__)
GATE_SUBJECTS = ("gate.*.call.>", "gate.*.tokens")
MAX_TOKENS_PER_RUN = 2000


def build_gate(settings: Settings, *, call_tool=None, publish_audit=None, vault_key: bytes | None = None) -> Gate:
    """A gate over the shipped redactor, vault, policy engine and the stores under `settings.data_dir` (the gate's
    state, approvals, vault and audit trail in Postgres when `settings.postgres_url` is set).

    `vault_key` is the gate credential's; without one the vault uses `settings.vault_key` or `<data_dir>/vault.key`."""
    from guardrails.directory import Directory
    from guardrails.policy import load_engine
    from guardrails.redaction import get_redactor

    stores = open_gate_stores(settings)  # Postgres when WARDEN_POSTGRES_URL is set, else SQLite
    return Gate(redactor=get_redactor(), vault=stores.vault(vault_key), engine=load_engine(settings),
                store=stores.state, audit=stores.audit, approvals=stores.approvals,
                directory=Directory(settings.path("users.db")), call_tool=call_tool, publish_audit=publish_audit)


class GateService:
    """Serves `gate.>` in a queue group, so several gate processes share the load."""

    def __init__(self, nc: Client, gate: Gate, *, tool_timeout_s: float = 5.0, signer: GateSigner | None = None,
                 records: RunRecords | None = None, max_concurrent: int = DEFAULT_LIMIT) -> None:
        """`signer` holds the gate's private key and signs every call forwarded to `tools.>` (tool services refuse
        unsigned ones); `nc` must use `inbox_prefix="_INBOX.gate"`, the only reply subjects tools answer."""
        self.nc = nc
        self.gate = gate
        self.tool_timeout_s = tool_timeout_s
        self.signer = signer
        self.records = records
        self._dispatch = BoundedDispatch(continue_trace(self._on_request), limit=max_concurrent, name="gate")
        self._subs: list = []
        self._sweeper: asyncio.Task | None = None
        if gate.call_tool is None:
            gate.call_tool = self._call_tool
            if signer is None:
                log.warning("gate has no signing key: every tool service will refuse the calls it forwards (401)")
        if gate.publish_audit is None:
            gate.publish_audit = self._publish_audit
        if gate.publish_approval is None:
            gate.publish_approval = self._publish_approval
        self._js = nc.jetstream()

    async def start(self, expiry_interval_s: float = 30.0) -> None:
        for subject in GATE_SUBJECTS:  # each request its own task: one slow tool must not queue every caller
            self._subs.append(await self.nc.subscribe(subject, queue="gate", cb=self._dispatch.dispatch))
        self._sweeper = asyncio.create_task(self._expire_loop(expiry_interval_s))

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        for sub in self._subs:
            await sub.unsubscribe()
        self._subs.clear()
        await self._dispatch.drain(self.tool_timeout_s + 5.0)  # calls in hand finish and are audited
        await self.gate.flush_audit_copies()

    async def announce_decisions(self) -> int:
        """Deny approvals nobody answered in time, then deliver every answer not yet delivered to its waiting run
        (expired ones, and decisions taken while no bus was reachable). Delivery is idempotent: the event carries
        the approval id as Nats-Msg-Id, and a run that is no longer waiting ignores it."""
        approvals = self.gate.approvals
        await asyncio.to_thread(approvals.expire_due)
        delivered = 0
        for approval in await asyncio.to_thread(approvals.unannounced):
            await announce(self._js, approval)
            await asyncio.to_thread(approvals.mark_announced, approval.id)
            delivered += 1
        return delivered

    async def _expire_loop(self, interval_s: float) -> None:
        while True:
            try:
                await self.announce_decisions()
            except Exception as exc:  # keep sweeping; the next round retries
                log.warning("approval sweep failed: %s", exc)
            await asyncio.sleep(interval_s)

    async def _on_request(self, msg) -> None:
        parts = msg.subject.split(".")
        graph = parts[1] if len(parts) > 2 else ""
        if len(parts) == 3 and parts[2] == "tokens":
            reply = await self._tokens(graph, msg.data)
            if msg.reply:
                await msg.respond(json.dumps(reply).encode())
            return
        tool = ".".join(parts[3:])
        reply = await self._reply_for(graph, tool, msg.data)
        if msg.reply:
            await msg.respond(reply.model_dump_json().encode())

    async def _reply_for(self, graph: str, tool: str, data: bytes) -> GateReply:
        """Bound the body, bind the caller and the run's facts, then judge. Every refusal here is audited."""
        principal = self.gate.directory.agent(graph)
        try:
            raw: Any = parse_bounded(data)
        except RequestRejected as exc:
            return await self.gate.refuse(str(exc), tool=tool, principal=principal)
        if not isinstance(raw, dict) or raw.get("tool") != tool:
            return await self.gate.refuse(f"malformed request: tool must match the subject's tool {tool}",
                                          tool=tool, principal=principal, raw=raw if isinstance(raw, dict) else None)
        try:
            facts = await self._facts(graph, raw)
        except UnknownRun as exc:
            return await self.gate.refuse(f"run not recognised: {exc}", tool=tool, principal=principal, raw=raw)
        try:
            return await self.gate.handle(raw, bound=principal, facts=facts)
        except Exception as exc:  # fail closed, and say so
            log.exception("gate crashed on %s", tool)
            return await self.gate.refuse(f"gate error ({type(exc).__name__}); denied", tool=tool, principal=principal,
                                          raw=raw)

    async def _facts(self, graph: str, raw: dict[str, Any]):
        if self.records is None:
            raise UnknownRun("this gate has no access to stored events")
        run = raw.get("run")
        run_id = run.get("id") if isinstance(run, dict) else None
        if not isinstance(run_id, str):
            raise UnknownRun("request names no run")
        return await self.records.facts(graph, run_id)

    async def _tokens(self, graph: str, data: bytes) -> dict[str, Any]:
        """Store the tokens a graph's runtime assigned at intake, bound to its run; first registration stands."""
        try:
            raw = parse_bounded(data)
            run_id, tokens = raw["run_id"], raw["tokens"]
            if not isinstance(tokens, dict) or len(tokens) > MAX_TOKENS_PER_RUN:
                raise RequestRejected("tokens must be an object of at most %d entries" % MAX_TOKENS_PER_RUN)
            await self._facts(graph, {"run": {"id": run_id}})
            vault = self.gate.vault.for_run(run_id)
            for token, entry in tokens.items():
                if not isinstance(entry, dict) or not isinstance(entry.get("value"), str) or not isinstance(entry.get("type"), str):
                    raise RequestRejected("each token maps to {type, value}")
                await asyncio.to_thread(vault.register, token, entry["type"], entry["value"])
        except (RequestRejected, UnknownRun, TokenConflict, KeyError, TypeError) as exc:
            reason = str(exc) if not isinstance(exc, (KeyError, TypeError)) else "malformed token registration"
            await self.gate.refuse(f"token registration refused: {reason}", tool="vault.tokens",
                                   principal=self.gate.directory.agent(graph))
            return {"stored": 0, "error": reason[:300]}
        return {"stored": len(tokens)}

    async def _call_tool(self, tool: str, args: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
        return await call_tool(self.nc, tool, args, idempotency_key=key, run_id=run_id, timeout_s=self.tool_timeout_s,
                               signer=self.signer)

    async def _publish_approval(self, approval: dict[str, Any]) -> None:
        """`approvals.pending`: who must approve what and why (arguments redacted)."""
        await self.nc.publish("approvals.pending", json.dumps(approval).encode())

    async def _publish_audit(self, record: dict[str, Any]) -> None:
        # A core publish: the AUDIT stream captures it without a round trip. SQLite holds the chain of
        # record; the stream is a copy for subscribers, so the caller never waits on its acknowledgement.
        await self.nc.publish(f"audit.{record.get('tool') or 'unknown'}", json.dumps(record).encode())
