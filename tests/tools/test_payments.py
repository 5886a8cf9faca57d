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


async def pay(nc, args=ARGS, key="key-1", run_id="run-1") -> dict:
    return await call_tool(nc, "payments.issue", args, idempotency_key=key, run_id=run_id, timeout_s=5)


async def test_a_payment_is_recorded_in_the_ledger(tool_services, gate_nc, ledger) -> None:
    result = await pay(gate_nc)
    assert result["status"] == "paid" and result["amount"] == 850.0 and result["currency"] == "USD"
    [row] = ledger()
    assert (row["payment_id"], row["idempotency_key"], row["run_id"]) == (result["payment_id"], "key-1", "run-1")


async def test_repeating_a_key_returns_the_original_payment_as_duplicate(tool_services, gate_nc, ledger) -> None:
    first = await pay(gate_nc)
    second = await pay(gate_nc, run_id="run-retry")
    assert second == {**first, "status": "duplicate"}
    assert len(ledger()) == 1


async def test_concurrent_identical_calls_across_two_instances_pay_once(tool_services, tools_nc, gate_nc, settings,
                                                                        ledger) -> None:
    second_instance = payments.create_service(tools_nc, settings)  # same ledger file, same queue group
    await second_instance.start()
    try:
        results = await asyncio.gather(*(pay(gate_nc, key="key-race") for _ in range(12)))
    finally:
        await second_instance.stop()
    assert sorted(r["status"] for r in results) == ["duplicate"] * 11 + ["paid"]
    assert len({r["payment_id"] for r in results}) == 1
    assert len(ledger()) == 1


async def test_reusing_a_key_with_different_args_is_a_conflict(tool_services, gate_nc, ledger) -> None:
    await pay(gate_nc)
    with pytest.raises(IdempotencyConflict) as exc:
        await pay(gate_nc, args={**ARGS, "amount": 9000.0})
    assert exc.value.code == 409
    assert len(ledger()) == 1


async def test_invalid_args_name_the_field(tool_services, gate_nc) -> None:
    with pytest.raises(InvalidToolArgs) as exc:
        await pay(gate_nc, args={**ARGS, "currency": "US DOLLARS"})
    assert exc.value.code == 400 and "currency" in exc.value.message
    with pytest.raises(InvalidToolArgs, match="memo"):
        await pay(gate_nc, args={**ARGS, "memo": "extra fields are refused"})


@pytest.mark.parametrize("amount", [0.0, -10.0])
async def test_non_positive_amounts_are_refused(tool_services, gate_nc, ledger, amount) -> None:
    with pytest.raises(InvalidToolArgs, match="amount"):
        await pay(gate_nc, args={**ARGS, "amount": amount})
    assert ledger() == []


async def test_an_effectful_call_needs_an_idempotency_key(tool_services, gate_nc, ledger) -> None:
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
