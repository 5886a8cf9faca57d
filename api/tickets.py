"""The ticket desk: tickets as staff see them (text redacted before it is stored), each with its triage."""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.ticket_triage import POLICY_NUMBER, triage
from api.ticket_webhook import WebhookVerifier, load_secret
from warden.settings import Settings


def _mask_policy(number: str) -> str:
    return number[:4] + "****" + number[-4:]


class TicketDesk:
    """SQLite (`<data_dir>/helpdesk.db`; tickets.db is the tickets tool's ledger); raw ticket text never reaches disk."""

    def __init__(self, db_path: Path, redact: Callable[[str], str]) -> None:
        self.redact = redact
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS tickets (id TEXT PRIMARY KEY, body TEXT NOT NULL, at REAL NOT NULL)")
        self._lock = threading.Lock()

    def receive(self, *, subject: str, description: str, source: str, external_id: str | None = None,
                requester: str | None = None) -> dict[str, Any]:
        """Triage a ticket from its raw text (in memory only), store it redacted, return what was stored."""
        verdict = triage(subject, description)
        verdict.policy_numbers = [_mask_policy(p) for p in verdict.policy_numbers]
        ticket = {"id": "tkt-" + uuid.uuid4().hex[:12], "external_id": external_id, "source": source,
                  "received_at": time.time(), "subject": self.redact(subject)[:500],
                  "description": POLICY_NUMBER.sub("<POLICY_NUMBER>", self.redact(description))[:8000],
                  "requester": self.redact(requester)[:200] if requester else None,
                  "status": "triaged", "triage": verdict.model_dump(), "reply_sent": False}
        with self._lock:
            self._db.execute("INSERT INTO tickets VALUES (?,?,?)", (ticket["id"], json.dumps(ticket), ticket["received_at"]))
        return ticket

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM tickets ORDER BY at DESC LIMIT ?", (limit,)).fetchall()
        return [json.loads(b) for (b,) in rows]

    def get(self, ticket_id: str) -> dict[str, Any] | None:
        if not re.fullmatch(r"tkt-[0-9a-f]{12}", ticket_id):
            return None
        with self._lock:
            row = self._db.execute("SELECT body FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return json.loads(row[0]) if row else None


@dataclass
class TicketService:
    """The desk and the webhook's verifier, as the routes use them."""

    desk: TicketDesk
    verifier: WebhookVerifier


def ticket_service(settings: Settings, redact: Callable[[str], str]) -> TicketService:
    """Stores under `settings.data_dir`; the webhook secret at `secrets/ticket_webhook.key` (created once)."""
    secret = load_secret(settings.path("secrets", "ticket_webhook.key"))
    return TicketService(TicketDesk(settings.path("helpdesk.db"), redact),
                         WebhookVerifier(secret, settings.path("helpdesk.db")))
