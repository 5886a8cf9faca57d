"""The tool ledgers behave the same in SQLite and Postgres: each key applies its effect once, in one process or
in two racing, a key reused with other arguments is a conflict, an effect that raises leaves no trace, and sealed
columns hold no clear value. Every tool family's own SQL runs on both."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from warden.postgres import PostgresUnavailable
from tools.at_rest import ToolsKeyError
from tools.errors import IdempotencyConflict, InvalidToolArgs
from tools.ledger import LedgerConnection, ledger_snapshot, open_ledger
from tools.notifications import Notifier
from tools.offers import OfferBook
from tools.payments import PaymentsLedger, ledger_rows
from tools.provisioning import Reservations
from tools.purchasing import PurchaseOrders
from tools.schemas import (DiscountOfferArgs, NotificationArgs, PaymentArgs, ProvisionReleaseArgs, ProvisionReserveArgs,
                           PurchaseOrderArgs, TicketUpdateArgs)
from tools.service import CallContext
from tools.tickets import Tickets
from warden.settings import Settings

PAY = {"claim_id": "CLM-1001", "amount": 850.0, "currency": "usd", "payee_account": "ACCT-77812"}
EFFECTS = "CREATE TABLE IF NOT EXISTS effects (idempotency_key TEXT NOT NULL, applied_at REAL NOT NULL);"


@pytest.fixture(params=["sqlite", "postgres"])
def tools_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a tools process: SQLite files under a data folder, or (WARDEN_POSTGRES_URL) a fresh database.
    Every ledger opened from them is a separate instance, like another tools process sharing the store."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    yield Settings(_env_file=None, data_dir=tmp_path / "warden", postgres_url=url,
                   tools_key=Fernet.generate_key().decode())


def ctx(key: str, tool: str = "payments.issue", run_id: str = "run-1") -> CallContext:
    return CallContext(tool, key, run_id)


async def test_a_key_pays_once_and_other_arguments_are_a_conflict(tools_settings: Settings) -> None:
    book = PaymentsLedger(tools_settings)
    try:
        first = await book.issue(PaymentArgs(**PAY), ctx("k-1"))
        again = await book.issue(PaymentArgs(**PAY), ctx("k-1", run_id="run-retry"))
        with pytest.raises(IdempotencyConflict, match="k-1"):
            await book.issue(PaymentArgs(**{**PAY, "amount": 9000.0}), ctx("k-1"))
        await book.issue(PaymentArgs(**{**PAY, "amount": 100.25}), ctx("k-2"))
        assert (first.status, again.status, again.payment_id) == ("paid", "duplicate", first.payment_id)
        assert first.currency == "USD" and await book.count() == 2
        assert await book.total_paid("CLM-1001") == pytest.approx(950.25)
        assert await book.payees() == [("CLM-1001", "ACCT-77812")] * 2
    finally:
        book.close()
    rows = ledger_rows(tools_settings)
    assert [(r["idempotency_key"], r["amount"], r["payee_account"]) for r in rows] == [
        ("k-1", 850.0, "ACCT-77812"), ("k-2", 100.25, "ACCT-77812")]
    assert rows[0]["created_at"] > time.time() - 3600  # a full-precision timestamp, not a 4-byte REAL


async def test_an_effect_that_raises_leaves_no_record_and_the_key_stays_usable(tools_settings: Settings) -> None:
    store = open_ledger(tools_settings, "scratch.db", EFFECTS)

    def failing(conn: LedgerConnection) -> dict:
        conn.execute("INSERT INTO effects (idempotency_key, applied_at) VALUES (?, ?)", ("k-1", time.time()))
        raise InvalidToolArgs("invalid arguments for scratch.apply: refused after writing")

    def applying(conn: LedgerConnection) -> dict:
        conn.execute("INSERT INTO effects (idempotency_key, applied_at) VALUES (?, ?)", ("k-1", time.time()))
        return {"status": "applied"}

    try:
        with pytest.raises(InvalidToolArgs):
            await store.once(ctx("k-1", "scratch.apply"), PaymentArgs(**PAY), failing)
        assert await store.read(lambda c: c.execute("SELECT COUNT(*) AS n FROM effects").fetchone()["n"]) == 0
        assert await store.once(ctx("k-1", "scratch.apply"), PaymentArgs(**PAY), applying) == ({"status": "applied"},
                                                                                             False)
    finally:
        store.close()
    [call] = ledger_snapshot(tools_settings, "scratch.db", "SELECT tool, idempotency_key, result FROM tool_calls")
    assert (call["tool"], json.loads(call["result"])) == ("scratch.apply", {"status": "applied"})


async def test_a_release_that_failed_does_not_hold_its_key(tools_settings: Settings) -> None:
    book = Reservations(tools_settings)
    try:
        release = ProvisionReleaseArgs(reservation_id="RES-GPU-1")
        with pytest.raises(InvalidToolArgs, match="no such reservation"):
            await book.release(release, ctx("k-rel", "provisioning.release"))
        await book.reserve(ProvisionReserveArgs(resource="gpu", quantity=3, reason="load", reservation_id="RES-GPU-1"),
                           ctx("k-res", "provisioning.reserve"))
        assert await book.reserved_quantity("gpu") == 3
        assert (await book.release(release, ctx("k-rel", "provisioning.release"))).status == "released"
        assert (await book.release(release, ctx("k-rel", "provisioning.release"))).status == "duplicate"
        assert await book.reserved_quantity("gpu") == 0
    finally:
        book.close()


def test_two_processes_racing_with_one_key_apply_the_effect_once(tools_settings: Settings) -> None:
    stores = [open_ledger(tools_settings, "scratch.db", EFFECTS) for _ in range(2)]  # two pools or two connections
    start = threading.Barrier(12, timeout=60)

    def apply(conn: LedgerConnection) -> dict:
        conn.execute("INSERT INTO effects (idempotency_key, applied_at) VALUES (?, ?)", ("k-race", time.time()))
        time.sleep(0.05)  # hold the transaction open so the other callers really overlap it
        return {"status": "applied", "at": time.time()}

    def call(i: int) -> tuple[dict, bool]:
        start.wait()
        return asyncio.run(stores[i % 2].once(ctx("k-race", "scratch.apply", f"run-{i}"), PaymentArgs(**PAY), apply))

    try:
        with ThreadPoolExecutor(12) as pool:
            outcomes = list(pool.map(call, range(12)))
    finally:
        for store in stores:
            store.close()
    assert sorted(duplicate for _, duplicate in outcomes) == [False] + [True] * 11
    assert len({json.dumps(result) for result, _ in outcomes}) == 1  # every caller got the one effect's result
    assert len(ledger_snapshot(tools_settings, "scratch.db", "SELECT * FROM effects")) == 1


class RecordingBus:
    """Stands in for the NATS connection the notifier announces messages on."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    async def publish(self, subject: str, data: bytes, headers: dict | None = None) -> None:
        self.published.append(json.loads(data))


