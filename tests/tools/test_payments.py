"""payments.issue: a claim is paid at most once per idempotency key, whatever the timing."""
from __future__ import annotations

import asyncio

import pytest

from tools import payments
from tools.client import call_tool
from tools.errors import IdempotencyConflict, InvalidToolArgs
from tools.schemas import PaymentArgs
from tools.service import CallContext

ARGS = {"claim_id": "CLM-1001", "amount": 850.0, "currency": "USD", "payee_account": "ACCT-77812"}


@pytest.fixture
def ledger(settings, db_rows):
    """The payments table as it is on disk right now."""
    return lambda: db_rows(settings.data_dir / "payments.db", "SELECT * FROM payments")


@pytest.fixture
def pay(signer):
    """Pay as the gate does: a signed call."""
    async def pay(nc, args=ARGS, key="key-1", run_id="run-1") -> dict:
        return await call_tool(nc, "payments.issue", args, idempotency_key=key, run_id=run_id, timeout_s=5,
                               signer=signer)

    return pay


async def test_a_payment_is_recorded_in_the_ledger(tool_services, pay, gate_nc, ledger) -> None:
    result = await pay(gate_nc)
    assert result["status"] == "paid" and result["amount"] == 850.0 and result["currency"] == "USD"
    [row] = ledger()
    assert (row["payment_id"], row["idempotency_key"], row["run_id"]) == (result["payment_id"], "key-1", "run-1")


async def test_repeating_a_key_returns_the_original_payment_as_duplicate(tool_services, pay, gate_nc, ledger) -> None:
    first = await pay(gate_nc)
    second = await pay(gate_nc, run_id="run-retry")
    assert second == {**first, "status": "duplicate"}
    assert len(ledger()) == 1


async def test_concurrent_identical_calls_across_two_instances_pay_once(tool_services, tools_nc, gate_nc, settings,
                                                                        verifier, ledger, pay) -> None:
    second_instance = payments.create_service(tools_nc, settings, verifier)  # same ledger file, same queue group
    await second_instance.start()
    try:
        results = await asyncio.gather(*(pay(gate_nc, key="key-race") for _ in range(12)))
    finally:
        await second_instance.stop()
    assert sorted(r["status"] for r in results) == ["duplicate"] * 11 + ["paid"]
    assert len({r["payment_id"] for r in results}) == 1
    assert len(ledger()) == 1


async def test_reusing_a_key_with_different_args_is_a_conflict(tool_services, pay, gate_nc, ledger) -> None:
    await pay(gate_nc)
    with pytest.raises(IdempotencyConflict) as exc:
        await pay(gate_nc, args={**ARGS, "amount": 9000.0})
    assert exc.value.code == 409
    assert len(ledger()) == 1


async def test_invalid_args_name_the_field(tool_services, pay, gate_nc) -> None:
    with pytest.raises(InvalidToolArgs) as exc:
        await pay(gate_nc, args={**ARGS, "currency": "US DOLLARS"})
    assert exc.value.code == 400 and "currency" in exc.value.message
    with pytest.raises(InvalidToolArgs, match="memo"):
        await pay(gate_nc, args={**ARGS, "memo": "extra fields are refused"})


@pytest.mark.parametrize("amount", [0.0, -10.0])
async def test_non_positive_amounts_are_refused(tool_services, pay, gate_nc, ledger, amount) -> None:
    with pytest.raises(InvalidToolArgs, match="amount"):
        await pay(gate_nc, args={**ARGS, "amount": amount})
    assert ledger() == []


async def test_an_effectful_call_needs_an_idempotency_key(tool_services, pay, gate_nc, ledger) -> None:
    with pytest.raises(InvalidToolArgs, match="Idempotency-Key"):
        await pay(gate_nc, key="")
    assert ledger() == []


