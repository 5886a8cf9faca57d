"""One slow tool must not queue every caller of the gate: nats-py awaits a subscription's callback before the next
message, and the gate used to await the tool inside it (four 0.5 s calls took 2 s, and under load the runtime
timed out and recorded a deny while the queued payment still ran). A real Warden; the payment provider behind
the tool is slow (0.3 s), as an external system may be."""
from __future__ import annotations

import asyncio

from app.assembly import Warden
from agents.bus import connect
from warden.settings import Settings
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel

from test_gate_trust import CLAIMS, GRAPH, ask, publish_claims

SLOW_S = 0.3


async def test_calls_through_the_gate_to_a_slow_tool_run_side_by_side_and_are_each_audited(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        runs = await publish_claims(warden, [CLAIMS["CLM-1001"]], wait_for=1)
        run_id = next(iter(runs))
        real = warden.gate.call_tool
        inside, peak = 0, 0

        async def slow_provider(tool, args, key, run):  # the provider behind the tool takes its time
            nonlocal inside, peak
            inside += 1
            peak = max(peak, inside)
            try:
                await asyncio.sleep(SLOW_S)
                return await real(tool, args, key, run)
            finally:
                inside -= 1

        warden.gate.call_tool = slow_provider
        runtime = await connect(warden.creds, f"rt-{GRAPH}")
        before = len(warden.gate.audit.records())
        try:
            replies = await asyncio.gather(*(
                ask(runtime, "notifications.send", {"channel": "staff", "to": "claims-adjusters",
                                                    "subject": f"Check {i}", "body": "Claim CLM-1001 was paid."},
                    run_id, run={"id": run_id, "graph": GRAPH, "step": 60 + i, "call": 0}) for i in range(6)))
        finally:
            await runtime.close()
        audited = warden.gate.audit.records()[before:]
    assert [r["decision"]["decision"] for r in replies] == ["allow"] * 6, [r["decision"]["reasons"] for r in replies]
    assert all(r["result"]["status"] == "queued" for r in replies)
    assert peak >= 4, f"the gate held {peak} call(s) at the slow tool at once: it serialises its callers"
    sends = [r["result_status"] for r in audited if r["tool"] == "notifications.send"]
    assert sends.count("dispatched") == 6 and sends.count("queued") == 6  # each decision, then each result