async def test_sealed_columns_hold_no_clear_value(tools_settings: Settings) -> None:
    bus = RecordingBus()
    payments, notifier = PaymentsLedger(tools_settings), Notifier(bus, tools_settings)
    message = NotificationArgs(channel="email", to="pat@example.com", subject="Claim CLM-1001",
                               body="Dear Pat Doe, ACCT-77812 was paid.")
    try:
        await payments.issue(PaymentArgs(**PAY), ctx("k-seal"))
        sent = await notifier.send(message, ctx("k-mail", "notifications.send"))
        assert (await notifier.send(message, ctx("k-mail", "notifications.send"))).status == "duplicate"
    finally:
        payments.close()
        notifier.close()
    [announced] = bus.published  # opened to publish, once: the duplicate found it published
    assert (announced["message_id"], announced["to"], announced["body"]) == (sent.message_id, message.to, message.body)
    stored = (ledger_snapshot(tools_settings, "payments.db", "SELECT * FROM payments")
              + ledger_snapshot(tools_settings, "payments.db", "SELECT * FROM tool_calls")
              + ledger_snapshot(tools_settings, "notifications.db", "SELECT * FROM outbox")
              + ledger_snapshot(tools_settings, "notifications.db", "SELECT * FROM tool_calls"))
    text = json.dumps(stored, default=str)
    assert not [v for v in ("ACCT-77812", "77812", "pat@example.com", "Pat Doe") if v in text]
    assert {r["payee_account"][:5] for r in stored if "payee_account" in r} == {"enc1:"}
    assert {r["args_sha256"][:5] for r in stored if "args_sha256" in r} == {"hmac:"}


