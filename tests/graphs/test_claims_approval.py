"""Human in the loop, end to end on the bus: a claim above the auto limit waits; an adjuster's answer resumes it."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from app.assembly import Warden
from agents.bus import connect
from warden.settings import Settings
from graphs.claims.scripted import hostile_claims_script
from guardrails.approval_events import announce
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from tools.payments import ledger_payees

ANN = Principal(id="user:ann", roles=["adjuster"])
BO = Principal(id="user:bo", roles=["adjuster"])

CLAIMS = {c["claim_id"]: c for c in (json.loads(l) for l in (Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl").read_text().splitlines() if l.strip())}


async def test_an_approved_payment_resumes_the_run_and_a_declined_one_ends_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        nc = await connect(warden.creds, "ingest")
        seen: dict[str, list[dict]] = {}

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            seen.setdefault(data["key"], []).append(data)

        await nc.subscribe("runs.completed", cb=on_completed)
        announced: list[dict] = []

        async def on_pending(msg) -> None:
            announced.append(json.loads(msg.data))

        staff = await connect(warden.creds, "admin")  # approvals.pending is for staff surfaces, not the event source
        await staff.subscribe("approvals.pending", cb=on_pending)
        await staff.flush()
        admin = await connect(warden.creds, "ingest")
        js = admin.jetstream()
        gate_js = warden.gate_service.nc.jetstream()
        for claim_id in ("CLM-1005", "CLM-1006"):  # both above the 1,000 auto-approval limit
            await js.publish("events.claims.submitted", json.dumps(CLAIMS[claim_id]).encode(), headers={"Nats-Msg-Id": claim_id})

        async def wait_for(claim_id: str, decision: str) -> None:
            for _ in range(400):
                if any(o["decision"] == decision for o in seen.get(claim_id, [])):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"{claim_id} never reached {decision}: {seen.get(claim_id)}")

        await wait_for("CLM-1005", "awaiting_approval")
        await wait_for("CLM-1006", "awaiting_approval")
        pending = {a.args["claim_id"]: a for a in warden.gate.approvals.list("pending")}
        assert pending["CLM-1005"].role == "adjuster"
        assert {a["id"] for a in announced} == {a.id for a in pending.values()}
        assert all(a["args_hash"].startswith("sha256:") and a["args"]["payee_account"].startswith("<BANK_ACCOUNT") for a in announced)

        approved = warden.gate.approvals.decide(pending["CLM-1005"].id, approve=True, approver=ANN)
        declined = warden.gate.approvals.decide(pending["CLM-1006"].id, approve=False, approver=BO)
        assert await warden.gate_service.announce_decisions() == 2  # the gate delivers the answers
        await announce(gate_js, approved)  # a repeated answer is dropped, never a second payment
        await wait_for("CLM-1005", "paid")
        await wait_for("CLM-1006", "denied_by_adjuster")
        await staff.close()
        await nc.close()
        await admin.close()
    assert ledger_payees(settings) == [("CLM-1005", CLAIMS["CLM-1005"]["payee_account_on_file"])]


async def test_a_decision_taken_while_the_bus_was_down_is_delivered_by_the_gate(tmp_path: Path) -> None:
    """`warden approvals approve` with no bus reachable records the decision only; the gate's sweep delivers it."""
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        nc = await connect(warden.creds, "ingest")
        outcomes: list[dict] = []

        async def on_completed(msg) -> None:
            outcomes.append(json.loads(msg.data))

        await nc.subscribe("runs.completed", cb=on_completed)
        admin = await connect(warden.creds, "ingest")
        await admin.jetstream().publish("events.claims.submitted", json.dumps(CLAIMS["CLM-1005"]).encode(),
                                        headers={"Nats-Msg-Id": "CLM-1005"})
        for _ in range(400):
            if warden.gate.approvals.list("pending"):
                break
            await asyncio.sleep(0.05)
        (pending,) = warden.gate.approvals.list("pending")
        warden.gate.approvals.decide(pending.id, approve=True, approver=ANN)  # recorded, never published
        assert [a.id for a in warden.gate.approvals.unannounced()] == [pending.id]
        assert await warden.gate_service.announce_decisions() == 1
        assert await warden.gate_service.announce_decisions() == 0  # delivered once
        for _ in range(400):
            if any(o["decision"] == "paid" for o in outcomes):
                break
            await asyncio.sleep(0.05)
        assert any(o["key"] == "CLM-1005" and o["decision"] == "paid" for o in outcomes), outcomes
        await nc.close()
        await admin.close()
