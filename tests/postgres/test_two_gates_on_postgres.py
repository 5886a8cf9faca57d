"""Two gates (as two gate processes: each its own Postgres pool) built by build_gate from one WARDEN_POSTGRES_URL,
with the shipped policy: the rate limit counts calls through both, and an approval asked for through one is
decided and spent through the other, once."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from guardrails.contracts import Principal
from guardrails.gate import Gate
from guardrails.gate_service import build_gate
from guardrails.gate_store_pg import PgGateStore
from warden.settings import Settings

ON_FILE = "ACCT-77812"
ANN = Principal(id="user:ann", roles=["adjuster"])


def request(tool: str, args: dict[str, Any], *, step: int, approval_id: str | None = None) -> dict[str, Any]:
    return {"tool": tool, "args": args, "principal": {"id": "agent:claims_triage", "roles": ["agent"]},
            "run": {"id": "run-pg-1", "graph": "claims_triage", "step": step},
            "provenance": {"claim_id": "system", "payee_account": "system", "amount": "model"},
            "context": {"claim": {"claim_id": "CLM-1005", "payee_account_on_file": ON_FILE,
                                  "claimant_email": "pat@example.com", "claimant_phone": "+1 415 555 0100"}},
            "approval_id": approval_id}


@pytest.fixture
def gates(tmp_path: Path, pg_url: str):
    """Two gates on one database, and the ledger their shared stand-in payments tool keeps (one row per key)."""
    ledger: dict[str, dict[str, Any]] = {}

    async def tool(name: str, args: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        if name != "payments.issue":
            return {"results": []}
        if key in ledger:
            return {"status": "duplicate", "payment_id": ledger[key]["payment_id"]}
        ledger[key] = {"payment_id": f"pay-{len(ledger) + 1}", "amount": str(args["amount"])}
        return {"status": "paid", "payment_id": ledger[key]["payment_id"]}

    settings = Settings(data_dir=tmp_path / "warden", llm="scripted", postgres_url=pg_url)
    one, two = build_gate(settings, call_tool=tool), build_gate(settings, call_tool=tool)
    assert isinstance(one.store, PgGateStore) and one.store.pool is not two.store.pool
    one.store.record_fraud("CLM-1005", "low", 0.03)
    yield one, two, ledger
    one.store.close()
    two.store.close()


async def test_the_rate_limit_counts_calls_through_both_gates(gates: tuple[Gate, Gate, dict]) -> None:
    one, two, _ = gates
    replies = await asyncio.gather(*((one if i % 2 else two).handle(
        request("documents.search", {"query": "water damage"}, step=i)) for i in range(62)))
    decisions = [r.decision.decision for r in replies]
    assert decisions.count("allow") == 60, decisions
    assert sum(1 for r in replies if any("rate limit" in reason for reason in r.decision.reasons)) == 2


async def test_an_approval_asked_through_one_gate_is_spent_once_through_the_other(gates: tuple[Gate, Gate, dict]) -> None:
    one, two, ledger = gates
    pay = {"claim_id": "CLM-1005", "amount": 4800.0, "currency": "USD", "payee_account": ON_FILE}
    asked = await one.handle(request("payments.issue", pay, step=4))
    assert asked.decision.decision == "require_approval" and asked.decision.approval.role == "adjuster"
    approval_id = asked.decision.approval.id
    assert [a.id for a in two.approvals.list()] == [approval_id]  # the other gate's staff API lists it
    two.approvals.decide(approval_id, approve=True, approver=ANN)
    replies = await asyncio.gather(*((one if i % 2 else two).handle(
        request("payments.issue", pay, step=5 + i, approval_id=approval_id)) for i in range(6)))
    statuses = sorted((r.result or {}).get("status", r.decision.decision) for r in replies)
    assert statuses.count("paid") == 1, statuses  # the rest are the same payment (duplicate), never a second one
    assert len(ledger) == 1
    assert one.store.claim_paid_minor("CLM-1005", "USD") == two.store.claim_paid_minor("CLM-1005", "USD") == 480_000
    assert two.approvals.get(approval_id).used_key == "payments.issue:CLM-1005"