async def test_every_tool_familys_sql_runs_on_the_back_end(tools_settings: Settings) -> None:
    tickets, orders, offers = Tickets(tools_settings), PurchaseOrders(tools_settings), OfferBook(tools_settings)
    try:
        for i, status in enumerate(("open", "pending", "closed")):
            update = TicketUpdateArgs(ticket_id="T-1", status=status, comment=f"step {i}")
            await tickets.update(update, ctx(f"k-t{i}", "tickets.update"))
        ticket = await tickets.get("T-1")
        assert ticket["status"] == "closed" and [u["comment"] for u in ticket["updates"]] == ["step 0", "step 1", "step 2"]
        assert await tickets.get("T-404") is None
        order = PurchaseOrderArgs(order_id="PO-1", sku="SKU-1", supplier_id="SUP-1", quantity=3,
                                  unit_price=Decimal("19.99"), currency="eur")
        placed = await orders.order(order, ctx("k-po", "purchasing.order"))
        assert (placed.status, placed.total) == ("placed", "59.97")
        assert (await orders.order(order, ctx("k-po", "purchasing.order"))).status == "duplicate"
        offer = DiscountOfferArgs(lead_id="LEAD-7", percent=10, reason="loyal")
        assert (await offers.offer(offer, ctx("k-off", "offers.discount"))).offer_id == "OFF-7"
    finally:
        for book in (tickets, orders, offers):
            book.close()


def test_a_ledger_sealed_under_another_tools_key_refuses_to_start(pg_url: str, tmp_path: Path) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path / "one", postgres_url=pg_url)
    PaymentsLedger(first).close()  # records the key id of one/tools.key
    PaymentsLedger(first).close()  # the same key again: fine
    other = Settings(_env_file=None, data_dir=tmp_path / "two", postgres_url=pg_url)
    with pytest.raises(ToolsKeyError, match="another tools key.*WARDEN_TOOLS_KEY"):
        PaymentsLedger(other)


def test_ledgers_of_two_families_do_not_meet(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, postgres_url=pg_url)
    for book in (PaymentsLedger(settings), Tickets(settings)):
        book.close()
    with psycopg.connect(pg_url) as conn:
        tables = {tuple(r) for r in conn.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                                 "WHERE table_schema LIKE 'tools_%'")}
    assert {("tools_payments", "tool_calls"), ("tools_tickets", "tool_calls"), ("tools_payments", "payments"),
            ("tools_tickets", "ticket_updates")} <= tables
    assert not (tmp_path / "payments.db").exists()


def test_an_unreachable_postgres_is_one_line_at_start(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, postgres_url="postgresql://tools:s3cret@127.0.0.1:1/tools")
    with pytest.raises(PostgresUnavailable, match=r"cannot reach Postgres at 127\.0\.0\.1:1/tools") as caught:
        Tickets(settings)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_tools_ledger_imports_nothing_of_the_gate() -> None:
    """Postgres comes to the tools through warden/postgres.py, not through guardrails/ (tools import no gate code)."""
    probe = "import sys, tools.registry, tools.ledger_pg; print(sorted(m for m in sys.modules if m.startswith('guardrails')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
