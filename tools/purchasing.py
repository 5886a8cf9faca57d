"""`purchasing.order`: purchase orders (SQLite, or Postgres), placed at most once per order id.

Spend limits and approvals are the gate's business (guardrails/policies/purchasing.rego reads the day's spend
from the gate's own store); this service records the order with its exact total and refuses nothing the gate
signed except malformed money.
"""
from __future__ import annotations

import time
from decimal import Decimal

from nats.aio.client import Client

from tools.errors import InvalidToolArgs
from tools.gate_proof import GateVerifier
from tools.ledger import LedgerConnection, open_ledger
from tools.schemas import PurchaseOrderArgs, PurchaseOrderResult
from tools.service import CallContext, ToolService, ToolSpec
from warden.settings import Settings

TOOL = "purchasing.order"
DB_NAME = "purchasing.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    sku TEXT NOT NULL,
    supplier_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price TEXT NOT NULL,  -- exact decimal text
    total TEXT NOT NULL,
    currency TEXT NOT NULL,
    run_id TEXT,
    created_at REAL NOT NULL
);
"""


def order_total(args: PurchaseOrderArgs) -> tuple[Decimal, str]:
    """quantity x unit price, exact (Decimal, never float). The gate has already read the price in minor units of
    the currency (guardrails/money.py); this only refuses what no gate should have let through."""
    if not (args.currency.isascii() and args.currency.isalpha()):
        raise InvalidToolArgs(f"invalid arguments for {TOOL}: currency: must be a 3-letter ISO 4217 code")
    if not args.unit_price.is_finite() or args.unit_price <= 0:
        raise InvalidToolArgs(f"invalid arguments for {TOOL}: unit_price: must be a positive amount")
    return args.unit_price * args.quantity, args.currency.upper()


class PurchaseOrders:
    """The purchase-order book."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_ledger(settings, DB_NAME, SCHEMA)

    async def order(self, args: PurchaseOrderArgs, ctx: CallContext) -> PurchaseOrderResult:
        total, currency = order_total(args)

        def place(conn: LedgerConnection) -> dict:
            conn.execute("INSERT INTO orders (order_id, idempotency_key, sku, supplier_id, quantity, unit_price, total, "
                         "currency, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (args.order_id, ctx.idempotency_key, args.sku, args.supplier_id, args.quantity,
                          str(args.unit_price), str(total), currency, ctx.run_id, time.time()))
            return {"order_id": args.order_id, "status": "placed", "sku": args.sku, "supplier_id": args.supplier_id,
                    "quantity": args.quantity, "total": str(total), "currency": currency}

        result, duplicate = await self.store.once(ctx, args, place)
        return PurchaseOrderResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    def close(self) -> None:
        self.store.close()


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `purchasing` micro service (not yet started)."""
    orders = PurchaseOrders(settings)
    return ToolService(nc, "purchasing", [ToolSpec(TOOL, PurchaseOrderArgs, orders.order, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description="Purchase orders",
                       on_stop=orders.close)
