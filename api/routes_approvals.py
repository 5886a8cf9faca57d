"""The approvals inbox over HTTP: list, stream, read, and decide as the authenticated person.

A decision takes the CLI's path (`ApprovalStore.decide`: role check, never the requester, compare-and-set), then
the gate's own delivery (`GateService.announce_decisions`) wakes the waiting run. Deciding twice is a 409; every
decision and every refusal is written to the audit trail.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from guardrails.approvals import Approval, ApprovalError, approving_role
from guardrails.audit import AuditRecord
from guardrails.contracts import Principal
from api.auth import PEOPLE, require, still_signed_in
from api.context import ApiContext, get_ctx
from api.errors import Conflict, Forbidden, NotFound, error_doc
from api.inbox import approval_view, visible_to
from api.sse import PING, SSE_HEADERS, SSE_RESPONSE, frame

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])
ApprovalId = Path(..., pattern=r"^apr-[0-9a-f]{1,64}$", description="an approval id (apr-...)")


class ApprovalOut(BaseModel):
    id: str
    run_id: str
    graph: str
    tool: str
    role: str
    reason: str
    args: dict[str, Any] = Field(description="redacted: PII appears as tokens such as <BANK_ACCOUNT_1>")
    args_hash: str
    facts: dict[str, Any]
    status: str
    created_at: float
    expires_at: float
    decided_by: str | None = None
    decided_role: str | None = None


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]


class DecisionIn(BaseModel):
    decision: Literal["approve", "deny"]
    reason: str | None = Field(default=None, max_length=500, description="why (kept in the audit trail)")


class DecisionOut(BaseModel):
    approval: ApprovalOut
    run_resumed: bool = Field(description="the answer was delivered to the waiting run now (else the gate's sweep does)")


@router.get("", response_model=ApprovalList, summary="Approvals the caller's roles may decide (pending by default)")
async def list_approvals(status: Literal["pending", "approved", "denied", "expired", "all"] = Query("pending"),
                         who: Principal = Depends(require(*PEOPLE)), ctx: ApiContext = Depends(get_ctx)) -> ApprovalList:
    items = await asyncio.to_thread(ctx.approvals.list, None if status == "all" else status)
    return ApprovalList(approvals=[ApprovalOut(**approval_view(a)) for a in items if visible_to(a, who.roles)])


@router.get("/stream", summary="Live inbox (SSE): the pending list, then each new or decided approval",
            response_class=StreamingResponse, responses=SSE_RESPONSE)
async def stream_approvals(request: Request, who: Principal = Depends(require(*PEOPLE)),
                           ctx: ApiContext = Depends(get_ctx)) -> StreamingResponse:
    queue = ctx.inbox.subscribe()  # before the snapshot: nothing opened in between is missed

    async def events() -> AsyncIterator[bytes]:
        try:
            pending = await asyncio.to_thread(ctx.inbox.pending, who.roles)
            yield frame("snapshot", {"approvals": [approval_view(a) for a in pending]})
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), ctx.sse_ping_s)
                except asyncio.TimeoutError:
                    if not await still_signed_in(request, ctx):
                        yield frame("error", {"error": "token revoked or expired"})
                        return
                    yield PING
                    continue
                if "admin" in who.roles or event["approval"]["role"] in who.roles:
                    yield frame(event["type"], event["approval"])
        finally:
            ctx.inbox.unsubscribe(queue)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/{approval_id}", response_model=ApprovalOut, summary="One approval",
            responses={404: error_doc("no such approval")})
async def get_approval(approval_id: str = ApprovalId, who: Principal = Depends(require(*PEOPLE)),
                       ctx: ApiContext = Depends(get_ctx)) -> ApprovalOut:
    approval = await _load(ctx, approval_id)
    if not visible_to(approval, who.roles):
        raise Forbidden(f"this approval is for the {approval.role} role")
    return ApprovalOut(**approval_view(approval))


@router.post("/{approval_id}", response_model=DecisionOut, summary="Approve or deny, once, as yourself",
             responses={403: error_doc("your role may not decide it"), 404: error_doc("no such approval"),
                        409: error_doc("already decided, expired or used")})
async def decide(body: DecisionIn, approval_id: str = ApprovalId, who: Principal = Depends(require(*PEOPLE)),
                 ctx: ApiContext = Depends(get_ctx)) -> DecisionOut:
    approval = await _load(ctx, approval_id)
    try:
        approving_role(approval, who)
    except ApprovalError as exc:
        await _audit(ctx, approval, who, "deny", f"decision refused: {exc}", "refused")
        raise Forbidden(str(exc)) from None
    if approval.status != "pending":
        await _audit(ctx, approval, who, "deny", f"decision refused: approval is {approval.status}", "refused")
        raise Conflict(f"approval is {approval.status}, not pending")
    try:
        decided = await asyncio.to_thread(ctx.approvals.decide, approval.id, approve=body.decision == "approve",
                                          approver=who)
    except ApprovalError as exc:  # someone else won the compare-and-set meanwhile
        await _audit(ctx, approval, who, "deny", f"decision refused: {exc}", "refused")
        raise Conflict(str(exc)) from None
    note = await asyncio.to_thread(ctx.redact, body.reason) if body.reason else ""  # free text: no raw PII in the trail
    reason = f"{body.decision}d by {who.id}" + (f": {note}" if note else "")
    await _audit(ctx, decided, who, "allow" if body.decision == "approve" else "deny", reason, decided.status)
    resumed = False
    if ctx.announce is not None:
        try:
            await ctx.announce()
            resumed = True
        except Exception:  # recorded; the gate's sweep delivers it
            resumed = False
    await ctx.inbox.refresh()
    return DecisionOut(approval=ApprovalOut(**approval_view(decided)), run_resumed=resumed)


async def _load(ctx: ApiContext, approval_id: str) -> Approval:
    try:
        return await asyncio.to_thread(ctx.approvals.get, approval_id)
    except ApprovalError:
        raise NotFound("no such approval") from None


async def _audit(ctx: ApiContext, approval: Approval, who: Principal, decision: str, reason: str, status: str) -> None:
    """A person's decision (or a refused one) joins the same hash-chained trail as the gate's."""
    record = AuditRecord(tool="approvals.decide", run_id=approval.run_id, graph=approval.graph, principal=who.id,
                         decision=decision, reasons=[reason[:300]], args={"approval_id": approval.id, "tool": approval.tool},
                         result_status=status, approval_id=approval.id, at=time.time())
    await asyncio.to_thread(ctx.audit.append, record)
