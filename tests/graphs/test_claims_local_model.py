"""The real serving path: one claim through the graph with the embedded llama.cpp model reached via LiteLLM."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.assembly import Warden
from agents.bus import connect
from warden.settings import Settings

CLAIM = json.loads((Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl").read_text().splitlines()[0])


@pytest.mark.llm
async def test_one_claim_through_the_embedded_model(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="local")
    async with Warden(settings) as warden:
        nc = await connect(warden.creds, "ingest")
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        async def on_completed(msg) -> None:
            if not done.done():
                done.set_result(json.loads(msg.data))

        await nc.subscribe("runs.completed", cb=on_completed)
        admin = await connect(warden.creds, "ingest")
        await admin.jetstream().publish("events.claims.submitted", json.dumps(CLAIM).encode(), headers={"Nats-Msg-Id": "llm-1"})
        outcome = await asyncio.wait_for(done, timeout=120)
        stats = warden.model.stats()
        detail = next(o for o in warden.runtime.host.outcomes if o.key == CLAIM["claim_id"]).detail
        await nc.close()
        await admin.close()
    assert outcome["decision"] == "paid"  # a small clean claim: whatever the model said, validated or replaced
    assert set(detail["field_sources"].values()) <= {"model", "fallback", "record", "missing"}
    assert stats["backend"] == "llama.cpp" and stats["calls"] >= 1 and stats["completion_tokens"] > 0
