"""The gate: every tool call is validated, redacted, judged by policy, then (maybe) executed and audited.

Fail closed: if any step before the decision raises, the call is denied.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from dataclasses import dataclass, field
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from pydantic import BaseModel, ValidationError

from guardrails.approvals import Approval, ApprovalError, ApprovalStore, args_hash
from guardrails.audit import AuditLog, AuditRecord
from guardrails.contracts import ApprovalRef, Decision, PolicyRef, RedactionRecord, ToolCallRequest
from guardrails.gate_store import GateStore
from tools.schemas import TOOL_ARGS

log = logging.getLogger(__name__)
tracer = trace.get_tracer("warden.gate")

_REFUSED_CODES = frozenset(range(400, 500)) | {503}
"""Tool error codes that mean the effect did not happen (bad request, refused, nobody serving the tool)."""

# Results of these tools are ids, enums and numbers by schema (tools/schemas.py): nothing to redact.
STRUCTURED_RESULTS = frozenset({"payments.issue", "scoring.fraud_risk", "provisioning.reserve", "provisioning.release",
                                "notifications.send", "tickets.update"})

ToolCaller = Callable[[str, dict[str, Any], str, str], Awaitable[dict[str, Any]]]
"""(tool, args, idempotency_key, run_id) -> result; raises tools.errors.ToolError subclasses."""


@dataclass
class Judgement:
    """A decision plus the two forms of the arguments: real (for dispatch) and redacted (for the record)."""

    decision: Decision
    real_args: dict[str, Any] = field(default_factory=dict)
    redacted_args: dict[str, Any] = field(default_factory=dict)


class GateReply(BaseModel):
    """What the caller of `gate.<tool>` gets back."""

    decision: Decision
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    audit_seq: int | None = None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "request"
    return f"{where}: {err.get('msg', 'invalid')}"


class Gate:
    """Judges tool-call requests. Holds no model and imports no graph: it trusts only policy and its own store."""

    def __init__(self, *, redactor, vault, engine, store: GateStore, audit: AuditLog, approvals: ApprovalStore,
                 call_tool: ToolCaller | None = None, publish_audit: Callable[[dict], Awaitable[None]] | None = None,
                 publish_approval: Callable[[dict], Awaitable[None]] | None = None) -> None:
        self.redactor = redactor
        self.vault = vault
        self.engine = engine
        self.store = store
        self.audit = audit
        self.approvals = approvals
        self.call_tool = call_tool
        self.publish_audit = publish_audit
        self.publish_approval = publish_approval
        self._claim_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- judging -------------------------------------------------------------------------------------
    def check(self, raw: dict[str, Any] | ToolCallRequest, *, state: dict[str, Any] | None = None,
              count_call: bool = False) -> Judgement:
        """Decide without executing."""
        try:
            request = raw if isinstance(raw, ToolCallRequest) else ToolCallRequest.model_validate(raw)
        except ValidationError as exc:
            return self._deny(f"malformed request: {_first_error(exc)}")
        if request.tool not in TOOL_ARGS:
            return self._deny(f"unknown tool {request.tool!r}")
        try:
            return self._judge(request, state, count_call)
        except ValidationError as exc:
            return self._deny(f"invalid arguments for {request.tool}: {_first_error(exc)}")
        except Exception as exc:  # fail closed: a broken redactor or policy never lets a call through
            log.error("gate failed closed on %s: %s", request.tool, type(exc).__name__)
            return self._deny(f"gate could not evaluate the call ({type(exc).__name__}); denied")

    def _deny(self, reason: str) -> Judgement:
        return Judgement(Decision(decision="deny", reasons=[reason], policy=self._policy_ref()))

    def _judge(self, request: ToolCallRequest, state: dict[str, Any] | None, count_call: bool) -> Judgement:
        vault = self.vault.for_run(request.run.id)
        args = vault.resolve_obj(request.args)
        TOOL_ARGS[request.tool].model_validate(args)
        context = vault.resolve_obj(request.context)
        approval_input = self._approval_input(request, args)
        policy_input = {
            "tool": request.tool,
            "known_tool": True,
            "args": args,
            "principal": request.principal.model_dump(),
            "run": request.run.model_dump(),
            "provenance": {k: request.provenance_of(k) for k in args},
            "context": context,
            "state": state if state is not None else self._state(request, args, count_call),
            "approval": approval_input,
        }
        result = self.engine.evaluate(policy_input)
        redacted, found = self._redact(args, result.reveal, vault)
        reasons = list(result.reasons)
        if approval_input and approval_input.get("error"):
            reasons.append(approval_input["error"])
        forwarded = dict(redacted)
        for name in result.reveal:
            if name in args:
                forwarded[name] = args[name]
        decision = Decision(
            decision=result.decision, reasons=reasons, args=forwarded,
            redactions=[RedactionRecord(path=p, type=t) for p, t in found],
            approval=ApprovalRef(role=result.approval_role or "", reason="; ".join(reasons)) if result.decision == "require_approval" else None,
            policy=self._policy_ref(),
        )
        return Judgement(decision, args, redacted)

    def _redact(self, args: dict[str, Any], reveal: list[str], vault) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Tokenize what stays hidden; an argument the tool receives in clear gets a typed placeholder in the
        record instead of a vault entry (it would only be resolved again)."""
        shown = [name for name in reveal if name in args]
        redacted, found = self.redactor.redact_args(args, vault=vault, exclude=[f"args.{name}" for name in shown])
        if shown:
            placeholders, more = self.redactor.redact_args({n: args[n] for n in shown})
            redacted.update(placeholders)
            found += more
        return redacted, found

    def _approval_input(self, request: ToolCallRequest, args: dict[str, Any]) -> dict[str, Any] | None:
        if not request.approval_id:
            return None
        try:
            approval = self.approvals.get(request.approval_id)
        except ApprovalError as exc:
            return {"granted": False, "role": None, "error": str(exc)}
        if approval.run_id != request.run.id or approval.tool != request.tool:
            return {"granted": False, "role": None, "error": "approval belongs to another run or tool"}
        if approval.args_hash != args_hash(request.tool, args):
            return {"granted": False, "role": None, "error": "arguments changed since they were approved"}
        if approval.status != "approved":
            return {"granted": False, "role": None, "error": f"approval is {approval.status}"}
        return {"granted": True, "role": approval.role, "by": approval.decided_by}

    def _state(self, request: ToolCallRequest, args: dict[str, Any], count_call: bool) -> dict[str, Any]:
        claim_id = args.get("claim_id") if request.tool == "payments.issue" else None
        calls = (self.store.count_call(request.principal.id, request.tool) if count_call else 0)
        return {
            "claim_paid_total": self.store.claim_paid_total(claim_id, excluding=request.idempotency_key())
            if isinstance(claim_id, str) else 0.0,
            "claim_fraud_band": self.store.fraud_band(claim_id) if isinstance(claim_id, str) else "unscored",
            "calls_last_minute": calls,
            "principal_reserved_total": self.store.principal_reserved_total(request.principal.id)
            if request.tool == "provisioning.reserve" else 0,
        }

    def _policy_ref(self) -> PolicyRef:
        return PolicyRef(engine=getattr(self.engine, "name", "unknown"), bundle=getattr(self.engine, "bundle", ""))

    # -- executing -----------------------------------------------------------------------------------
    async def handle(self, raw: dict[str, Any]) -> GateReply:
        """Judge, execute when allowed, redact the result, audit. The only path from a graph to an effect."""
        started = time.perf_counter()
        with tracer.start_as_current_span("gate.call") as span:
            try:
                request: ToolCallRequest | None = ToolCallRequest.model_validate(raw)
            except ValidationError:
                request = None
            async with self._claim_lock(request):  # one payment per claim judged at a time in this process
                held = self._hold_payment(request)  # before judging: other gate processes see it too
                judgement = await asyncio.to_thread(self.check, request or raw, count_call=True)
                if held and not judgement.decision.allowed:
                    self.store.release_payment(request.idempotency_key())
            decision, real_args = judgement.decision, judgement.real_args
            judged = time.perf_counter()
            span.set_attribute("warden.tool", str(raw.get("tool", ""))[:100])
            span.set_attribute("warden.decision", decision.decision)
            reply = GateReply(decision=decision)
            status = "not_executed"
            opened = None
            if decision.decision == "require_approval" and request is not None and decision.approval:
                opened = self._open_approval(request, decision, real_args, judgement.redacted_args)
                decision.approval.id = opened.id
            if decision.allowed and request is not None:
                status = await self._execute(request, decision, reply)
            trace_id = format(span.get_span_context().trace_id, "032x")
        record = AuditRecord(
            tool=str(raw.get("tool", ""))[:200], run_id=request.run.id if request else "",
            graph=request.run.graph if request else "", step=request.run.step if request else 0,
            principal=request.principal.id if request else "", decision=decision.decision, reasons=decision.reasons,
            args=judgement.redacted_args, redactions=[r.model_dump() for r in decision.redactions],
            policy_engine=decision.policy.engine if decision.policy else "", policy_bundle=decision.policy.bundle if decision.policy else "",
            result_status=status, approval_id=decision.approval.id if decision.approval else (request.approval_id if request else None),
            idempotency_key=request.idempotency_key() if request else "",
            timing_ms={"judge": round((judged - started) * 1000, 3), "total": round((time.perf_counter() - started) * 1000, 3)},
            trace_id=trace_id,
        )
        stored = await asyncio.to_thread(self.audit.append, record)
        reply.audit_seq = stored["seq"]
        if self.publish_approval and opened is not None:
            try:
                await self.publish_approval(opened.model_dump(mode="json"))
            except Exception as exc:  # the approval is recorded; announcing it is best effort
                log.warning("approval announce failed: %s", exc)
        if self.publish_audit:
            try:
                await self.publish_audit(stored)
            except Exception as exc:  # the SQLite trail is the record of truth; the stream is a copy
                log.warning("audit publish failed: %s", exc)
        return reply

    def _open_approval(self, request: ToolCallRequest, decision: Decision, real_args: dict[str, Any],
                       redacted_args: dict[str, Any]) -> Approval:
        approval = self.approvals.create(run_id=request.run.id, graph=request.run.graph, tool=request.tool,
                                         role=decision.approval.role if decision.approval else "admin",
                                         reason="; ".join(decision.reasons), redacted_args=redacted_args,
                                         hash_=args_hash(request.tool, real_args), policy_bundle=decision.policy.bundle if decision.policy else "")
        return approval

    def _claim_lock(self, request: ToolCallRequest | None) -> asyncio.Lock | contextlib.nullcontext:
        claim_id = request.args.get("claim_id") if request is not None and request.tool == "payments.issue" else None
        if not isinstance(claim_id, str):
            return contextlib.nullcontext()
        lock = self._claim_locks.get(claim_id)
        if lock is None:
            lock = self._claim_locks[claim_id] = asyncio.Lock()
        return lock

    def _hold_payment(self, request: ToolCallRequest | None) -> bool:
        """Count a payment toward its claim before it is judged; True when this call placed the hold (and so
        releases it unless allowed)."""
        if request is None or request.tool != "payments.issue":
            return False
        claim_id, amount = request.args.get("claim_id"), request.args.get("amount")
        if not isinstance(claim_id, str) or type(amount) not in (int, float):
            return False
        return self.store.hold_payment(request.idempotency_key(), claim_id, float(amount))

    async def _execute(self, request: ToolCallRequest, decision: Decision, reply: GateReply) -> str:
        key = request.idempotency_key()
        if self.call_tool is None:
            reply.error = {"code": 503, "message": "no tool transport configured"}
            self._release(request, key)
            return "error"
        try:
            result = await self.call_tool(request.tool, decision.args, key, request.run.id)
        except Exception as exc:
            code = getattr(exc, "code", 500)
            reply.error = {"code": code, "message": str(exc)[:300]}
            if code in _REFUSED_CODES:  # the tool did not act; after a timeout or a crash the money may have moved
                self._release(request, key)
            return f"error:{code}"
        self._remember_effect(request, decision.args, result, key)
        if request.tool in STRUCTURED_RESULTS:
            reply.result = result
        else:
            vault = self.vault.for_run(request.run.id)
            reply.result, _ = await asyncio.to_thread(self.redactor.redact_args, result, vault=vault, path="result")
        return str(result.get("status", "ok")) if isinstance(result, dict) else "ok"

    def _release(self, request: ToolCallRequest, key: str) -> None:
        if request.tool == "payments.issue":
            self.store.release_payment(key)

    def _remember_effect(self, request: ToolCallRequest, args: dict[str, Any], result: Any, key: str) -> None:
        if request.tool == "payments.issue":
            self.store.record_payment(key, str(args.get("claim_id")), float(args.get("amount", 0)))
        elif request.tool == "scoring.fraud_risk" and isinstance(result, dict) and result.get("band"):
            self.store.record_fraud(str(args.get("claim_id")), str(result["band"]), float(result.get("score", 0.0)))
        elif request.tool == "provisioning.reserve":
            self.store.record_reservation(key, request.principal.id, int(args.get("quantity", 0)))
