"""The gate with its real parts (Presidio redactor, vault, regopy policy, SQLite stores): the rules that need
state or approvals, fail-closed behaviour, and the tamper-evident audit trail."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from guardrails.approvals import ApprovalStore
from guardrails.audit import AuditLog, ChainBroken
from guardrails.contracts import Principal
from guardrails.gate import Gate
from guardrails.gate_store import GateStore
from guardrails.policy import RegopyEngine, default_policy_dir
from guardrails.redaction import get_redactor
from guardrails.vault import Vault

ON_FILE = "ACCT-77812"


def payment(amount: float = 850.0, payee: str = ON_FILE, *, step: int = 4, approval_id: str | None = None,
            payee_from: str = "system") -> dict:
    return {"tool": "payments.issue",
            "args": {"claim_id": "CLM-1001", "amount": amount, "currency": "USD", "payee_account": payee},
            "principal": {"id": "agent:claims_triage", "roles": ["agent"]},
            "run": {"id": "run-1", "graph": "claims_triage", "step": step},
            "provenance": {"claim_id": "system", "payee_account": payee_from, "amount": "model"},
            "context": {"claim": {"claim_id": "CLM-1001", "payee_account_on_file": ON_FILE,
                                  "claimant_email": "pat@example.com", "claimant_phone": "+1 415 555 0100"}},
            "approval_id": approval_id}


def make_gate(tmp_path: Path, engine=None, call_tool=None) -> Gate:
    """A gate that has seen CLM-1001 scored low, as it would after the graph's `scoring.fraud_risk` call."""
    store = GateStore(tmp_path / "gate.db")
    store.record_fraud("CLM-1001", "low", 0.05)
    return Gate(redactor=get_redactor(), vault=Vault(tmp_path / "vault.db", _key()),
                engine=engine or RegopyEngine(), store=store, audit=AuditLog(tmp_path / "audit.db"),
                approvals=ApprovalStore(tmp_path / "approvals.db"), call_tool=call_tool)


ANN = Principal(id="user:ann", roles=["adjuster"])


def paid_minor(gate: Gate, claim_id: str = "CLM-1001") -> int:
    return gate.store.claim_paid_minor(claim_id, "USD")


def _key() -> bytes:
    from cryptography.fernet import Fernet

    return Fernet.generate_key()


@pytest.fixture
async def gate(tmp_path: Path, nats_creds, settings):
    """A gate whose allowed calls reach the real tool services over a real nats-server."""
    from agents.bus import connect
    from tools.client import call_tool
    from tools.registry import start_tool_services

    from tools.gate_proof import GateSigner, GateVerifier, generate_signing_key

    signing_key, public_key = generate_signing_key()
    tools_nc, gate_nc = await connect(nats_creds, "tools"), await connect(nats_creds, "gate")
    services = await start_tool_services(tools_nc, settings, GateVerifier(public_key))
    signer = GateSigner(signing_key)

    async def transport(tool, args, key, run_id):
        return await call_tool(gate_nc, tool, args, idempotency_key=key, run_id=run_id, timeout_s=5, signer=signer)

    yield make_gate(tmp_path, call_tool=transport)
    await services.stop()
    await tools_nc.close()
    await gate_nc.close()


def test_an_allowed_call_reveals_only_what_policy_grants(gate: Gate) -> None:
    judgement = gate.check(payment())
    assert judgement.decision.decision == "allow"
    assert judgement.decision.args["payee_account"] == ON_FILE  # revealed for the tool
    assert judgement.redacted_args["payee_account"].startswith("<BANK_ACCOUNT")  # what the record keeps


def test_malformed_unknown_and_invalid_requests_are_denied(gate: Gate) -> None:
    assert gate.check({"tool": "payments.issue"}).decision.decision == "deny"
    assert "unknown tool" in gate.check(payment() | {"tool": "payments.refund_all"}).decision.reasons[0]
    bad = payment()
    bad["args"]["extra"] = "x"
    assert "invalid arguments" in gate.check(bad).decision.reasons[0]


def test_the_gate_fails_closed_when_policy_cannot_run(tmp_path: Path) -> None:
    class Broken:
        name, bundle = "broken", "sha256:0"

        def evaluate(self, _input):
            raise RuntimeError("engine down")

    decision = make_gate(tmp_path, engine=Broken()).check(payment()).decision
    assert decision.decision == "deny" and "could not evaluate" in decision.reasons[0]


def test_kill_switch_stops_one_tool(tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), policy_dir)
    data = json.loads((policy_dir / "data.json").read_text())
    data["kill_switch"]["tools"] = ["payments.issue"]
    (policy_dir / "data.json").write_text(json.dumps(data))
    gate = make_gate(tmp_path, engine=RegopyEngine(policy_dir))
    decision = gate.check(payment()).decision
    assert decision.decision == "deny" and any("kill switch" in r for r in decision.reasons)


