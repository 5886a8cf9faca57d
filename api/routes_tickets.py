"""Tickets: the signed help-desk webhook, a staff form, and the triaged queue.

Triage drafts a reply but this API has no way to send one: a public reply is an effect, and effects go through
the gate with a person's approval (docs/ARCHITECTURE.md), so an injected ticket can be triaged and nothing more.
"""
from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, ValidationError

from guardrails.audit import AuditRecord
from guardrails.contracts import Principal
from api.auth import TICKET_WORKERS, require
from api.context import ApiContext, get_ctx
from api.errors import ApiError, Conflict, Unauthorized, error_doc
from api.ticket_triage import Triage
from api.ticket_webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature, Replayed

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


class TicketDetail(BaseModel):
    id: str = Field(max_length=64)
    subject: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=20000)
    requester_id: str | int | None = None


class ZendeskEvent(BaseModel):
    """Zendesk's event webhook shape (`zen:event-type:ticket.created`); unknown fields are ignored."""

    id: str = Field(min_length=1, max_length=128, description="the delivery's event id (deduplicated)")
    type: str = Field(max_length=128)
    detail: TicketDetail


class TicketIn(BaseModel):
    subject: str = Field(min_length=1, max_length=500)
    description: str = Field(min_length=1, max_length=20000)


class TicketOut(BaseModel):
    id: str
    external_id: str | None = None
    source: str
    received_at: float
    subject: str
    description: str
    requester: str | None = None
    status: str
    triage: Triage
    reply_sent: Literal[False] = False


class TicketList(BaseModel):
    tickets: list[TicketOut]


def _desk(ctx: ApiContext) -> Any:
    if ctx.tickets is None:
        raise ApiError(503, "the ticket desk is not configured in this process")
    return ctx.tickets


@router.post("/webhook", response_model=TicketOut, status_code=202, summary="Help-desk webhook (HMAC-signed)",
             responses={401: error_doc("signature missing, wrong or too old"), 409: error_doc("delivery replayed"),
                        503: error_doc("no ticket desk here")})
async def webhook(request: Request, ctx: ApiContext = Depends(get_ctx)) -> TicketOut:
    desk = _desk(ctx)
    body = await request.body()
    try:
        desk.verifier.verify(request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER), body)
        event = ZendeskEvent.model_validate_json(body)
        await asyncio.to_thread(desk.verifier.first_delivery, event.id)
    except BadSignature as exc:
        await _refused(ctx, str(exc))
        raise Unauthorized(str(exc)) from None
    except Replayed as exc:
        await _refused(ctx, str(exc))
        raise Conflict(str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        field = ".".join(["body", *map(str, first["loc"])])
        raise ApiError(422, f"invalid {field}: {first['msg']}") from None
    ticket = await asyncio.to_thread(desk.desk.receive, subject=event.detail.subject, description=event.detail.description,
                                     source="zendesk", external_id=event.detail.id,
                                     requester=str(event.detail.requester_id) if event.detail.requester_id else None)
    return TicketOut(**ticket)


@router.post("", response_model=TicketOut, status_code=201, summary="File a ticket as staff",
             responses={503: error_doc("no ticket desk here")})
async def create_ticket(body: TicketIn, who: Principal = Depends(require(*TICKET_WORKERS)),
                        ctx: ApiContext = Depends(get_ctx)) -> TicketOut:
    desk = _desk(ctx)
    ticket = await asyncio.to_thread(desk.desk.receive, subject=body.subject, description=body.description,
                                     source=who.id)
    return TicketOut(**ticket)


@router.get("", response_model=TicketList, summary="The triaged queue, newest first",
            responses={503: error_doc("no ticket desk here")})
async def list_tickets(limit: int = Query(100, ge=1, le=1000), _: Principal = Depends(require(*TICKET_WORKERS)),
                       ctx: ApiContext = Depends(get_ctx)) -> TicketList:
    desk = _desk(ctx)
    return TicketList(tickets=[TicketOut(**t) for t in await asyncio.to_thread(desk.desk.list, limit)])


async def _refused(ctx: ApiContext, reason: str) -> None:
    record = AuditRecord(tool="tickets.webhook", run_id="", principal="webhook:helpdesk", decision="deny",
                         reasons=[reason[:300]], result_status="refused")
    await asyncio.to_thread(ctx.audit.append, record)
