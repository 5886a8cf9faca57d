"""One hostile document must not stall everyone else: Presidio's email pattern used to backtrack for 20 s on
20,000 characters of `a.a.a…@`, on the event loop the gate shared. Now every pattern is linear-time, intake
redaction runs off the loop with a budget, and the gate's redaction has a deadline."""
from __future__ import annotations

import asyncio
import time

from app.assembly import Warden
from warden.settings import Settings
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel

from test_gate_trust import CLAIMS, publish_claims

PATHOLOGICAL = ("a." * 9_990 + "@")[:19_990]


async def test_a_pathological_document_does_not_hold_up_other_claims(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    hostile = dict(CLAIMS["CLM-1002"]) | {"claim_id": "CLM-9001", "document": PATHOLOGICAL}
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        started = time.monotonic()
        runs = await publish_claims(warden, [hostile, CLAIMS["CLM-1001"], CLAIMS["CLM-1003"]], wait_for=3)
        elapsed = time.monotonic() - started
        by_claim = {r["key"]: r["decision"] for r in runs.values()}
    assert by_claim["CLM-1001"] == "paid" and by_claim["CLM-1003"] == "paid"
    assert "CLM-9001" in by_claim  # answered too: redacted in linear time, or refused (never half-redacted)
    assert elapsed < 30, elapsed  # catastrophic backtracking took 61 s for this text alone


async def test_the_gate_answers_while_it_redacts_hostile_text(tmp_path) -> None:
    from guardrails.approvals import ApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.gate import Gate
    from guardrails.gate_store import GateStore
    from guardrails.policy import RegopyEngine
    from guardrails.redaction import get_redactor
    from guardrails.vault import Vault
    from cryptography.fernet import Fernet

    gate = Gate(redactor=get_redactor(), vault=Vault(tmp_path / "v.db", Fernet.generate_key()), engine=RegopyEngine(),
                store=GateStore(tmp_path / "g.db"), audit=AuditLog(tmp_path / "a.db"),
                approvals=ApprovalStore(tmp_path / "ap.db"))

    def call(body: str, step: int) -> dict:
        return {"tool": "notifications.send", "args": {"channel": "staff", "to": "claims-adjusters", "subject": "x",
                                                       "body": body},
                "principal": {"id": "agent:claims_triage", "roles": ["agent"]}, "run": {"id": f"run-{step}", "step": 1},
                "provenance": {"channel": "system", "to": "system", "subject": "system", "body": "system"}}

    hostile = [gate.handle(call(("a." * 1_999 + "@")[:3_999], i)) for i in range(4)]
    normal = [gate.handle(call(f"Claim CLM-100{i} needs review.", 100 + i)) for i in range(8)]
    replies = await asyncio.wait_for(asyncio.gather(*hostile, *normal), timeout=30)
    assert all(r.decision.decision in ("allow", "deny") for r in replies)
    assert all(r.decision.decision == "allow" for r in replies[4:])
