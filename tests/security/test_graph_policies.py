"""The replenishment and capacity policies hold against a compromised runtime on the live bus: each runtime holds
only its own bus credential and sends the gate what an attacker would. Spend counters and reservation owners are
the gate's own records; nothing in a request body can lower them."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3

import pytest

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.capacity import PACKAGE as CAPACITY
from graphs.capacity import SAMPLES as CAPACITY_SAMPLES
from graphs.replenishment import PACKAGE as REPLENISHMENT
from graphs.replenishment import SAMPLES as SNAPSHOT_SAMPLES
from graphs.replenishment.graph import order_args
from serving.scripted import ScriptedModel
from warden.settings import Settings
from guardrails.audit import per_call

METRICS = {e["metrics_id"]: e for e in (json.loads(l) for l in CAPACITY_SAMPLES.read_text().splitlines() if l.strip())}
BASE_SNAPSHOT = json.loads(SNAPSHOT_SAMPLES.read_text().splitlines()[1])  # plenty in stock: the run orders nothing
SNAPSHOTS = [BASE_SNAPSHOT | {"snapshot_id": f"INV-700{i}", "sku": f"SKU-700{i}", "unit_price": "25.00", "on_hand": 5000}
             for i in (1, 2, 3)]
RIVAL = dataclasses.replace(CAPACITY, name="rival", trigger="events.capacity.rival")
"""A second graph with the capacity tools: another principal (agent:rival) on the same gate."""


async def _publish(warden: Warden, items: list[tuple[str, str, dict]]) -> dict[str, str]:
    """Publish (subject, key field, event) as the event source; returns key -> run id once every run settled."""
    nc = await connect(warden.creds, "ingest")
    runs: dict[str, str] = {}
    done = asyncio.Event()

    async def on_completed(msg) -> None:
        data = json.loads(msg.data)
        runs[f"{data['graph']}:{data['key']}"] = data["run_id"]
        if len(runs) >= len(items):
            done.set()

    await nc.subscribe("runs.completed", cb=on_completed)
    key = warden.role_creds["ingest"].secret("event_key")
    for subject, field, event in items:
        await nc.jetstream().publish(subject, json.dumps(ingest_payload(event, key, [field])).encode(),
                                     headers={"Nats-Msg-Id": f"sec-{subject}-{event[field]}"})
    await asyncio.wait_for(done.wait(), timeout=60)
    await nc.close()
    return runs


@pytest.fixture(scope="module")
async def live(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    graphs = [REPLENISHMENT, CAPACITY, RIVAL]
    async with Warden(settings, model=ScriptedModel(CAPACITY.scripted), graphs=graphs) as warden:
        # its record lists capacity's reservation and one nobody made, so only the policy stands in the way
        rival_event = METRICS["CAP-LEDGER-0900"] | {"metrics_id": "CAP-RIVAL-0900", "service": "rival-svc",
                                                    "current_load": 150.0,
                                                    "held": [{"reservation_id": "RES-CAP-CHECKOUT-0900", "quantity": 7},
                                                             {"reservation_id": "RES-GHOST-0001", "quantity": 2}]}
        runs = await _publish(warden, [
            *[(REPLENISHMENT.trigger, "sku", s) for s in SNAPSHOTS],
            (CAPACITY.trigger, "service", METRICS["CAP-CHECKOUT-0900"]),   # reserves 7 units as agent:capacity
            (CAPACITY.trigger, "service", METRICS["CAP-LEDGER-0900"]),     # steady: no calls
            (RIVAL.trigger, "service", rival_event),                       # steady: no calls
        ])
        runtimes = {g.name: await connect(warden.creds, f"rt-{g.name}") for g in graphs}
        yield {"warden": warden, "settings": settings, "runs": runs, "rt": runtimes}
        for nc in runtimes.values():
            await nc.close()


async def _call(live, graph: str, key: str, tool: str, args: dict, **extra) -> dict:
    body = {"tool": tool, "args": args, "principal": {"id": f"agent:{graph}", "roles": ["agent"]},
            "run": {"id": live["runs"][f"{graph}:{key}"], "graph": graph, "step": 7}, **extra}
    msg = await live["rt"][graph].request(gate_subject(graph, tool), json.dumps(body).encode(), timeout=10)
    return json.loads(msg.data)


def _orders(live) -> list[str]:
    with sqlite3.connect(live["settings"].data_dir / "purchasing.db") as db:
        return [r[0] for r in db.execute("SELECT order_id FROM orders ORDER BY created_at")]


async def test_an_order_over_the_supplier_limit_goes_to_a_buyer_and_is_not_executed(live) -> None:
    reply = await _call(live, "replenishment", "SKU-7001", "purchasing.order", order_args(SNAPSHOTS[0], 300))  # 7,500 USD
    assert reply["decision"]["decision"] == "require_approval" and reply["decision"]["approval"]["role"] == "buyer"
    assert "above the automatic limit of 5000.00 USD" in " ".join(reply["decision"]["reasons"])
    assert reply["result"] is None and _orders(live) == []


async def test_the_spend_counter_is_the_gates_and_cannot_be_supplied_by_the_caller(live) -> None:
    placed = await _call(live, "replenishment", "SKU-7002", "purchasing.order", order_args(SNAPSHOTS[1], 150))  # 3,750
    assert placed["decision"]["decision"] == "allow" and placed["result"]["total"] == "3750.00"
    second = order_args(SNAPSHOTS[2], 60)  # 1,500 USD: under the limit alone, 5,250 USD with today's spend
    for forged in ({"state": {"supplier_day_spend_minor": 0, "day_spend_minor": 0}},
                   {"_state": {"supplier_day_spend_minor": 0}},
                   {"context": {"inventory": {"sku": "SKU-7003"}}}):
        reply = await _call(live, "replenishment", "SKU-7003", "purchasing.order", second, **forged)
        assert reply["decision"]["decision"] == "deny", forged
    reply = await _call(live, "replenishment", "SKU-7003", "purchasing.order", second)
    assert reply["decision"]["decision"] == "require_approval"
    assert "spend with the supplier to 5250.00 USD" in " ".join(reply["decision"]["reasons"])
    assert _orders(live) == ["PO-INV-7002"]


async def test_a_release_of_another_principals_reservation_is_denied(live) -> None:
    store = live["warden"].gate.store
    assert store.reservation_owner("RES-CAP-CHECKOUT-0900") == {"principal": "agent:capacity", "released": False}
    reply = await _call(live, "rival", "rival-svc", "provisioning.release", {"reservation_id": "RES-CAP-CHECKOUT-0900"})
    assert reply["decision"]["decision"] == "deny"
    assert "belongs to another principal" in " ".join(reply["decision"]["reasons"])
    assert store.reservation_owner("RES-CAP-CHECKOUT-0900")["released"] is False


async def test_a_reservation_the_gate_never_relayed_is_not_released(live) -> None:
    reply = await _call(live, "rival", "rival-svc", "provisioning.release", {"reservation_id": "RES-GHOST-0001"})
    assert reply["decision"]["decision"] == "deny"
    assert "not on the gate's record" in " ".join(reply["decision"]["reasons"])


def test_the_honest_runs_made_no_calls_the_attacks_could_ride_on(live) -> None:
    """The fixture's own runs: capacity reserved once (its 7 units); the rival and the snapshots changed nothing."""
    audit = [r for r in per_call(live["warden"].gate.audit.records()) if r["step"] not in (0, 7)]  # 0: refused unread, 7: attacks
    effects = [(r["principal"], r["tool"], r["decision"]) for r in audit if r["tool"] != "scoring.demand_forecast"]
    assert effects == [("agent:capacity", "provisioning.reserve", "allow")]


@pytest.mark.parametrize(("quantity", "reason"), [(300, "maximum of 256 units in one request"),
                                                  (257, "maximum of 256 units in one request"),
                                                  (250, "maximum of 256 units in total")])
async def test_reservations_beyond_the_maximum_are_denied(live, quantity, reason) -> None:
    args = {"resource": "ledger-db/vcpu", "quantity": quantity, "reason": "spike", "reservation_id": "RES-CAP-LEDGER-0900"}
    reply = await _call(live, "capacity", "ledger-db", "provisioning.reserve", args)
    assert reply["decision"]["decision"] == "deny"
    assert reason in " ".join(reply["decision"]["reasons"])
