"""Demand and replenishment, through the real bus, gate and tools: each snapshot is forecast, planned and ordered
as its record says; an order above the supplier's daily limit waits for a buyer, and the buyer's answer resumes it;
an order that names another supplier or price than the record is denied."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.replenishment import PACKAGE, SAMPLES
from graphs.replenishment.graph import order_args
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from warden.settings import Settings
from guardrails.audit import per_call

SNAPSHOTS = {s["sku"]: s for s in (json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip())}
GRAPH = PACKAGE.name
BUYER = Principal(id="user:bea", roles=["buyer"])


@pytest.fixture(scope="module")
async def replenishment_run(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    async with Warden(settings, model=ScriptedModel(PACKAGE.scripted), graphs=[GRAPH]) as warden:
        nc = await connect(warden.creds, "ingest")
        seen: dict[str, list[dict]] = {}

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            seen.setdefault(data["key"], []).append(data)

        await nc.subscribe("runs.completed", cb=on_completed)
        key = warden.role_creds["ingest"].secret("event_key")
        for sku, snapshot in SNAPSHOTS.items():
            await nc.jetstream().publish(PACKAGE.trigger, json.dumps(ingest_payload(snapshot, key, ["sku"])).encode(),
                                         headers={"Nats-Msg-Id": f"test-{sku}"})
        for _ in range(600):
            if len(seen) >= len(SNAPSHOTS):
                break
            await asyncio.sleep(0.05)
        runtime = await connect(warden.creds, f"rt-{GRAPH}")  # what a compromised replenishment runtime holds
        yield {"warden": warden, "settings": settings, "seen": seen, "runtime": runtime}
        await runtime.close()
        await nc.close()


def _orders(settings: Settings) -> dict[str, tuple]:
    with sqlite3.connect(settings.data_dir / "purchasing.db") as db:
        return {r[0]: r[1:] for r in db.execute("SELECT sku, supplier_id, quantity, total, currency FROM orders")}


async def _wait_for(seen: dict, sku: str, decision: str) -> None:
    for _ in range(400):
        if any(o["decision"] == decision for o in seen.get(sku, [])):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sku} never reached {decision}: {seen.get(sku)}")


def test_each_snapshot_is_planned_as_its_record_says(replenishment_run) -> None:
    for sku, snapshot in SNAPSHOTS.items():
        assert replenishment_run["seen"][sku][0]["decision"] == snapshot["_expect"], sku
    orders = _orders(replenishment_run["settings"])
    assert orders == {"SKU-1001": ("SUP-ACME", 288, "1209.60", "USD"), "SKU-1004": ("SUP-GLOBEX", 380, "3420.00", "USD")}


def test_placed_orders_are_announced_to_their_supplier_only(replenishment_run) -> None:
    audit = per_call(replenishment_run["warden"].gate.audit.records())
    sends = sorted(r["args"]["to"] for r in audit if r["tool"] == "notifications.send" and r["decision"] == "allow")
    assert sends == ["https://hooks.northwind.example/suppliers/SUP-ACME",
                     "https://hooks.northwind.example/suppliers/SUP-GLOBEX"]
    assert all(r["principal"] == f"agent:{GRAPH}" for r in audit)


async def test_an_order_above_the_supplier_limit_waits_for_a_buyer_and_runs_once_approved(replenishment_run) -> None:
    warden, seen = replenishment_run["warden"], replenishment_run["seen"]
    pending = [a for a in warden.gate.approvals.list("pending") if a.tool == "purchasing.order"]
    assert [(a.args["sku"], a.role) for a in pending] == [("SKU-1003", "buyer")]
    assert pending[0].facts["order_total"] == "10752.00 USD" and pending[0].facts["unit_price"] == "6.40 USD"
    assert "SKU-1003" not in _orders(replenishment_run["settings"])  # not executed while it waits
    warden.gate.approvals.decide(pending[0].id, approve=True, approver=BUYER)
    assert await warden.gate_service.announce_decisions() == 1
    await _wait_for(seen, "SKU-1003", "ordered")
    assert _orders(replenishment_run["settings"])["SKU-1003"] == ("SUP-ACME", 1680, "10752.00", "USD")


@pytest.mark.parametrize(("field", "value"), [("supplier_id", "SUP-EVIL"), ("unit_price", "42.00"),
                                              ("order_id", "PO-INV-9999"), ("sku", "SKU-1001")])
async def test_an_order_must_use_the_records_supplier_price_and_order_id(replenishment_run, field, value) -> None:
    run_id = replenishment_run["seen"]["SKU-1002"][0]["run_id"]
    args = order_args(SNAPSHOTS["SKU-1002"], 10) | {field: value}
    body = {"tool": "purchasing.order", "args": args, "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]},
            "run": {"id": run_id, "graph": GRAPH, "step": 9}}
    msg = await replenishment_run["runtime"].request(gate_subject(GRAPH, "purchasing.order"), json.dumps(body).encode(),
                                                      timeout=10)
    reply = json.loads(msg.data)
    assert reply["decision"]["decision"] == "deny"
    assert f"must come from the inventory record; these differ: {field}" in " ".join(reply["decision"]["reasons"])


async def test_a_forecast_with_inflated_sales_is_denied(replenishment_run) -> None:
    run_id = replenishment_run["seen"]["SKU-1002"][0]["run_id"]
    snap = SNAPSHOTS["SKU-1002"]
    args = {"sku": snap["sku"], "history": [v * 10 for v in snap["sales"]], "horizon": 12, "promo_days": []}
    body = {"tool": "scoring.demand_forecast", "args": args, "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]},
            "run": {"id": run_id, "graph": GRAPH, "step": 9}}
    msg = await replenishment_run["runtime"].request(gate_subject(GRAPH, "scoring.demand_forecast"),
                                                      json.dumps(body).encode(), timeout=10)
    reply = json.loads(msg.data)
    assert reply["decision"]["decision"] == "deny" and "history" in " ".join(reply["decision"]["reasons"])
