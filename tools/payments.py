"""`payments.issue`: pays a claim into the ledger (SQLite, or Postgres with WARDEN_POSTGRES_URL), at most once per
idempotency key.

The ledger's UNIQUE idempotency_key is a second lock on the door: even if the call record were
lost, the same key could not produce a second payment row. The payee account is stored sealed under the
tools key (tools/at_rest.py): the ledger lives in the data folder, and `warden pii scan` finds no account there.
"""
from __future__ import annotations

import math
import time
import uuid

from nats.aio.client import Client

from warden.settings import Settings
from tools.at_rest import ColumnCipher
from tools.errors import InvalidToolArgs
from tools.ledger import LedgerConnection, ledger_snapshot, open_ledger
from tools.schemas import PaymentArgs, PaymentResult
from tools.gate_proof import GateVerifier
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "payments.issue"
DB_NAME = "payments.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    payment_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    claim_id TEXT NOT NULL,
    amount REAL NOT NULL,
    currency TEXT NOT NULL,
    payee_account TEXT NOT NULL,  -- enc1:<Fernet token> under tools.key
    run_id TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS payments_by_claim ON payments (claim_id);
"""


class PaymentsLedger:
    """The payments ledger: every payment ever issued, one row per idempotency key."""

    def __init__(self, settings: Settings) -> None:
        self.cipher = ColumnCipher.from_settings(settings)
        self.store = open_ledger(settings, DB_NAME, SCHEMA, self.cipher)
        self.store.seal_columns("payments", "payment_id", ("payee_account",))

    async def issue(self, args: PaymentArgs, ctx: CallContext) -> PaymentResult:
        if not math.isfinite(args.amount) or args.amount <= 0:
            raise InvalidToolArgs(f"invalid arguments for {TOOL}: amount: must be a positive number")
        if not (args.currency.isascii() and args.currency.isalpha()):
            raise InvalidToolArgs(f"invalid arguments for {TOOL}: currency: must be a 3-letter ISO 4217 code")
        currency = args.currency.upper()

        def pay(conn: LedgerConnection) -> dict:
            payment_id = f"PAY-{uuid.uuid4().hex[:16].upper()}"
            conn.execute("INSERT INTO payments (payment_id, idempotency_key, claim_id, amount, currency, payee_account, "
                         "run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (payment_id, ctx.idempotency_key, args.claim_id, args.amount, currency,
                          self.cipher.seal(args.payee_account), ctx.run_id, time.time()))
            return {"payment_id": payment_id, "status": "paid", "amount": args.amount, "currency": currency}

        result, duplicate = await self.store.once(ctx, args, pay)
        return PaymentResult(**{**result, "status": "duplicate" if duplicate else result["status"]})

    async def total_paid(self, claim_id: str) -> float:
        """Everything paid on one claim so far (policy limits the total per claim, not only each payment)."""
        row = await self.store.read(lambda c: c.execute("SELECT COALESCE(SUM(amount), 0) AS total FROM payments "
                                                        "WHERE claim_id = ?", (claim_id,)).fetchone())
        return float(row["total"])

    async def count(self) -> int:
        row = await self.store.read(lambda c: c.execute("SELECT COUNT(*) AS n FROM payments").fetchone())
        return int(row["n"])

    async def payees(self) -> list[tuple[str, str]]:
        """(claim_id, payee account in clear) for every payment: for reconciliation, never for logs."""
        rows = await self.store.read(lambda c: c.execute("SELECT claim_id, payee_account FROM payments "
                                                         "ORDER BY created_at").fetchall())
        return [(r["claim_id"], self.cipher.open(r["payee_account"])) for r in rows]

    def close(self) -> None:
        self.store.close()


def ledger_rows(settings: Settings) -> list[dict]:
    """Every payment row of the ledger (SQLite or Postgres), oldest first, with `payee_account` opened with the tools key.

    For reconciliation and tests (the stored column is ciphertext); read-only, and never for logs.
    """
    rows = ledger_snapshot(settings, DB_NAME, "SELECT * FROM payments ORDER BY created_at")
    if not rows:
        return []
    cipher = ColumnCipher.from_settings(settings)
    return [{**r, "payee_account": cipher.open(r["payee_account"])} for r in rows]


def ledger_payees(settings: Settings) -> list[tuple[str, str]]:
    """(claim_id, payee account in clear) of every payment, oldest first."""
    return [(r["claim_id"], r["payee_account"]) for r in ledger_rows(settings)]


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `payments` micro service (not yet started)."""
    ledger = PaymentsLedger(settings)
    return ToolService(nc, "payments", [ToolSpec(TOOL, PaymentArgs, ledger.issue, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description="Claim payments ledger",
                       on_stop=ledger.close)