def test_rate_limit_counts_calls_per_principal_and_tool(gate: Gate) -> None:
    decisions = [gate.check(payment(10.0, step=i), count_call=True).decision.decision for i in range(61)]
    assert decisions[:60] == ["allow"] * 60
    assert decisions[60] == "deny"


async def test_a_claim_is_paid_at_most_once_whatever_the_number_of_calls(gate: Gate) -> None:
    """The payment's idempotency key is the claim (a business key), not the run step: a second payment for the
    claim, from another step or another run, is the same effect, so the ledger never pays twice."""
    first = await gate.handle(payment(1000.0, step=4))
    assert first.decision.decision == "allow" and first.result["status"] == "paid"
    again = await gate.handle(payment(1000.0, step=9))
    assert again.result["status"] == "duplicate"
    other_run = payment(1000.0, step=4)
    other_run["run"]["id"] = "run-2"
    assert (await gate.handle(other_run)).result["status"] == "duplicate"
    split = await gate.handle(payment(900.0, step=11))  # another amount: refused by the ledger (409), not paid
    assert split.error and split.error["code"] == 409
    assert paid_minor(gate) == 100000


async def test_concurrent_payments_for_one_claim_pay_once(gate: Gate) -> None:
    """30 payments of 1,000 for one claim at once, from different steps: exactly one ledger row."""
    import asyncio

    replies = await asyncio.gather(*(gate.handle(payment(1000.0, step=step)) for step in range(30)))
    statuses = sorted((r.result or {}).get("status", "error") for r in replies)
    assert statuses.count("paid") == 1, statuses
    assert paid_minor(gate) == 100000


async def test_gate_replicas_sharing_a_store_pay_once_and_rate_limit_together(gate: Gate) -> None:
    """Two gates on one gate.db (as two gate processes on one data folder): policy is made slow (real rules,
    20 ms late) so that both gates are judging at once."""
    import asyncio
    import time as clock

    real = gate.engine

    class SlowEngine:
        name, bundle = real.name, real.bundle

        def evaluate(self, input):
            clock.sleep(0.02)
            return real.evaluate(input)

    gate.engine = SlowEngine()
    twin = Gate(redactor=gate.redactor, vault=gate.vault, engine=gate.engine,
                store=GateStore(gate.store.path), audit=gate.audit, approvals=gate.approvals, call_tool=gate.call_tool)
    replies = await asyncio.gather(*((gate if step % 2 else twin).handle(payment(1000.0, step=step)) for step in range(30)))
    assert sum(1 for r in replies if (r.result or {}).get("status") == "paid") == 1
    assert paid_minor(gate) == twin.store.claim_paid_minor("CLM-1001", "USD") == 100000
    calls = [(gate if i % 2 else twin).store.count_call("agent:x", "documents.search", now=1000.0 + i / 2) for i in range(61)]
    assert calls[-1] == 60  # the 61st call in the minute sees the 60 made through either gate


async def test_a_claim_the_gate_never_saw_scored_is_not_paid_automatically(gate: Gate) -> None:
    """The graph skipped the scorer (or it was down): the gate, not the graph, sends the payment to an adjuster."""
    unscored = payment(850.0)
    unscored["args"]["claim_id"] = unscored["context"]["claim"]["claim_id"] = "CLM-2002"
    reply = await gate.handle(unscored)
    assert reply.decision.decision == "require_approval" and reply.decision.approval.role == "adjuster"
    assert any("no fraud score on record" in reason for reason in reply.decision.reasons)
    assert gate.approvals.get(reply.decision.approval.id).status == "pending"  # listed by `warden approvals list`
    assert gate.store.claim_paid_minor("CLM-2002", "USD") == 0


async def test_a_retried_payment_is_judged_as_itself_not_as_a_second_one(gate: Gate) -> None:
    assert (await gate.handle(payment(20000.0))).decision.decision == "require_approval"
    big = payment(20000.0)
    gate.store.hold_payment("payments.issue:CLM-1001", "CLM-1001", 2000000, "USD")  # the first attempt, in flight
    judged = gate.check(big, count_call=False).decision
    assert not any("total" in r for r in judged.reasons), judged.reasons  # not 40,000: it is the same payment


def test_a_denied_retry_does_not_release_the_hold_of_the_attempt_in_flight(tmp_path: Path) -> None:
    store = GateStore(tmp_path / "gate.db")
    assert store.hold_payment("payments.issue:CLM-1001", "CLM-1001", 90000, "USD") is True
    assert store.hold_payment("payments.issue:CLM-1001", "CLM-1001", 90000, "USD") is False  # the retry holds nothing
    assert store.claim_paid_minor("CLM-1001", "USD") == 90000


