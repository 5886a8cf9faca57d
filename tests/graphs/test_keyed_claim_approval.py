"""A keyed claim event, end to end in one Warden: its run waits for an adjuster, and the gate delivers the answer on
the claim's partition (read back from the run's stored event), where the run resumes behind the claim's events."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from agents.bus import connect
from app.assembly import Warden
from graphs.claims.scripted import hostile_claims_script
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from warden.keyed_subjects import decided_subject, keyed_subject, parse_stored
from warden.settings import Settings

SAMPLES = Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl"
CLAIMS = {c["claim_id"]: c for c in (json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip())}


async def test_the_answer_to_a_keyed_claims_approval_resumes_it_on_its_partition(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        nc = await connect(warden.creds, "ingest")
        seen: list[dict] = []

        async def on_completed(msg) -> None:
            seen.append(json.loads(msg.data))

        await nc.subscribe("runs.completed", cb=on_completed)
        js = nc.jetstream()
        ack = await js.publish(keyed_subject("events.claims.submitted", "CLM-1005"), json.dumps(CLAIMS["CLM-1005"]).encode())

        async def wait_for(decision: str) -> None:
            for _ in range(600):
                if any(o["key"] == "CLM-1005" and o["decision"] == decision for o in seen):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"CLM-1005 never reached {decision}: {seen}")

        await wait_for("awaiting_approval")
        (pending,) = warden.gate.approvals.list("pending")
        warden.gate.approvals.decide(pending.id, approve=True, approver=Principal(id="user:ann", roles=["adjuster"]))
        assert await warden.gate_service.announce_decisions() == 1
        await wait_for("paid")
        admin = await connect(warden.creds, "admin")
        stored = parse_stored((await admin.jetstream().get_msg("EVENTS", ack.seq)).subject)
        answer = await admin.jetstream().get_last_msg("EVENTS", decided_subject("claims_triage", stored.partition))
        assert json.loads(answer.data)["run_id"] == f"run-claims_triage-{ack.seq}"
        await admin.close()
        await nc.close()
