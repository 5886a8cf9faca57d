"""The gate as a bus service: requests on `gate.<tool>` are judged here and only then forwarded to `tools.<tool>`."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nats.aio.client import Client

from agents.settings import Settings
from guardrails.approval_events import announce
from guardrails.approvals import ApprovalStore
from guardrails.audit import AuditLog
from guardrails.gate import Gate, GateReply
from guardrails.gate_store import GateStore
from guardrails.contracts import Decision
from tools.client import call_tool
from tools.gate_proof import GateSigner

log = logging.getLogger(__name__)
GATE_SUBJECTS = "gate.>"
MAX_REQUEST_BYTES = 256 * 1024


def build_gate(settings: Settings, *, call_tool=None, publish_audit=None) -> Gate:
    """A gate over the shipped redactor, vault, policy engine and the stores under `settings.data_dir`."""
    from guardrails.policy import load_engine
    from guardrails.redaction import get_redactor
    from guardrails.vault import Vault

    return Gate(redactor=get_redactor(), vault=Vault.from_settings(settings), engine=load_engine(settings),
                store=GateStore(settings.path("gate.db")), audit=AuditLog(settings.path("audit.db")),
                approvals=ApprovalStore(settings.path("approvals.db"), ttl_s=settings.approval_ttl_s),
                call_tool=call_tool, publish_audit=publish_audit)


class GateService:
    """Serves `gate.>` in a queue group, so several gate processes share the load."""

    def __init__(self, nc: Client, gate: Gate, *, tool_timeout_s: float = 5.0, signer: GateSigner | None = None) -> None:
        """`signer` holds the gate's private key and signs every call forwarded to `tools.>` (tool services refuse
        unsigned ones); `nc` must use `inbox_prefix="_INBOX.gate"`, the only reply subjects tools answer."""
        self.nc = nc
        self.gate = gate
        self.tool_timeout_s = tool_timeout_s
        self.signer = signer
        self._sub = None
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
        self._sub = await self.nc.subscribe(GATE_SUBJECTS, queue="gate", cb=self._on_request)
        self._sweeper = asyncio.create_task(self._expire_loop(expiry_interval_s))

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        if self._sub:
            await self._sub.unsubscribe()

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
        tool = msg.subject.removeprefix("gate.")
        reply = await self._reply_for(tool, msg.data)
        if msg.reply:
            await msg.respond(reply.model_dump_json().encode())

    async def _reply_for(self, tool: str, data: bytes) -> GateReply:
        if len(data) > MAX_REQUEST_BYTES:
            return GateReply(decision=Decision(decision="deny", reasons=[f"request larger than {MAX_REQUEST_BYTES} bytes"]))
        try:
            raw: Any = json.loads(data)
        except ValueError:
            return GateReply(decision=Decision(decision="deny", reasons=["malformed request: body is not JSON"]))
        if not isinstance(raw, dict) or raw.get("tool") != tool:
            return GateReply(decision=Decision(decision="deny", reasons=[f"malformed request: tool must match subject gate.{tool}"]))
        try:
            return await self.gate.handle(raw)
        except Exception as exc:  # fail closed, and say so
            log.exception("gate crashed on %s", tool)
            return GateReply(decision=Decision(decision="deny", reasons=[f"gate error ({type(exc).__name__}); denied"]))

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
