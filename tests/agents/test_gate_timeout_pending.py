"""A gate that answers too late is not a gate that said no: the graph is told `pending`, and asking again with the
same idempotency key learns the real outcome, with the effect done exactly once. A real Warden on a real bus; the
provider behind the tool is slower than the runtime's gate timeout (as an external system may be)."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from agents.bus import connect
from agents.gate_client import NatsToolGateway
from agents.gate_reconcile import ReconcilingGateway
from app.assembly import Warden, ingest_payload
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel
from warden.settings import Settings

GRAPH, TOOL = "claims_triage", "notifications.send"
RUNTIME_TIMEOUT_S, PROVIDER_DELAY_S = 0.5, 1.5
WARDEN_GATE_TIMEOUT_S, PAYMENT_DELAY_S = 1.5, 2.5  # the claim run's own gateway, and its payment provider
SAMPLES = Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl"
CLAIM = json.loads(SAMPLES.read_text().splitlines()[0])


@pytest.fixture(scope="module")
async def live(tmp_path_factory):
    """A Warden with one finished claim run whose payment was slower than its gate timeout (the gate only
    serves calls of runs it can read back, so the later tests call as that run)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script), gate_timeout_s=WARDEN_GATE_TIMEOUT_S) as warden:
        real, slowed, delays = warden.gate.call_tool, set(), {"payments.issue": PAYMENT_DELAY_S}

        async def slow_provider(tool, args, key, run):  # the first attempt of each key is held up on its way
            if tool in delays and key not in slowed:
                slowed.add(key)
                await asyncio.sleep(delays[tool])
            return await real(tool, args, key, run)

        warden.gate.call_tool = slow_provider
        outcome = await _one_run(warden)
        delays[TOOL] = PROVIDER_DELAY_S
        nc = await connect(warden.creds, f"rt-{GRAPH}")
        yield {"settings": settings, "run_id": outcome["run_id"], "outcome": outcome, "nc": nc}
        await nc.close()


async def _one_run(warden: Warden) -> dict:
    nc = await connect(warden.creds, "ingest")
    done: asyncio.Future[dict] = asyncio.get_running_loop().create_future()

    async def on_completed(msg) -> None:
        data = json.loads(msg.data)
        if data["key"] == CLAIM["claim_id"] and data["status"] in ("completed", "waiting") and not done.done():
            done.set_result(data)

    await nc.subscribe("runs.completed", cb=on_completed)
    key = warden.role_creds["ingest"].secret("event_key")
    await nc.jetstream().publish("events.claims.submitted",
                                 json.dumps(ingest_payload(CLAIM, key, ["claim_id"])).encode(),
                                 headers={"Nats-Msg-Id": "pending-test-claim"})
    try:
        return await asyncio.wait_for(done, timeout=60)
    finally:
        await nc.close()


def _message(step: int) -> dict:
    return {"channel": "staff", "to": "claims-adjusters", "subject": f"Reconcile {step}", "body": "Please check."}


def _ledger(settings: Settings, key: str) -> int:
    """The tool's own record of effects done under this key."""
    with sqlite3.connect(settings.data_dir / "notifications.db") as db:
        return db.execute("SELECT COUNT(*) FROM tool_calls WHERE tool = ? AND idempotency_key = ?",
                          (TOOL, key)).fetchone()[0]


async def _eventually(check, within_s: float = 5.0) -> None:
    for _ in range(int(within_s / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)


def test_a_claim_whose_payment_outlasted_the_gate_timeout_is_paid_once_not_refused(live) -> None:
    from tools.payments import ledger_rows

    assert live["outcome"]["decision"] == "paid", live["outcome"]  # before: a deny, so "escalated", yet it paid
    paid = [r for r in ledger_rows(live["settings"]) if r["claim_id"] == CLAIM["claim_id"]]
    assert len(paid) == 1


async def test_a_gate_timeout_is_pending_and_the_same_call_again_returns_the_one_effect(live) -> None:
    gateway = NatsToolGateway(live["nc"], GRAPH, timeout_s=RUNTIME_TIMEOUT_S)
    step, key = 80, f"{live['run_id']}:80:0:{TOOL}"
    first = await gateway.call(TOOL, _message(step), run_id=live["run_id"], graph=GRAPH, step=step)
    assert first.decision == "pending", first
    assert first.reasons == ["gate did not answer in time; the effect may still happen"]
    await _eventually(lambda: _ledger(live["settings"], key) == 1)  # the late call did run
    again = await gateway.call(TOOL, _message(step), run_id=live["run_id"], graph=GRAPH, step=step)
    assert again.decision == "allow" and again.result and again.result["status"] == "duplicate", again
    assert _ledger(live["settings"], key) == 1, "asking again must not do the effect twice"


async def test_the_graphs_gateway_reconciles_a_timeout_into_the_real_outcome(live) -> None:
    gateway = ReconcilingGateway(NatsToolGateway(live["nc"], GRAPH, timeout_s=RUNTIME_TIMEOUT_S), backoff_s=0.05)
    step, key = 81, f"{live['run_id']}:81:0:{TOOL}"
    outcome = await gateway.call(TOOL, _message(step), run_id=live["run_id"], graph=GRAPH, step=step)
    assert outcome.decision == "allow" and outcome.ok, outcome  # what the graph sees: the effect, not a deny
    assert outcome.result["status"] in ("queued", "duplicate")
    await asyncio.sleep(PROVIDER_DELAY_S)  # the first, delayed attempt reaches the tool too, and is deduped
    assert _ledger(live["settings"], key) == 1
    assert gateway.pending[GRAPH] == 1 and gateway.reconciled[GRAPH] == 1
    assert f'warden_gate_pending_total{{graph="{GRAPH}"}} 1' in gateway.metrics_lines()
