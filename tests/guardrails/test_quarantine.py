"""The record quarantine on a real nats-server: high-risk PII is quarantined tokenized, the rest published
anonymized, malformed records rejected without their text; the raw record is erased; outcomes are counted."""
from __future__ import annotations

import asyncio
import json
import random
import uuid
from types import SimpleNamespace

import pytest
from nats.js.errors import NotFoundError

from agents.bus import connect, ensure_streams
from guardrails.pii_scan import KnownValue, scan
from guardrails.quarantine import (CLEAN_SUBJECT, CONSUMER, EVENTS_STREAM, INCOMING_SUBJECT, QUARANTINED_SUBJECT,
                                   REJECTED_SUBJECT, Quarantine, QuarantineError, high_risk_types, is_high_risk,
                                   quarantine_consumer_config)
from guardrails.vault import Vault
from serving.health import register_metrics, start_health_server


def test_what_counts_as_high_risk() -> None:
    for types in (["US_SSN"], ["CREDIT_CARD", "PERSON"], ["IBAN_CODE"], ["BANK_ACCOUNT"], ["PERSON", "DATE_OF_BIRTH"]):
        assert is_high_risk(types), types
    for types in ([], ["PERSON"], ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION"], ["DATE_OF_BIRTH"]):
        assert not is_high_risk(types), types
    assert high_risk_types(["PERSON", "DATE_OF_BIRTH", "EMAIL_ADDRESS"]) == ["DATE_OF_BIRTH", "PERSON"]


@pytest.fixture
async def admin(nats_creds):
    nc = await connect(nats_creds, "admin")
    await ensure_streams(nc)
    js = nc.jetstream()
    try:
        await js.delete_consumer(EVENTS_STREAM, CONSUMER)  # a fresh consumer: earlier tests' records stay theirs
    except NotFoundError:
        pass
    await js.add_consumer(EVENTS_STREAM, quarantine_consumer_config())
    yield nc
    await nc.close()


@pytest.fixture
def vault(settings):
    v = Vault.from_settings(settings)
    yield v
    v.close()


def _ssn() -> str:
    """A fresh, well-formed SSN, so the scan below can only find this test's copy."""
    return f"{random.randint(100, 599)}-{random.randint(10, 99)}-{random.randint(1000, 9999)}"


async def _collect(nc) -> tuple[dict[str, list[dict]], list]:
    got: dict[str, list[dict]] = {QUARANTINED_SUBJECT: [], CLEAN_SUBJECT: [], REJECTED_SUBJECT: []}

    async def on_msg(msg) -> None:
        got[msg.subject].append(json.loads(msg.data))

    subs = [await nc.subscribe(subject, cb=on_msg) for subject in got]
    await nc.flush()
    return got, subs


async def _scrape_metrics() -> str:
    server = await start_health_server(SimpleNamespace(roles=("gate",), runtime=None), 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        data = await reader.read()
        writer.close()
    finally:
        server.close()
    return data.decode()


async def test_records_are_quarantined_cleaned_or_rejected_and_erased(admin, vault, tmp_path_factory) -> None:
    run = uuid.uuid4().hex[:8]
    ssn, ssn_in_bad = _ssn(), _ssn()
    records = {
        "ssn": {"record_id": f"r-{run}-ssn", "source": "crm", "text": f"Please update my file, my SSN is {ssn}."},
        "account": {"record_id": f"r-{run}-acct", "source": "email", "text": "Refund to ACCT-4410327 please."},
        "birth": {"record_id": f"r-{run}-dob", "source": "form",
                  "text": "Marcus Delgado was born on 1979-03-14, he says."},
        "clean": {"record_id": f"r-{run}-clean", "source": "form",
                  "text": "Write to marcus.delgado@example.com or call +1 217 555 0101 about the fence."},
    }
    bad = [b"not json", json.dumps({"record_id": f"r-{run}-x", "source": "crm"}).encode(),
           json.dumps({"record_id": f"r-{run}-extra", "source": "crm", "text": "ok", "note": f"SSN {ssn_in_bad}"}).encode(),
           json.dumps({"record_id": "has space", "source": "crm", "text": f"SSN {ssn_in_bad}"}).encode()]
    got, subs = await _collect(admin)
    js = admin.jetstream()
    seqs = [(await js.publish(INCOMING_SUBJECT, json.dumps(r).encode())).seq for r in records.values()]
    seqs += [(await js.publish(INCOMING_SUBJECT, body)).seq for body in bad]

    quarantine = Quarantine(admin, vault)
    unregister = register_metrics(quarantine.metrics_lines)
    await quarantine.start()
    try:
        for _ in range(300):
            if sum(quarantine.counts.values()) >= len(seqs):
                break
            await asyncio.sleep(0.1)
        await admin.flush()
        metrics = await _scrape_metrics()
    finally:
        await quarantine.stop()
        unregister()
        for sub in subs:
            await sub.unsubscribe()

    assert quarantine.counts == {"quarantined": 3, "clean": 1, "rejected": 4}
    quarantined = {m["record_id"]: m for m in got[QUARANTINED_SUBJECT]}
    assert set(quarantined) == {records[k]["record_id"] for k in ("ssn", "account", "birth")}

    ssn_out = quarantined[records["ssn"]["record_id"]]
    assert ssn not in ssn_out["text"] and "<US_SSN_1>" in ssn_out["text"] and ssn_out["risk"] == ["US_SSN"]
    assert vault.for_run(f"record:{records['ssn']['record_id']}").resolve("<US_SSN_1>") == ssn
    assert vault.for_run("record:someone-else").resolve("<US_SSN_1>") is None
    assert "ACCT-4410327" not in quarantined[records["account"]["record_id"]]["text"]
    assert quarantined[records["birth"]["record_id"]]["risk"] == ["DATE_OF_BIRTH", "PERSON"]

    [clean] = got[CLEAN_SUBJECT]
    assert clean["record_id"] == records["clean"]["record_id"]
    assert clean["text"] == "Write to <EMAIL_ADDRESS> or call <PHONE_NUMBER> about the fence."  # typed, no way back

    rejected = got[REJECTED_SUBJECT]
    assert len(rejected) == 4 and all(r["reason"] for r in rejected)
    assert ssn_in_bad not in json.dumps(rejected)
    assert {r["record_id"] for r in rejected} == {None, f"r-{run}-x", f"r-{run}-extra"}  # an invalid id is not echoed
    assert any("text" in r["reason"] for r in rejected) and any("note" in r["reason"] for r in rejected)

    for seq in seqs:  # only the outcomes are left in the stream
        with pytest.raises(NotFoundError):
            await js.get_msg(EVENTS_STREAM, seq)
    leaks = scan(tmp_path_factory.getbasetemp(), [KnownValue("US_SSN", ssn), KnownValue("US_SSN", ssn_in_bad)])
    assert leaks.findings == [], [f.line(leaks.root) for f in leaks.findings]

    assert 'warden_records_total{outcome="quarantined"} 3' in metrics
    assert 'warden_records_total{outcome="clean"} 1' in metrics
    assert 'warden_records_total{outcome="rejected"} 4' in metrics
    assert "warden_records_erase_failures_total 0" in metrics


async def test_the_quarantine_binds_only_to_an_existing_consumer(nats_creds, vault) -> None:
    nc = await connect(nats_creds, "admin")
    try:
        with pytest.raises(QuarantineError, match="admin step"):
            await Quarantine(nc, vault, durable="no-such-consumer").start()
    finally:
        await nc.close()
