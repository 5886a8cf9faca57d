"""`offers.discount`: a discount offered to a lead, recorded once per lead in the CRM's offer book.

How large a discount may be offered without a sales manager is the gate's business
(guardrails/policies/leads.rego); this service records the offer the gate signed, at most once per lead.
"""
from __future__ import annotations

import time

from nats.aio.client import Client

from tools.gate_proof import GateVerifier
from tools.ledger import LedgerConnection, open_ledger
from tools.schemas import DiscountOfferArgs, DiscountOfferResult
from tools.service import CallContext, ToolService, ToolSpec
from warden.settings import Settings

TOOL = "offers.discount"
DB_NAME = "offers.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS offers (
    offer_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    lead_id TEXT NOT NULL,
    percent INTEGER NOT NULL,
    reason TEXT NOT NULL,
    run_id TEXT,
    created_at REAL NOT NULL
);
"""


class OfferBook:
    """The discount offers made to leads."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_ledger(settings, DB_NAME, SCHEMA)

    async def offer(self, args: DiscountOfferArgs, ctx: CallContext) -> DiscountOfferResult:
        offer_id = f"OFF-{args.lead_id.removeprefix('LEAD-')}"

        def record(conn: LedgerConnection) -> dict:
            conn.execute("INSERT INTO offers (offer_id, idempotency_key, lead_id, percent, reason, run_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (offer_id, ctx.idempotency_key, args.lead_id, args.percent, args.reason, ctx.run_id, time.time()))
            return {"offer_id": offer_id, "lead_id": args.lead_id, "percent": args.percent, "status": "offered"}

        result, duplicate = await self.store.once(ctx, args, record)
        return DiscountOfferResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    def close(self) -> None:
        self.store.close()


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `offers` micro service (not yet started)."""
    book = OfferBook(settings)
    return ToolService(nc, "offers", [ToolSpec(TOOL, DiscountOfferArgs, book.offer, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description="Discount offers to leads",
                       on_stop=book.close)
