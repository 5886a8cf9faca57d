"""Lead follow-up, added through the graph-package seam alone: new leads from the CRM are scored from the record,
routed to sales and sent the first message of the outreach sequence, through the real bus, gate and tools; consent
and quiet hours decide whether the message leaves, a large discount waits for a sales manager, and a lead's message
(untrusted) decides nothing."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.leads import PACKAGE, SAMPLES
from graphs.leads.record import lead_features, lead_view
from guardrails.contracts import Principal
from serving.scripted import ScriptedModel
from warden.settings import Settings
from guardrails.audit import per_call

LEADS = {lead["lead_id"]: lead for lead in (json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip())}
GRAPH = PACKAGE.name
MANAGER = Principal(id="user:sam", roles=["sales_manager"])


def quiet_now(lead: dict) -> bool:
    """The shipped policy data: no outreach from 21:00 to 8:00 in the lead's time zone."""
    hour = datetime.now(timezone.utc).astimezone(ZoneInfo(lead["timezone"])).hour
    return hour >= 21 or hour < 8


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
            if data["key"] in resumed and data["status"] == "completed":
                resumed[data["key"]].set()

        resumed = {"LEAD-2001": asyncio.Event()}

        await nc.subscribe("runs.completed", cb=on_completed)
        key = warden.role_creds["ingest"].secret("event_key")
        for lead_id, lead in LEADS.items():
            await nc.jetstream().publish(PACKAGE.trigger, json.dumps(ingest_payload(lead, key, ["lead_id"])).encode(),
                                         headers={"Nats-Msg-Id": f"test-{lead_id}"})
        await asyncio.wait_for(done.wait(), timeout=60)
        runtime = await connect(warden.creds, f"rt-{GRAPH}")  # what a compromised lead runtime holds
        yield {"warden": warden, "settings": settings, "outcomes": outcomes, "runtime": runtime, "resumed": resumed}
        await runtime.close()
        await nc.close()


def test_each_lead_is_routed_as_its_record_says(leads_run) -> None:
    for lead_id, lead in LEADS.items():
        expected = "waiting" if lead_id == "LEAD-2001" else "completed"  # its discount waits for a manager
        assert leads_run["outcomes"][lead_id]["status"] == expected, lead_id
        if expected == "completed":
            assert leads_run["outcomes"][lead_id]["decision"] == lead["_expect"], lead_id
    with sqlite3.connect(leads_run["settings"].data_dir / "tickets.db") as db:
        tickets = dict(db.execute("SELECT ticket_id, status FROM tickets").fetchall())
    assert tickets == {"FUP-LEAD-2001": "open", "FUP-LEAD-2002": "closed", "FUP-LEAD-2003": "pending",
                       "FUP-LEAD-2004": "closed", "FUP-LEAD-2005": "open", "FUP-LEAD-2006": "pending"}


def _outbox(settings) -> list[str]:
    with sqlite3.connect(settings.data_dir / "notifications.db") as db:
        return [json.dumps(row) for row in db.execute("SELECT * FROM outbox").fetchall()]


def test_outreach_leaves_only_with_consent_outside_quiet_hours_and_never_on_the_leads_say_so(leads_run) -> None:
    audit = per_call(leads_run["warden"].gate.audit.records())
    emails = {r["run_id"]: r for r in audit if r["tool"] == "notifications.send" and r["args"].get("channel") == "email"}
    by_lead = {lead_id: emails.get(o["run_id"]) for lead_id, o in leads_run["outcomes"].items()}
    assert by_lead["LEAD-2002"] is None and by_lead["LEAD-2004"] is None  # cold leads get no message
    assert by_lead["LEAD-2006"]["decision"] == "deny"
    assert "not consented" in " ".join(by_lead["LEAD-2006"]["reasons"])
    for lead_id in ("LEAD-2003", "LEAD-2005"):
        record = by_lead[lead_id]
        if quiet_now(LEADS[lead_id]):
            assert record["decision"] == "deny" and "quiet hours" in " ".join(record["reasons"]), lead_id
        else:
            assert record["decision"] == "allow", (lead_id, record["reasons"])
        assert record["args"]["to"].startswith("<EMAIL_ADDRESS"), "the audit keeps the address pseudonymized"
    sent = " ".join(_outbox(leads_run["settings"]))
    assert "sofia.rossi" not in sent and "evil.example" not in sent
    staff = [r for r in audit if r["tool"] == "notifications.send" and r["args"].get("channel") == "staff"]
    assert sorted(r["args"]["subject"] for r in staff) == ["Hot lead LEAD-2001", "Hot lead LEAD-2005"]
    assert all(r["principal"] == f"agent:{GRAPH}" for r in audit)


async def test_a_large_discount_waits_for_a_sales_manager_and_the_answer_resumes_the_run(leads_run) -> None:
    warden = leads_run["warden"]
    pending = [a for a in warden.gate.approvals.list("pending") if a.tool == "offers.discount"]
    assert [(a.args["lead_id"], a.args["percent"], a.role) for a in pending] == [("LEAD-2001", 15, "sales_manager")]
    small = [r for r in per_call(warden.gate.audit.records()) if r["tool"] == "offers.discount" and r["decision"] == "allow"]
    assert [r["args"]["percent"] for r in small] == [5]  # LEAD-2005's 5% needed nobody
    warden.gate.approvals.decide(pending[0].id, approve=True, approver=MANAGER)
    assert await warden.gate_service.announce_decisions() == 1
    await asyncio.wait_for(leads_run["resumed"]["LEAD-2001"].wait(), timeout=30)
    with sqlite3.connect(leads_run["settings"].data_dir / "offers.db") as db:
        offers = dict(db.execute("SELECT lead_id, percent FROM offers").fetchall())
    assert offers == {"LEAD-2001": 15, "LEAD-2005": 5}


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
