"""`tickets.update`: sets a support ticket's status and appends a comment, once per idempotency key.

An unknown ticket id is created (upsert): tickets are opened by whatever system first mentions them.
"""
from __future__ import annotations

import time
from typing import Any

from nats.aio.client import Client

from warden.settings import Settings
from tools.ledger import LedgerConnection, open_ledger
from tools.schemas import TicketUpdateArgs, TicketUpdateResult
from tools.gate_proof import GateVerifier
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "tickets.update"
DB_NAME = "tickets.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ticket_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    comment TEXT NOT NULL,
    run_id TEXT,
    created_at REAL NOT NULL
);
"""


class Tickets:
    """The tickets table (current status) and its history of updates."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_ledger(settings, DB_NAME, SCHEMA)

    async def update(self, args: TicketUpdateArgs, ctx: CallContext) -> TicketUpdateResult:
        def upsert(conn: LedgerConnection) -> dict:
            now = time.time()
            conn.execute("INSERT INTO tickets (ticket_id, status, created_at, updated_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (ticket_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
                         (args.ticket_id, args.status, now, now))
            conn.execute("INSERT INTO ticket_updates (ticket_id, idempotency_key, status, comment, run_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (args.ticket_id, ctx.idempotency_key, args.status, args.comment, ctx.run_id, now))
            return {"ticket_id": args.ticket_id, "status": "updated", "ticket_status": args.status}

        result, duplicate = await self.store.once(ctx, args, upsert)
        return TicketUpdateResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    async def get(self, ticket_id: str) -> dict[str, Any] | None:
        """A ticket's current status and its updates, oldest first; None when unknown."""
        def query(conn: LedgerConnection) -> dict[str, Any] | None:
            row = conn.execute("SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
            if row is None:
                return None
            updates = conn.execute("SELECT status, comment, run_id, created_at FROM ticket_updates WHERE ticket_id = ? "
                                   "ORDER BY id", (ticket_id,)).fetchall()
            return {**dict(row), "updates": [dict(u) for u in updates]}

        return await self.store.read(query)

    def close(self) -> None:
        self.store.close()


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `tickets` micro service (not yet started)."""
    tickets = Tickets(settings)
    return ToolService(nc, "tickets", [ToolSpec(TOOL, TicketUpdateArgs, tickets.update, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description="Support tickets",
                       on_stop=tickets.close)
