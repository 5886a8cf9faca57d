"""Approvals are decided once, by an authenticated person holding the role asked for (never the requester), and
spent by one payment: the replay that turned one 5,000 approval into five payments now pays once."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

from app.assembly import Warden
from agents.bus_users import gate_subject
from warden.settings import Settings
from graphs.claims.scripted import hostile_claims_script
from guardrails.approvals import ApprovalError, ApprovalStore
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from tools.payments import ledger_payees

from test_gate_trust import CLAIMS, GRAPH, publish_claims

ROOT = Path(__file__).resolve().parents[2]
ANN = Principal(id="user:ann", roles=["adjuster"])
STAFF = Principal(id="user:sam", roles=["staff"])


def new_approval(store: ApprovalStore, requested_by: str = "agent:claims_triage"):
    return store.create(run_id="run-claims_triage-1", graph=GRAPH, tool="payments.issue", role="adjuster",
                        reason="payment above the auto-approval limit", redacted_args={"amount": 4800.0},
                        hash_="sha256:x", policy_bundle="sha256:p", idempotency_key="payments.issue:CLM-1005",
                        requested_by=requested_by)


def test_only_the_role_asked_for_and_never_the_requester_decides(tmp_path: Path) -> None:
    store = ApprovalStore(tmp_path / "a.db")
    approval = new_approval(store)
    with pytest.raises(ApprovalError, match="needs the adjuster role"):
        store.decide(approval.id, approve=True, approver=STAFF)
    own = new_approval(store, requested_by="user:ann")
    with pytest.raises(ApprovalError, match="requested it"):
        store.decide(own.id, approve=True, approver=ANN)
    decided = store.decide(approval.id, approve=True, approver=ANN)
    assert decided.decided_role == "adjuster" and decided.decided_by == "user:ann"
    with pytest.raises(ApprovalError, match="not pending"):
        store.decide(approval.id, approve=False, approver=Principal(id="user:bo", roles=["adjuster"]))


def test_two_deciders_at_once_one_wins(tmp_path: Path) -> None:
    a, b = ApprovalStore(tmp_path / "a.db"), ApprovalStore(tmp_path / "a.db")
    approval = new_approval(a)
    results = []
    for store, approve in ((a, True), (b, False)):
        try:
            results.append(store.decide(approval.id, approve=approve, approver=ANN).status)
        except ApprovalError as exc:
            results.append(str(exc))
    assert results[0] == "approved" and "not pending" in results[1]
    assert b.get(approval.id).status == "approved"


def test_an_approval_is_spent_by_one_call_and_expires(tmp_path: Path) -> None:
    store = ApprovalStore(tmp_path / "a.db", ttl_s=3600)
    approval = new_approval(store)
    store.decide(approval.id, approve=True, approver=ANN)
    store.use(approval.id, "payments.issue:CLM-1005")
    store.use(approval.id, "payments.issue:CLM-1005")  # the same call retried after a crash
    with pytest.raises(ApprovalError, match="already used"):
        store.use(approval.id, "payments.issue:CLM-1006")
    stale = new_approval(store)
    store.decide(stale.id, approve=True, approver=ANN)
    store._db.execute("UPDATE approvals_v2 SET body = json_set(body, '$.expires_at', 0) WHERE id = ?", (stale.id,))
    assert store.get(stale.id).status == "expired"  # approved is not a standing permission


def _warden(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/warden"), *args], capture_output=True, text=True, timeout=120,
                          env=os.environ | env, cwd=ROOT)


async def test_one_approval_pays_once_however_often_it_is_replayed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    env = {"WARDEN_DATA_DIR": str(settings.data_dir)}
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        runs = await publish_claims(warden, [CLAIMS["CLM-1005"]], wait_for=1)  # 4,800: an adjuster must approve
        (run_id,) = runs
        (pending,) = warden.gate.approvals.list("pending")
        assert pending.facts["payee_matches_account_on_file"] is True and pending.facts["amount"] == "4800.00 USD"
        staff_token = _warden("users", "add", "sam", "--role", "staff", env=env).stdout.strip()
        refused = await asyncio.to_thread(_warden, "approvals", "approve", pending.id, env=env | {"WARDEN_TOKEN": staff_token})
        assert refused.returncode == 1 and "needs the adjuster role" in refused.stderr
        ann_token = _warden("users", "add", "ann", "--role", "adjuster", env=env).stdout.strip()
        approved = await asyncio.to_thread(_warden, "approvals", "approve", pending.id, env=env | {"WARDEN_TOKEN": ann_token})
        assert approved.returncode == 0, approved.stderr
        assert json.loads(approved.stdout)["by"] == "user:ann"
        for _ in range(200):
            if any(c == "CLM-1005" for c, _ in ledger_payees(settings)):
                break
            await asyncio.sleep(0.05)
        attacker = await __import__("agents.bus", fromlist=["connect"]).connect(warden.creds, f"rt-{GRAPH}")
        claim = CLAIMS["CLM-1005"]
        for call in range(1, 6):  # the replay: the same approval, new call indexes
            body = {"tool": "payments.issue", "approval_id": pending.id,
                    "args": {"claim_id": "CLM-1005", "amount": 4800.0, "currency": "USD", "payee_account": "<BANK_ACCOUNT_1>"},
                    "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]},
                    "run": {"id": run_id, "graph": GRAPH, "step": 4, "call": call},
                    "provenance": {"payee_account": "system", "amount": "system", "claim_id": "system"}}
            msg = await attacker.request(gate_subject(GRAPH, "payments.issue"), json.dumps(body).encode(), timeout=10)
            reply = json.loads(msg.data)
            assert (reply.get("result") or {}).get("status") != "paid", reply
        await attacker.close()
    assert [c for c, _ in ledger_payees(settings)] == ["CLM-1005"]
    assert dict(ledger_payees(settings))["CLM-1005"] == claim["payee_account_on_file"]