async def test_total_paid_sums_a_claims_payments(settings) -> None:
    book = payments.PaymentsLedger(settings)
    try:
        for i, amount in enumerate((100.0, 250.5)):
            await book.issue(PaymentArgs(**{**ARGS, "amount": amount}), CallContext("payments.issue", f"k{i}", None))
        assert await book.total_paid("CLM-1001") == pytest.approx(350.5)
        assert await book.total_paid("CLM-OTHER") == 0.0
    finally:
        book.close()


async def test_the_payee_is_sealed_at_rest_and_read_back_with_the_tools_key(settings, ledger, db_rows) -> None:
    from guardrails.pii_scan import KnownValue, scan

    book = payments.PaymentsLedger(settings)
    try:
        first = await book.issue(PaymentArgs(**ARGS), CallContext("payments.issue", "k-seal", "run-1"))
        again = await book.issue(PaymentArgs(**ARGS), CallContext("payments.issue", "k-seal", "run-2"))
        assert (first.status, again.status) == ("paid", "duplicate")
        with pytest.raises(IdempotencyConflict):  # the keyed fingerprint still tells changed arguments apart
            await book.issue(PaymentArgs(**{**ARGS, "payee_account": "ACCT-99999"}),
                             CallContext("payments.issue", "k-seal", "run-3"))
        assert await book.payees() == [("CLM-1001", "ACCT-77812")]
    finally:
        book.close()
    [row] = ledger()
    assert row["payee_account"].startswith("enc1:")
    [call] = db_rows(settings.data_dir / "payments.db", "SELECT args_sha256 FROM tool_calls")
    assert call["args_sha256"].startswith("hmac:")
    assert payments.ledger_payees(settings) == [("CLM-1001", "ACCT-77812")]
    [opened] = payments.ledger_rows(settings)
    assert (opened["payment_id"], opened["amount"], opened["payee_account"]) == (first.payment_id, 850.0, "ACCT-77812")
    assert oct((settings.data_dir / "tools.key").stat().st_mode & 0o777) == "0o600"
    assert scan(settings.data_dir, [KnownValue("BANK_ACCOUNT", "ACCT-77812")]).findings == []


async def test_a_ledger_written_in_clear_is_sealed_on_start(settings, ledger) -> None:
    import hashlib
    import json
    import sqlite3

    from guardrails.pii_scan import KnownValue, scan

    db = sqlite3.connect(settings.path("payments.db"))
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript("CREATE TABLE tool_calls (tool TEXT NOT NULL, idempotency_key TEXT NOT NULL, args_sha256 TEXT "
                     "NOT NULL, result TEXT NOT NULL, run_id TEXT, created_at REAL NOT NULL, PRIMARY KEY (tool, "
                     "idempotency_key));" + payments.SCHEMA)
    old = {"payment_id": "PAY-OLD", "status": "paid", "amount": 850.0, "currency": "USD"}
    digest = hashlib.sha256(PaymentArgs(**ARGS).model_dump_json().encode()).hexdigest()
    db.execute("INSERT INTO tool_calls VALUES ('payments.issue', 'k-old', ?, ?, 'run-0', 0)", (digest, json.dumps(old)))
    db.execute("INSERT INTO payments VALUES ('PAY-OLD', 'k-old', 'CLM-1001', 850.0, 'USD', 'ACCT-77812', 'run-0', 0)")
    db.commit()
    db.close()
    assert scan(settings.data_dir, [KnownValue("BANK_ACCOUNT", "ACCT-77812")]).findings  # the planted clear row

    book = payments.PaymentsLedger(settings)
    try:
        repeat = await book.issue(PaymentArgs(**ARGS), CallContext("payments.issue", "k-old", "run-1"))
        assert (repeat.payment_id, repeat.status) == ("PAY-OLD", "duplicate")  # old plain digests still match
        assert await book.payees() == [("CLM-1001", "ACCT-77812")]
    finally:
        book.close()
    assert ledger()[0]["payee_account"].startswith("enc1:")
    assert scan(settings.data_dir, [KnownValue("BANK_ACCOUNT", "ACCT-77812")]).findings == []  # no copy left in free pages