async def test_a_payment_the_tool_refuses_stops_counting(tmp_path: Path) -> None:
    from tools.errors import ToolError

    async def refusing(tool, args, key, run_id):
        raise ToolError(409, "payee account closed")

    gate = make_gate(tmp_path, call_tool=refusing)
    reply = await gate.handle(payment(1000.0))
    assert reply.decision.decision == "allow" and reply.error["code"] == 409
    assert paid_minor(gate) == 0


async def test_a_payment_with_an_unknown_outcome_keeps_counting(tmp_path: Path) -> None:
    from tools.errors import ToolTimeout

    async def silent(tool, args, key, run_id):
        raise ToolTimeout("payments.issue did not answer within 5s")

    gate = make_gate(tmp_path, call_tool=silent)
    await gate.handle(payment(1000.0))
    assert paid_minor(gate) == 100000  # held: the money may have moved


async def test_the_decision_is_on_the_record_before_the_effect_and_the_result_after_it(tmp_path: Path) -> None:
    seen_before_effect: list[list[str]] = []

    async def tool(tool, args, key, run_id):
        seen_before_effect.append([r["result_status"] for r in gate.audit.records()])
        return {"payment_id": "PAY-1", "status": "paid", "amount": args["amount"], "currency": "USD"}

    gate = make_gate(tmp_path, call_tool=tool)
    reply = await gate.handle(payment(100.0))
    assert seen_before_effect == [["dispatched"]]
    records = gate.audit.records()
    assert [(r["decision"], r["result_status"]) for r in records] == [("allow", "dispatched"), ("allow", "paid")]
    assert records[1]["prev_hash"] == records[0]["hash"] and reply.audit_seq == records[1]["seq"]
    assert records[0]["idempotency_key"] == records[1]["idempotency_key"] != ""


async def test_a_decision_that_cannot_be_recorded_causes_no_effect(tmp_path: Path) -> None:
    calls: list[str] = []

    async def tool(tool, args, key, run_id):
        calls.append(key)
        return {"payment_id": "PAY-1", "status": "paid", "amount": args["amount"], "currency": "USD"}

    gate = make_gate(tmp_path, call_tool=tool)
    gate.audit.close()  # the trail cannot be written (a full disk, a lost database)
    with pytest.raises(Exception):
        await gate.handle(payment(100.0))
    assert calls == [] and paid_minor(gate) == 0  # nothing paid, and the claim's hold released


async def test_an_approval_is_bound_to_the_exact_arguments(gate: Gate) -> None:
    first = await gate.handle(payment(1500.0))
    assert first.decision.decision == "require_approval"
    approval_id = first.decision.approval.id
    assert gate.approvals.get(approval_id).args["payee_account"].startswith("<BANK_ACCOUNT")  # approver sees tokens
    gate.approvals.decide(approval_id, approve=True, approver=ANN)
    changed = await gate.handle(payment(1900.0, approval_id=approval_id))
    assert changed.decision.decision != "allow"
    assert "arguments changed since they were approved" in changed.decision.reasons
    same = await gate.handle(payment(1500.0, approval_id=approval_id))
    assert same.decision.decision == "allow" and same.result["status"] == "paid"


async def test_an_expired_approval_denies(gate: Gate) -> None:
    first = await gate.handle(payment(1500.0))
    approval_id = first.decision.approval.id
    expired = gate.approvals.expire_due(now=gate.approvals.get(approval_id).expires_at + 1)
    assert [a.id for a in expired] == [approval_id]
    with pytest.raises(Exception):
        gate.approvals.decide(approval_id, approve=True, approver=ANN)
    reply = await gate.handle(payment(1500.0, approval_id=approval_id))
    assert reply.decision.decision != "allow"


async def test_audit_records_carry_no_raw_pii_and_the_chain_detects_tampering(gate: Gate, tmp_path: Path) -> None:
    for step in range(3):
        await gate.handle(payment(100.0, step=step))
    await gate.handle(payment(100.0, payee="ACCT-9000001", payee_from="document", step=9) | {"args": {
        "claim_id": "CLM-1002", "amount": 100.0, "currency": "USD", "payee_account": "ACCT-9000001"}})
    records = gate.audit.records()
    # each executed payment is two records (its decision before the effect, its result after); the deny is one
    assert [r["result_status"] for r in records] == ["dispatched", "paid"] + ["dispatched", "duplicate"] * 2 + ["not_executed"]
    assert records[-1]["decision"] == "deny"
    assert ON_FILE not in json.dumps(records) and "ACCT-9000001" not in json.dumps(records)
    assert gate.audit.verify() == 7

    db = sqlite3.connect(tmp_path / "audit.db")
    body = db.execute("SELECT body FROM audit WHERE seq = 2").fetchone()[0]
    db.execute("UPDATE audit SET body = ? WHERE seq = 2", (body.replace('"allow"', '"deny"'),))
    db.commit()
    with pytest.raises(ChainBroken, match="record 2: contents"):
        gate.audit.verify()
    db.execute("UPDATE audit SET body = ? WHERE seq = 2", (body,))
    db.execute("DELETE FROM audit WHERE seq = 3")
    db.commit()
    with pytest.raises(ChainBroken, match="record 4"):
        gate.audit.verify()
    db.close()


