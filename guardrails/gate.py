"""The gate: every tool call is validated, redacted, judged by policy, then (maybe) executed and audited.

Fail closed: if any step before the decision raises, the call is denied. On the bus the gate believes nothing
the caller says about itself: the principal is bound by the subject (`bound`), the run's facts come from its
stored event (`facts`, guardrails/records.py), money is parsed exactly, tokens resolve only as whole values of
the caller's own run, and an approval is spent by one execution.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import weakref
from decimal import Decimal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from pydantic import BaseModel, ValidationError

from guardrails.approvals import ApprovalError, ApprovalStore
from guardrails.gate_approvals import approval_input as approval_input_for, open_approval
from guardrails.audit import DISPATCHED, AuditLog, AuditRecord
from guardrails.audit_copies import AuditCopies
from guardrails.contracts import ApprovalRef, Decision, PolicyRef, Principal, RedactionRecord, ToolCallRequest
from guardrails.directory import Directory
from guardrails.gate_memory import hold, policy_state, release, remember, serial_key
from guardrails.gate_store import GateStore
from guardrails.money import MoneyError, parse_amount
from guardrails.records import RunFacts
from guardrails.redaction import RedactionRefused
from guardrails.request_limits import plain_numbers
from guardrails.gate_redaction import redact_for_record, reveal_facts
from guardrails.record_clock import record_clock
from guardrails.vault import UnresolvableToken
from tools.schemas import BUSINESS_KEYS, MONEY_ARGS, TOOL_ARGS

log = logging.getLogger(__name__)
tracer = trace.get_tracer("warden.gate")

_REFUSED_CODES = frozenset(range(400, 500)) | {503}
"""Tool error codes that mean the effect did not happen (bad request, refused, nobody serving the tool)."""

# Results of these tools are ids, enums and numbers by schema (tools/schemas.py): nothing to redact.
STRUCTURED_RESULTS = frozenset({"payments.issue", "scoring.fraud_risk", "provisioning.reserve", "provisioning.release",
                                "notifications.send", "tickets.update", "scoring.demand_forecast", "purchasing.order",
                                "offers.discount"})

ToolCaller = Callable[[str, dict[str, Any], str, str], Awaitable[dict[str, Any]]]
"""(tool, args, idempotency_key, run_id) -> result; raises tools.errors.ToolError subclasses."""


@dataclass
class Judgement:
    """A decision plus the two forms of the arguments: real (for dispatch) and redacted (for the record)."""

    decision: Decision
    real_args: dict[str, Any] = field(default_factory=dict)
    redacted_args: dict[str, Any] = field(default_factory=dict)
    money: dict[str, Any] | None = None


class GateReply(BaseModel):
    """What the caller of the gate gets back. Arguments in it are the redacted ones: a reply never reveals."""

    decision: Decision
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    audit_seq: int | None = None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "request"
    return f"{where}: {err.get('msg', 'invalid')}"


INLINE_TEXT_CHARS = 64
"""A call whose strings are all this short (ids, codes, accounts) is judged inline: no free text to redact."""


def _small(raw: Any) -> bool:
    """True for a request whose argument strings are all short and few (a structured call such as a payment)."""
    args = raw.get("args") if isinstance(raw, dict) else None
    if not isinstance(args, dict) or len(args) > 16:
        return False
    # Numbers arrive as Decimal from the bus (request_limits.parse_bounded keeps money exact).
    return all((isinstance(v, str) and len(v) <= INLINE_TEXT_CHARS) or isinstance(v, (int, float, Decimal, bool))
               or v is None for v in args.values())


def effect_key(request: ToolCallRequest) -> str:
    """The idempotency key of the effect: the business key where the tool has one, else run:step:call:tool."""
    field_name = BUSINESS_KEYS.get(request.tool)
    value = request.args.get(field_name) if field_name else None
    if isinstance(value, str) and value:
        return f"{request.tool}:{value}"
    return request.idempotency_key()


class Gate:
    """Judges tool-call requests. Holds no model and imports no graph: it trusts only policy and its own store."""

    def __init__(self, *, redactor, vault, engine, store: GateStore, audit: AuditLog, approvals: ApprovalStore,
                 call_tool: ToolCaller | None = None, publish_audit: Callable[[dict], Awaitable[None]] | None = None,
                 publish_approval: Callable[[dict], Awaitable[None]] | None = None,
                 directory: Directory | None = None) -> None:
        self.redactor = redactor
        self.vault = vault
        self.engine = engine
        self.store = store
        self.audit = audit
        self.approvals = approvals
        self.directory = directory or Directory()
        self.call_tool = call_tool
        self.publish_audit = publish_audit
        self.publish_approval = publish_approval
        self._claim_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._copies = AuditCopies(lambda: self.publish_audit)

    # -- judging -------------------------------------------------------------------------------------
    def check(self, raw: dict[str, Any] | ToolCallRequest, *, state: dict[str, Any] | None = None,
              count_call: bool = False, bound: Principal | None = None, facts: RunFacts | None = None) -> Judgement:
        """Decide without executing. Offline (`warden gate check`) the request is judged as given; with `bound`
        and `facts` (the bus) its principal and context must agree with them."""
        try:
            request = raw if isinstance(raw, ToolCallRequest) else ToolCallRequest.model_validate(raw)
        except ValidationError as exc:
            return self._deny(f"malformed request: {_first_error(exc)}")
        if request.tool not in TOOL_ARGS:
            return self._deny(f"unknown tool {request.tool!r}"[:120])
        try:
            return self._judge(request, state, count_call, bound, facts)
        except ValidationError as exc:
            return self._deny(f"invalid arguments for {request.tool}: {_first_error(exc)}")
        except UnresolvableToken as exc:
            return self._deny(f"argument is a token that does not resolve: {exc}")
        except RedactionRefused as exc:  # too long, or past the time budget: never passed on half-redacted
            return self._deny(f"redaction refused the call: {exc}"[:300])
        except Exception as exc:  # fail closed: a broken redactor or policy never lets a call through
            log.error("gate failed closed on %s: %s", request.tool, type(exc).__name__)
            return self._deny(f"gate could not evaluate the call ({type(exc).__name__}); denied")

    def _deny(self, reason: str) -> Judgement:
        return Judgement(Decision(decision="deny", reasons=[reason], policy=self._policy_ref()))

    def _binding_error(self, request: ToolCallRequest, bound: Principal, facts: RunFacts | None) -> str | None:
        """What in the body disagrees with what the bus and the stored event establish, if anything."""
        if request.principal.id != bound.id or sorted(request.principal.roles) != sorted(bound.roles):
            return "principal in the request is not the caller the bus authenticated"
        if request.principal.on_behalf_of is not None:
            return "on_behalf_of is set only by the staff API"
        if request.context:
            return "context is established by the gate from its records; a request may not supply it"
        if facts is not None and request.run.graph not in ("", facts.graph):
            return "run.graph is not the caller's graph"
        if facts is not None and facts.tools is not None and request.tool not in facts.tools:
            return f"graph {facts.graph} does not declare the tool {request.tool}"
        return None

    def _judge(self, request: ToolCallRequest, state: dict[str, Any] | None, count_call: bool,
               bound: Principal | None, facts: RunFacts | None) -> Judgement:
        principal = request.principal
        context: dict[str, Any]
        if bound is not None:
            error = self._binding_error(request, bound, facts)
            if error:
                return self._deny(error)
            principal = bound
        vault = self.vault.for_run(request.run.id)
        raw_args = request.args
        args = vault.resolve_obj(plain_numbers(raw_args))
        TOOL_ARGS[request.tool].model_validate(args)
        if facts is not None:
            context = facts.context
        else:
            context = vault.resolve_obj(plain_numbers(request.context)) if bound is None else {}
        check = facts.checks.get(request.tool) if facts is not None else None
        if check is not None:  # the graph package says which arguments must equal its record's facts
            try:
                differ = check(args, context)
            except ValueError as exc:
                return self._deny(f"{request.tool}: arguments cannot be checked against the {facts.record_name} record: {exc}")
            if differ:
                return self._deny(f"{request.tool}: arguments must come from the {facts.record_name} record; these differ: "
                                  + ", ".join(differ))
        key = effect_key(request)
        money: dict[str, Any] = {}
        if request.tool in MONEY_ARGS:  # the amount argument, read exactly from the raw JSON
            amount_arg, currency_arg = MONEY_ARGS[request.tool]
            try:
                money = {"money": parse_amount(raw_args.get(amount_arg), args.get(currency_arg)).as_input()}
            except MoneyError as exc:
                money = {"money_error": exc.reason}
        approval_input = approval_input_for(self.approvals, request, args, key)
        policy_input = {
            "tool": request.tool,
            "known_tool": True,
            "args": args,
            "principal": principal.model_dump(),
            "run": request.run.model_dump(),
            "provenance": {k: request.provenance_of(k) for k in args},
            "context": context,
            "state": state if state is not None else self._state(request, args, principal, key, money, count_call,
                                                                 facts.key if facts is not None else None)
            | record_clock(context),
            "approval": approval_input,
            **money,
        }
        result = self.engine.evaluate(policy_input)
        redacted, found = redact_for_record(self.redactor, args, result.reveal, vault)
        reasons = list(result.reasons)
        if approval_input and approval_input.get("error"):
            reasons.append(approval_input["error"])
        forwarded = dict(redacted)
        for name in result.reveal:
            if name in args:
                forwarded[name] = args[name]
        if result.decision == "allow" and getattr(result, "reveal_facts", None):
            forwarded = reveal_facts(forwarded, result.reveal_facts, context, vault)
        decision = Decision(
            decision=result.decision, reasons=reasons, args=forwarded,
            redactions=[RedactionRecord(path=p, type=t) for p, t in found],
            approval=ApprovalRef(role=result.approval_role or "", reason="; ".join(result.reasons))
            if result.decision == "require_approval" else None,
            policy=self._policy_ref(),
        )
        return Judgement(decision, args, redacted, money.get("money"))

    def _state(self, request: ToolCallRequest, args: dict[str, Any], principal: Principal, key: str,
               money: dict[str, Any], count_call: bool, business_key: str | None) -> dict[str, Any]:
        return policy_state(self.store, request, args, principal, key, money, count_call, self._recipient,
                            business_key)

    def _policy_ref(self) -> PolicyRef:
        return PolicyRef(engine=getattr(self.engine, "name", "unknown"), bundle=getattr(self.engine, "bundle", ""))

    # -- refusing before judging ----------------------------------------------------------------------
    async def refuse(self, reason: str, *, tool: str, principal: Principal, raw: dict[str, Any] | None = None) -> GateReply:
        """A deny for a request that could not be judged at all (malformed, unbounded, unknown run): audited too."""
        decision = Decision(decision="deny", reasons=[reason[:300]], policy=self._policy_ref())
        run = raw.get("run") if isinstance(raw, dict) and isinstance(raw.get("run"), dict) else {}
        run_id = run.get("id") if isinstance(run.get("id"), str) else ""
        record = AuditRecord(tool=tool[:200], run_id=run_id[:200], graph=principal.id.removeprefix("agent:")[:200], step=0,
                             principal=principal.id, decision="deny", reasons=decision.reasons, args={}, redactions=[],
                             policy_engine=decision.policy.engine, policy_bundle=decision.policy.bundle,
                             result_status="refused", approval_id=None, idempotency_key="", timing_ms={}, trace_id="")
        stored = await asyncio.to_thread(self.audit.append, record)
        self._copies.queue(stored)
        return GateReply(decision=decision, audit_seq=stored["seq"])

    # -- executing -----------------------------------------------------------------------------------
    async def handle(self, raw: dict[str, Any], *, bound: Principal | None = None,
                     facts: RunFacts | None = None) -> GateReply:
        """Judge; when allowed, audit the decision, execute, redact the result and audit the result (chained after the
        decision). Every other outcome is one record. The only path from a graph to an effect."""
        started = time.perf_counter()
        with tracer.start_as_current_span("gate.call") as span:
            try:
                request: ToolCallRequest | None = ToolCallRequest.model_validate(raw)
            except ValidationError:
                request = None
            key = effect_key(request) if request is not None else ""
            async with self._claim_lock(request):  # one payment per claim judged at a time in this process
                held = self._hold_payment(request, key)  # before judging: other gate processes see it too
                judge = functools.partial(self.check, request or raw, count_call=True, bound=bound, facts=facts)
                # Short structured calls are judged on the loop (a thread hop costs more than the work); anything
                # with text worth redacting goes to a worker thread, so the loop keeps answering other calls.
                inline = _small(raw)
                judgement = judge() if inline else await asyncio.to_thread(judge)
                if judgement.decision.allowed and request is not None and request.approval_id:
                    judgement = self._spend_approval(request, judgement, key)
                if held and not judgement.decision.allowed:
                    self._release(request, key)
            decision, real_args = judgement.decision, judgement.real_args
            judged = time.perf_counter()
            span.set_attribute("warden.tool", str(raw.get("tool", ""))[:100])
            span.set_attribute("warden.decision", decision.decision)
            status = "not_executed"
            opened = None
            if decision.decision == "require_approval" and request is not None and decision.approval:
                context = facts.context if facts else request.context
                opened = open_approval(self.approvals, self.store, request=request, decision=decision,
                                       real_args=real_args, redacted_args=judgement.redacted_args,
                                       money=judgement.money, key=key, requester=bound or request.principal,
                                       context=context)
                decision.approval.id = opened.id
            reply = GateReply(decision=decision.model_copy(update={"args": judgement.redacted_args}))
            trace_id = format(span.get_span_context().trace_id, "032x")
            principal = bound or (request.principal if request else None)

            def record(result_status: str) -> AuditRecord:
                timing = {"judge": round((judged - started) * 1000, 3), "total": round((time.perf_counter() - started) * 1000, 3)}
                return self._record(raw, request, principal, decision, judgement, result_status, key, timing, trace_id)

            if decision.allowed and request is not None:
                # The decision is on the record before the effect happens; its result follows, chained after it.
                try:
                    dispatched = await self._append(record(DISPATCHED), inline)
                except Exception:  # no record, no effect: the call fails closed and its hold goes
                    if held:
                        self._release(request, key)
                    raise
                self._copies.queue(dispatched)
                status = await self._execute(request, decision, reply, key, judgement, facts, bound)
        stored = await self._append(record(status), inline)
        reply.audit_seq = stored["seq"]
        if self.publish_approval and opened is not None:
            try:
                await self.publish_approval(opened.model_dump(mode="json"))
            except Exception as exc:  # the approval is recorded; announcing it is best effort
                log.warning("approval announce failed: %s", exc)
        self._copies.queue(stored)
        return reply

    def _record(self, raw: dict[str, Any], request: ToolCallRequest | None, principal: Principal | None,
                decision: Decision, judgement: Judgement, result_status: str, key: str, timing: dict[str, float],
                trace_id: str) -> AuditRecord:
        return AuditRecord(
            tool=str(raw.get("tool", ""))[:200], run_id=request.run.id if request else "",
            graph=request.run.graph if request else "", step=request.run.step if request else 0,
            principal=principal.id if principal else "", decision=decision.decision, reasons=decision.reasons,
            args=judgement.redacted_args, redactions=[r.model_dump() for r in decision.redactions],
            policy_engine=decision.policy.engine if decision.policy else "",
            policy_bundle=decision.policy.bundle if decision.policy else "", result_status=result_status,
            approval_id=decision.approval.id if decision.approval else (request.approval_id if request else None),
            idempotency_key=key, timing_ms=timing, trace_id=trace_id)

    async def _append(self, record: AuditRecord, inline: bool) -> dict[str, Any]:
        """Append to the trail: on the loop for a short structured call, else in a worker thread."""
        return self.audit.append(record) if inline else await asyncio.to_thread(self.audit.append, record)

    async def flush_audit_copies(self) -> None:
        """Wait until every record queued for the AUDIT stream is published (a stopping gate sends what it recorded)."""
        await self._copies.flush()

    def _spend_approval(self, request: ToolCallRequest, judgement: Judgement, key: str) -> Judgement:
        """An allowed call that claims an approval uses it up (compare-and-set); a second use is denied."""
        try:
            self.approvals.use(request.approval_id, key)
        except ApprovalError as exc:
            return Judgement(Decision(decision="deny", reasons=[str(exc)], policy=self._policy_ref()),
                             judgement.real_args, judgement.redacted_args)
        return judgement

    def _claim_lock(self, request: ToolCallRequest | None) -> asyncio.Lock | contextlib.nullcontext:
        serial = serial_key(request)
        if serial is None:
            return contextlib.nullcontext()
        lock = self._claim_locks.get(serial)
        if lock is None:
            lock = self._claim_locks[serial] = asyncio.Lock()
        return lock

    def _hold_payment(self, request: ToolCallRequest | None, key: str) -> bool:
        return hold(self.store, request, key)

    async def _execute(self, request: ToolCallRequest, decision: Decision, reply: GateReply, key: str,
                       judgement: Judgement, facts: RunFacts | None, bound: Principal | None) -> str:
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
        self._remember_effect(request, judgement, result, key, facts, bound)
        if request.tool in STRUCTURED_RESULTS:
            reply.result = result
        else:
            vault = self.vault.for_run(request.run.id)
            reply.result, _ = await asyncio.to_thread(self.redactor.redact_args, result, vault=vault, path="result")
        return str(result.get("status", "ok")) if isinstance(result, dict) else "ok"

    def _release(self, request: ToolCallRequest, key: str) -> None:
        release(self.store, request, key)

    def _remember_effect(self, request: ToolCallRequest, judgement: Judgement, result: Any, key: str,
                         facts: RunFacts | None, principal: Principal | None) -> None:
        remember(self.store, request, judgement.real_args, judgement.money, result, key, facts, principal,
                 self._recipient)

    def _recipient(self, to: str) -> str:
        """The recipient as the store keeps it: a keyed digest, never the address (PII at rest)."""
        return self.vault.digest("recipient", to.strip().lower())
