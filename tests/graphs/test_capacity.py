"""Predictive capacity, through the real bus, gate and tools: each service is scaled as its metrics say, ahead of
the forecast when it holds and by reactive rules when it is missing, stale or wrong (and the result says which);
a release shrinks the quota; a reservation above the quota waits for an operator; above the maximum it is refused."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.capacity import PACKAGE, SAMPLES
from graphs.capacity.load_model import evaluate
from graphs.capacity.model_card import CARD
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from warden.settings import Settings

EVENTS = [json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip()]
GRAPH = PACKAGE.name
OPERATOR = Principal(id="user:olu", roles=["operator"])


@pytest.fixture(scope="module")
async def capacity_run(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    async with Warden(settings, model=ScriptedModel(PACKAGE.scripted), graphs=[GRAPH]) as warden:
        nc = await connect(warden.creds, "ingest")
        runs: dict[str, dict] = {}

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            if data["status"] != "skipped":  # a redelivery of a finished run announces "skipped"
                runs[data["run_id"]] = data

        await nc.subscribe("runs.completed", cb=on_completed)
        key = warden.role_creds["ingest"].secret("event_key")
        for event in EVENTS:
            await nc.jetstream().publish(PACKAGE.trigger, json.dumps(ingest_payload(event, key, ["service"])).encode(),
                                         headers={"Nats-Msg-Id": f"test-{event['metrics_id']}"})
        for _ in range(600):
            if len(runs) >= len(EVENTS):
                break
            await asyncio.sleep(0.05)
        runtime = await connect(warden.creds, f"rt-{GRAPH}")
        yield {"warden": warden, "settings": settings, "runs": runs, "runtime": runtime}
        await runtime.close()
        await nc.close()


def _by_event(capacity_run) -> dict[str, dict]:
    ordered = sorted(capacity_run["runs"].values(), key=lambda r: int(r["run_id"].rsplit("-", 1)[1]))
    return {event["metrics_id"]: run for event, run in zip(EVENTS, ordered)}


def test_each_service_is_scaled_as_its_metrics_say_and_says_why(capacity_run) -> None:
    runs = _by_event(capacity_run)
    for event in EVENTS:
        assert runs[event["metrics_id"]]["decision"] == event["_expect"], event["metrics_id"]
    outcomes = {o.run_id: o.detail for o in capacity_run["warden"].runtime.host.outcomes}
    why = {m: outcomes[r["run_id"]]["why"] for m, r in runs.items()}
    assert why["CAP-CHECKOUT-0900"].startswith("forecast fresh")
    assert why["CAP-SEARCH-0900"].startswith("forecast stale") and "reactive rules" in why["CAP-SEARCH-0900"]
    assert why["CAP-BATCH-0900"].startswith("forecast wrong")
    assert why["CAP-LEDGER-0900"].startswith("forecast missing")


def test_a_release_shrinks_the_quota_and_the_cap_refuses_too_much(capacity_run) -> None:
    store = capacity_run["warden"].gate.store
    assert store.reservation_owner("RES-CAP-CHECKOUT-0900") == {"principal": f"agent:{GRAPH}", "released": True}
    assert store.principal_reserved_total(f"agent:{GRAPH}") == 9  # search-api only: checkout's 7 came back
    with sqlite3.connect(capacity_run["settings"].data_dir / "provisioning.db") as db:
        rows = dict(db.execute("SELECT reservation_id, status FROM reservations").fetchall())
    assert rows == {"RES-CAP-CHECKOUT-0900": "released", "RES-CAP-SEARCH-0900": "reserved"}
    refused = [r for r in capacity_run["warden"].gate.audit.records() if r["decision"] == "deny"]
    assert ["maximum of 256 units" in " ".join(r["reasons"]) for r in refused] == [True]


async def test_a_reservation_above_the_quota_waits_for_an_operator(capacity_run) -> None:
    warden = capacity_run["warden"]
    pending = [a for a in warden.gate.approvals.list("pending") if a.tool == "provisioning.reserve"]
    assert [(a.args["reservation_id"], a.role) for a in pending] == [("RES-CAP-BATCH-0900", "operator")]
    warden.gate.approvals.decide(pending[0].id, approve=True, approver=OPERATOR)
    assert await warden.gate_service.announce_decisions() == 1
    for _ in range(200):
        if warden.gate.store.principal_reserved_total(f"agent:{GRAPH}") == 9 + 47:
            break
        await asyncio.sleep(0.05)
    assert warden.gate.store.reservation_owner("RES-CAP-BATCH-0900") == {"principal": f"agent:{GRAPH}", "released": False}


@pytest.mark.parametrize(("tool", "args", "differs"), [
    ("provisioning.reserve", {"resource": "ledger-db/gpu", "quantity": 1, "reservation_id": "RES-CAP-LEDGER-0900"}, "resource"),
    ("provisioning.reserve", {"resource": "ledger-db/vcpu", "quantity": 1, "reservation_id": "RES-OTHER-1"}, "reservation_id"),
    ("provisioning.release", {"reservation_id": "RES-CAP-SEARCH-0900"}, "reservation_id"),
])
async def test_calls_must_match_the_services_record(capacity_run, tool, args, differs) -> None:
    run_id = _by_event(capacity_run)["CAP-LEDGER-0900"]["run_id"]
    body = {"tool": tool, "args": args, "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]},
            "run": {"id": run_id, "graph": GRAPH, "step": 9}}
    msg = await capacity_run["runtime"].request(gate_subject(GRAPH, tool), json.dumps(body).encode(), timeout=10)
    reply = json.loads(msg.data)
    assert reply["decision"]["decision"] == "deny"
    assert f"these differ: {differs}" in " ".join(reply["decision"]["reasons"])


def test_the_card_states_the_held_out_metric_against_its_baselines() -> None:
    figures = evaluate()
    assert figures["mase_model"] < figures["mase_seasonal_naive"] < figures["mase_naive"]
    assert f"**{figures['mase_model']}**" in CARD.read_text()
