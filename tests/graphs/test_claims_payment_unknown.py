"""A payment whose outcome never came back is escalated as unknown, not as refused: the gate did not answer within
the runtime's timeout (nor on the two retries with the same key), so the money may have moved, and it did. A real
Warden on a real bus; the payment provider behind the tool is slower than the runtime's patience."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from agents.bus import connect
from app.assembly import Warden, ingest_payload
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel
from warden.settings import Settings

CLAIM = json.loads((Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl").read_text().splitlines()[0])


async def test_a_payment_that_never_answered_is_escalated_as_unknown_and_paid_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script), gate_timeout_s=0.4) as warden:
        real = warden.gate.call_tool

        async def slow_provider(tool, args, key, run):  # every attempt outlasts the runtime's gate timeout
            if tool == "payments.issue":
                await asyncio.sleep(1.0)
            return await real(tool, args, key, run)

        warden.gate.call_tool = slow_provider
        nc = await connect(warden.creds, "ingest")
        done: asyncio.Future[dict] = asyncio.get_running_loop().create_future()

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            if data["key"] == CLAIM["claim_id"] and not done.done():
                done.set_result(data)

        await nc.subscribe("runs.completed", cb=on_completed)
        key = warden.role_creds["ingest"].secret("event_key")
        await nc.jetstream().publish("events.claims.submitted", json.dumps(ingest_payload(CLAIM, key, ["claim_id"])).encode())
        outcome = await asyncio.wait_for(done, timeout=60)
        await nc.close()
        detail = next(o.detail for o in warden.runtime.host.outcomes if o.key == CLAIM["claim_id"])
        await asyncio.sleep(2.5)  # the attempts still in hand at the gate finish
    assert outcome["decision"] == "escalated"
    reasons = " | ".join(detail["reasons"])
    assert "payment outcome unknown" in reasons and "payment refused" not in reasons, reasons
    with sqlite3.connect(settings.data_dir / "payments.db") as db:
        assert db.execute("SELECT COUNT(*) FROM payments WHERE claim_id = ?", (CLAIM["claim_id"],)).fetchone()[0] == 1