def test_two_writers_on_one_trail_keep_one_chain(tmp_path: Path) -> None:
    from guardrails.audit import AuditRecord

    a, b = AuditLog(tmp_path / "shared.db"), AuditLog(tmp_path / "shared.db")
    for i in range(10):
        (a if i % 2 else b).append(AuditRecord(tool="payments.issue", run_id=f"r{i}", decision="deny"))
    assert a.verify() == 10


async def test_the_fraud_band_the_gate_saw_governs_the_payment(gate: Gate) -> None:
    score = {"tool": "scoring.fraud_risk",
             "args": {"claim_id": "CLM-1001", "claim_type": "auto", "amount": 900.0, "days_since_policy_start": 3,
                      "prior_claims": 5, "days_to_report": 90, "has_police_report": False, "has_receipts": False,
                      "payee_matches_record": False},
             "principal": {"id": "agent:claims_triage", "roles": ["agent"]},
             "run": {"id": "run-1", "graph": "claims_triage", "step": 2}}
    scored = await gate.handle(score)
    assert scored.decision.decision == "allow" and scored.result["band"] == "high"
    paid = await gate.handle(payment(100.0))  # the agent skips its own check: the gate does not
    assert paid.decision.decision == "deny" and any("high fraud risk" in r for r in paid.decision.reasons)


def test_the_claimant_is_greeted_by_name_and_nobody_else_gets_the_name(tmp_path: Path) -> None:
    """The policy lets the claimant's own name through to the contact on file (reveal_facts); everywhere else the
    name stays a token, and the record keeps the token."""
    gate = make_gate(tmp_path)
    token = gate.vault.for_run("run-1").tokenize("PERSON", "Pat Doe")
    claim = {"claim_id": "CLM-1001", "claimant_email": "pat@example.com", "claimant_name": "Pat Doe"}

    def send(channel: str, to: str) -> dict:
        return {"tool": "notifications.send", "args": {"channel": channel, "to": to, "subject": "Claim CLM-1001",
                                                       "body": f"Dear {token}, your claim was paid."},
                "principal": {"id": "agent:claims_triage", "roles": ["agent"]}, "run": {"id": "run-1", "step": 6},
                "provenance": {"channel": "system", "to": "system", "subject": "system", "body": "system"},
                "context": {"claim": claim}}

    to_claimant = gate.check(send("email", "pat@example.com"))
    assert to_claimant.decision.decision == "allow"
    assert to_claimant.decision.args["body"] == "Dear Pat Doe, your claim was paid."
    assert "Pat Doe" not in json.dumps(to_claimant.redacted_args)
    for channel, to in (("email", "ops@northwind.example"), ("staff", "claims-adjusters")):
        other = gate.check(send(channel, to)).decision
        assert other.decision == "allow" and "Pat Doe" not in other.args["body"] and token in other.args["body"]


async def test_a_structured_call_from_the_bus_is_judged_on_the_loop_and_text_goes_to_a_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies from the bus carry amounts as Decimal (request_limits.parse_bounded): a payment must still count as
    a short structured call (a thread hop costs more than its judging); a long text must leave the loop."""
    import asyncio

    from guardrails.request_limits import parse_bounded

    async def paid(tool, args, key, run_id):
        return {"status": "paid", "payment_id": "PAY-1"} if tool == "payments.issue" else {"status": "queued"}

    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counting_to_thread(fn, *args, **kwargs):
        hops.append(getattr(fn, "__name__", type(fn).__name__))
        return await real_to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting_to_thread)
    gate = make_gate(tmp_path, call_tool=paid)
    reply = await gate.handle(parse_bounded(json.dumps(payment(amount=120.0)).encode()))
    assert reply.decision.decision == "allow" and hops == []
    letter = {**payment(), "tool": "notifications.send",
              "args": {"channel": "email", "to": "pat@example.com", "subject": "Your claim",
                       "body": "Dear Pat Lee, your claim was approved and will be paid this week. " * 3},
              "provenance": {}}
    await gate.handle(parse_bounded(json.dumps(letter).encode()))
    assert hops, "a call with free text was judged on the event loop"
