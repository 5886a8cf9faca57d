"""What the API's handlers share: the stores, the inbox, the journal, and how to reach the gate and the bus."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from guardrails.approvals import ApprovalStore
from guardrails.audit import AuditLog
from guardrails.directory import Directory
from warden.settings import Settings
from api.inbox import ApprovalInbox
from api.journal import RunJournal


@dataclass
class ApiContext:
    """One per served app. `announce` delivers decided approvals to their waiting runs (the gate's own path,
    `GateService.announce_decisions`); without it the gate's periodic sweep delivers them."""

    settings: Settings
    directory: Directory
    approvals: ApprovalStore
    audit: AuditLog
    journal: RunJournal
    inbox: ApprovalInbox
    roles: tuple[str, ...] = ()
    announce: Callable[[], Awaitable[int]] | None = None
    readiness: Callable[[], dict[str, bool]] = field(default=lambda: {})
    metric_lines: Callable[[], list[str]] = field(default=lambda: [])
    redact: Callable[[str], str] = field(default=lambda text: _redact(text))
    chat: Any = None  # api.chat.ChatService
    tickets: Any = None  # api.tickets.TicketService
    starter: Any = None  # api.run_starter.RunStarter
    max_body_bytes: int = 256 * 1024
    sse_ping_s: float = 15.0


def get_ctx(request: Request) -> ApiContext:
    """FastAPI dependency: the context of the app serving this request."""
    return request.app.state.ctx


def _redact(text: str) -> str:
    """Free text a person typed, with PII replaced by its type (the gate's redactor)."""
    from guardrails.redaction import get_redactor

    return get_redactor().redact_text(text[:4000]).text
