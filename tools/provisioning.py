"""`provisioning.reserve` / `provisioning.release`: capacity reservations (SQLite, or Postgres), once per idempotency key.

Quotas and approvals are the gate's business; this service only records what was reserved and
refuses to release what it never reserved.
"""
from __future__ import annotations

import time
import uuid

from nats.aio.client import Client

from warden.settings import Settings
from tools.errors import InvalidToolArgs
from tools.ledger import LedgerConnection, open_ledger
from tools.schemas import ProvisionReleaseArgs, ProvisionReserveArgs, ReservationResult
from tools.gate_proof import GateVerifier
from tools.service import CallContext, ToolService, ToolSpec

RESERVE = "provisioning.reserve"
RELEASE = "provisioning.release"
DB_NAME = "provisioning.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    resource TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('reserved', 'released')),
    run_id TEXT,
    created_at REAL NOT NULL,
    released_at REAL
);
"""


class Reservations:
    """The reservations table and the two tools that change it."""

    def __init__(self, settings: Settings) -> None:
        self.store = open_ledger(settings, DB_NAME, SCHEMA)

    async def reserve(self, args: ProvisionReserveArgs, ctx: CallContext) -> ReservationResult:
        if args.quantity < 1:
            raise InvalidToolArgs(f"invalid arguments for {RESERVE}: quantity: must be at least 1")

        def insert(conn: LedgerConnection) -> dict:
            reservation_id = args.reservation_id or f"RES-{uuid.uuid4().hex[:16].upper()}"
            conn.execute("INSERT INTO reservations (reservation_id, idempotency_key, resource, quantity, reason, status, "
                         "run_id, created_at) VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?)",
                         (reservation_id, ctx.idempotency_key, args.resource, args.quantity, args.reason, ctx.run_id,
                          time.time()))
            return {"reservation_id": reservation_id, "status": "reserved", "resource": args.resource,
                    "quantity": args.quantity}

        result, duplicate = await self.store.once(ctx, args, insert)
        return ReservationResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    async def release(self, args: ProvisionReleaseArgs, ctx: CallContext) -> ReservationResult:
        def mark_released(conn: LedgerConnection) -> dict:
            row = conn.execute("SELECT * FROM reservations WHERE reservation_id = ?", (args.reservation_id,)).fetchone()
            if row is None:
                raise InvalidToolArgs(f"invalid arguments for {RELEASE}: reservation_id: no such reservation")
            if row["status"] == "reserved":  # releasing twice is a no-op, not an error
                conn.execute("UPDATE reservations SET status = 'released', released_at = ? WHERE reservation_id = ?",
                             (time.time(), args.reservation_id))
            return {"reservation_id": row["reservation_id"], "status": "released", "resource": row["resource"],
                    "quantity": row["quantity"]}

        result, duplicate = await self.store.once(ctx, args, mark_released)
        return ReservationResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    async def reserved_quantity(self, resource: str) -> int:
        """Units of `resource` currently reserved."""
        row = await self.store.read(lambda c: c.execute("SELECT COALESCE(SUM(quantity), 0) AS n FROM reservations "
                                                        "WHERE resource = ? AND status = 'reserved'",
                                                        (resource,)).fetchone())
        return int(row["n"])

    def close(self) -> None:
        self.store.close()


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `provisioning` micro service (not yet started)."""
    reservations = Reservations(settings)
    return ToolService(nc, "provisioning", [ToolSpec(RESERVE, ProvisionReserveArgs, reservations.reserve, effectful=True),
                                            ToolSpec(RELEASE, ProvisionReleaseArgs, reservations.release, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description="Capacity reservations",
                       on_stop=reservations.close)
