"""The lead outreach and offer policies hold against a compromised lead runtime on the live bus: it holds only its
own bus credential (`rt-lead_followup`) and asks the gate for what an attacker would. Consent, the address, the time
zone and the count of messages already sent are the gate's facts (the stored lead event, its own store), never the
caller's."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from agents.bus import connect
from agents.bus_users import gate_subject
from app.assembly import Warden, ingest_payload
from graphs.leads import PACKAGE, SAMPLES
from serving.scripted import ScriptedModel
from warden.settings import Settings

GRAPH = PACKAGE.name
COLD = json.loads(SAMPLES.read_text().splitlines()[1])  # a cold lead: the graph itself sends it nothing


def zone_at(local_hour: int) -> str:
    """An Etc/GMT zone where it is `local_hour` o'clock now (Etc/GMT-3 is UTC+3)."""
    offset = (local_hour - datetime.now(timezone.utc).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def lead(lead_id: str, email: str, *, consent: bool = True, tz: str | None = None) -> dict:
    return COLD | {"lead_id": lead_id, "contact": {"name": "Pat Doe", "email": email}, "consent": {"email": consent},
                   "timezone": tz if tz is not None else zone_at(13), "message": ""}


@pytest.fixture(scope="module")
async def live(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    events = [lead("LEAD-9001", "pat.doe@customer.example"),
              lead("LEAD-9002", "ann@customer.example", consent=False),
              lead("LEAD-9003", "lee@customer.example", tz=zone_at(2)),
              lead("LEAD-9004", "kim@competitor.example"),
              lead("LEAD-9005", "max@customer.example", tz="Mars/Olympus_Mons")]
    async with Warden(settings, model=ScriptedModel(PACKAGE.scripted), graphs=[GRAPH]) as warden:
        ingest = await connect(warden.creds, "ingest")
        key = warden.role_creds["ingest"].secret("event_key")
        runs = {}
        for event in events:
            ack = await ingest.jetstream().publish(PACKAGE.trigger, json.dumps(ingest_payload(event, key, ["lead_id"])).encode())
            runs[event["lead_id"]] = f"run-{GRAPH}-{ack.seq}"
        await ingest.close()
        attacker = await connect(warden.creds, f"rt-{GRAPH}")
        yield {"warden": warden, "settings": settings, "nc": attacker, "runs": runs}
        await attacker.close()


async def ask(live, lead_id: str, tool: str, args: dict, step: int, **extra) -> dict:
    body = {"tool": tool, "args": args, "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"]},
            "run": {"id": live["runs"][lead_id], "graph": GRAPH, "step": step, "call": 0}} | extra
    msg = await live["nc"].request(gate_subject(GRAPH, tool), json.dumps(body).encode(), timeout=10)
    return json.loads(msg.data)


def email(to: str, n: int = 0) -> dict:
    return {"channel": "email", "to": to, "subject": f"Hello again ({n})", "body": "Thank you for your interest."}


def said(reply: dict) -> str:
    return " | ".join(reply["decision"]["reasons"])


async def test_messages_to_a_lead_stop_at_the_frequency_cap_whatever_the_caller_claims(live) -> None:
    to = "pat.doe@customer.example"
    first = [await ask(live, "LEAD-9001", "notifications.send", email(to, i), 30 + i) for i in range(2)]
    assert [r["decision"]["decision"] for r in first] == ["allow", "allow"], [said(r) for r in first]
    third = await ask(live, "LEAD-9001", "notifications.send", email(to, 3), 40)
    assert third["decision"]["decision"] == "deny" and "frequency cap" in said(third)
    forged = await ask(live, "LEAD-9001", "notifications.send", email(to, 4), 41,
                       _state={"recipient_sends_7d": 0}, context={"lead": {"consent_email": True}})
    assert forged["decision"]["decision"] == "deny"
    with sqlite3.connect(live["settings"].data_dir / "notifications.db") as db:
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE run_id = ?", (live["runs"]["LEAD-9001"],)).fetchone()[0] == 2


@pytest.mark.parametrize(("lead_id", "to", "why"), [
    ("LEAD-9001", "someone.else@customer.example", "address on file"),
    ("LEAD-9002", "ann@customer.example", "not consented"),
    ("LEAD-9003", "lee@customer.example", "quiet hours"),
    ("LEAD-9004", "kim@competitor.example", "suppressed domain"),
    ("LEAD-9005", "max@customer.example", "no valid time zone"),
])
async def test_outreach_is_refused_without_consent_in_quiet_hours_or_to_anyone_else(live, lead_id, to, why) -> None:
    reply = await ask(live, lead_id, "notifications.send", email(to), 50)
    assert reply["decision"]["decision"] == "deny" and why in said(reply), said(reply)
    denied = [r for r in live["warden"].gate.audit.records() if r["run_id"] == live["runs"][lead_id]
              and r["tool"] == "notifications.send" and r["decision"] == "deny"]
    assert denied, "every refusal is audited"


async def test_discounts_above_the_limit_wait_for_a_manager_and_never_exceed_the_maximum(live) -> None:
    big = await ask(live, "LEAD-9001", "offers.discount", {"lead_id": "LEAD-9001", "percent": 25}, 60)
    assert big["decision"]["decision"] == "require_approval" and big["decision"]["approval"]["role"] == "sales_manager"
    huge = await ask(live, "LEAD-9001", "offers.discount", {"lead_id": "LEAD-9001", "percent": 60}, 61)
    assert huge["decision"]["decision"] == "deny" and "maximum of 30%" in said(huge)
    other = await ask(live, "LEAD-9001", "offers.discount", {"lead_id": "LEAD-9002", "percent": 5}, 62)
    assert other["decision"]["decision"] == "deny" and "lead of the run's record" in said(other)
    with sqlite3.connect(live["settings"].data_dir / "offers.db") as db:
        assert db.execute("SELECT COUNT(*) FROM offers").fetchone()[0] == 0  # nothing offered while it waits
    replayed = await ask(live, "LEAD-9001", "offers.discount", {"lead_id": "LEAD-9001", "percent": 25}, 63,
                         approval_id=big["decision"]["approval"]["id"])
    assert replayed["decision"]["decision"] != "allow", "an approval nobody granted is no approval"
