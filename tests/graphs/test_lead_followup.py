"""Lead follow-up, added through the graph-package seam alone: new leads from the CRM are scored from the record and
routed to sales, through the real bus, gate and tools; a lead's message (untrusted) decides nothing."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.leads import PACKAGE, SAMPLES
from graphs.leads.record import lead_features, lead_view
from serving.scripted import ScriptedModel
from warden.settings import Settings

LEADS = {lead["lead_id"]: lead for lead in (json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip())}
GRAPH = PACKAGE.name


@pytest.fixture(scope="module")
async def leads_run(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    async with Warden(settings, model=ScriptedModel(PACKAGE.scripted), graphs=[GRAPH]) as warden:
        nc = await connect(warden.creds, "ingest")
        outcomes: dict[str, dict] = {}
        done = asyncio.Event()

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            outcomes[data["key"]] = data
            if len(outcomes) >= len(LEADS):
                done.set()

        await nc.subscribe("runs.completed", cb=on_completed)
        key = warden.role_creds["ingest"].secret("event_key")
        for lead_id, lead in LEADS.items():
            await nc.jetstream().publish(PACKAGE.trigger, json.dumps(ingest_payload(lead, key, ["lead_id"])).encode(),
                                         headers={"Nats-Msg-Id": f"test-{lead_id}"})
        await asyncio.wait_for(done.wait(), timeout=60)
        runtime = await connect(warden.creds, f"rt-{GRAPH}")  # what a compromised lead runtime holds
        yield {"warden": warden, "settings": settings, "outcomes": outcomes, "runtime": runtime}
        await runtime.close()
        await nc.close()


def test_each_lead_is_routed_as_its_record_says(leads_run) -> None:
    for lead_id, lead in LEADS.items():
        assert leads_run["outcomes"][lead_id]["status"] == "completed"
        assert leads_run["outcomes"][lead_id]["decision"] == lead["_expect"], lead_id
    with sqlite3.connect(leads_run["settings"].data_dir / "tickets.db") as db:
        tickets = dict(db.execute("SELECT ticket_id, status FROM tickets").fetchall())
    assert tickets == {"FUP-LEAD-2001": "open", "FUP-LEAD-2002": "closed", "FUP-LEAD-2003": "pending",
                       "FUP-LEAD-2004": "closed"}


def test_only_the_hot_lead_reaches_the_sales_queue_and_no_message_leaves(leads_run) -> None:
    audit = leads_run["warden"].gate.audit.records()
    sends = [r for r in audit if r["tool"] == "notifications.send"]
    assert [(r["decision"], r["args"]["to"]) for r in sends] == [("allow", "sales-followup")]
    assert "LEAD-2001" in sends[0]["args"]["subject"]
    with sqlite3.connect(leads_run["settings"].data_dir / "notifications.db") as db:
        assert "evil.example" not in json.dumps(db.execute("SELECT * FROM outbox").fetchall())
    assert all(r["principal"] == f"agent:{GRAPH}" for r in audit)


async def test_a_score_is_asked_with_the_records_features_or_denied(leads_run) -> None:
    """The gate runs the package's fact check: an inflated feature (what an injected message asks for) is denied."""
    run_id = leads_run["outcomes"]["LEAD-2004"]["run_id"]
    features = lead_features(lead_view(LEADS["LEAD-2004"])["lead"]) | {"demo_requested": 1.0}
    body = {"tool": "scoring.lead_propensity", "args": {"lead_id": "LEAD-2004", "features": features},
            "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]}, "run": {"id": run_id, "graph": GRAPH, "step": 9}}
    msg = await leads_run["runtime"].request(gate_subject(GRAPH, "scoring.lead_propensity"), json.dumps(body).encode(),
                                             timeout=10)
    reply = json.loads(msg.data)
    assert reply["decision"]["decision"] == "deny"
    assert "must come from the lead record" in " ".join(reply["decision"]["reasons"])
    assert "features.demo_requested" in " ".join(reply["decision"]["reasons"])


async def test_the_lead_runtime_cannot_use_tools_its_package_does_not_declare(leads_run) -> None:
    run_id = leads_run["outcomes"]["LEAD-2001"]["run_id"]
    body = {"tool": "payments.issue", "args": {"claim_id": "CLM-1001", "amount": 10, "currency": "USD",
                                                "payee_account": "ACCT-31337000"},
            "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]}, "run": {"id": run_id, "graph": GRAPH, "step": 9}}
    msg = await leads_run["runtime"].request(gate_subject(GRAPH, "payments.issue"), json.dumps(body).encode(), timeout=10)
    reply = json.loads(msg.data)
    assert reply["decision"]["decision"] == "deny" and "does not declare" in " ".join(reply["decision"]["reasons"])
