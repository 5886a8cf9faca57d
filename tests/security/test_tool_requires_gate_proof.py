"""Only the gate reaches a tool: on a real bus, a payment request the gate did not sign pays nothing.

The attacker here is the `admin` user, which may publish anywhere: the bus permissions (the first wall) are
already breached, so what stops it is the second wall, the gate's signature checked by the payments service.
Every refusal carries a code and is counted in the service's micro stats.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import time

import nats
import pytest

from agents.nats_server import NatsCredentials
from warden.settings import Settings
from tools.client import call_tool
from tools.gate_proof import PROOF_HEADER, GateSigner, GateVerifier, encode_args, generate_signing_key
from tools.registry import start_tool_services

TOOL = "payments.issue"
SUBJECT = "tools.payments.issue"
ARGS = {"claim_id": "CLM-1001", "amount": 850.0, "currency": "USD", "payee_account": "ACCT-77812"}
ERROR_CODE = "Nats-Service-Error-Code"


@pytest.fixture
def gate_keys() -> tuple[bytes, bytes]:
    return generate_signing_key()


@pytest.fixture
def signer(gate_keys) -> GateSigner:
    return GateSigner(gate_keys[0])


@pytest.fixture
async def tool_services(nats_creds: NatsCredentials, settings: Settings, gate_keys):
    nc = await nats.connect(nats_creds.url_for("tools"), name="warden-tools")
    services = await start_tool_services(nc, settings, GateVerifier(gate_keys[1]))
    yield services
    await services.stop()
    await nc.close()


@pytest.fixture
async def gate_nc(nats_creds: NatsCredentials):
    """The gate's connection: replies under `_INBOX.gate.`."""
    nc = await nats.connect(nats_creds.url_for("gate"), name="warden-gate", inbox_prefix="_INBOX.gate")
    yield nc
    await nc.close()


@pytest.fixture
async def attacker(nats_creds: NatsCredentials):
    """A compromised component that may publish to `tools.>` and even imitate the gate's inbox."""
    nc = await nats.connect(nats_creds.url_for("admin"), name="attacker", inbox_prefix="_INBOX.gate")
    yield nc
    await nc.close()


@pytest.fixture
async def attacker_plain_inbox(nats_creds: NatsCredentials):
    nc = await nats.connect(nats_creds.url_for("admin"), name="attacker-plain")
    yield nc
    await nc.close()


@pytest.fixture
async def operator(nats_creds: NatsCredentials):
    """Reads the services' micro stats on `$SRV.STATS.*`."""
    nc = await nats.connect(nats_creds.url_for("admin"), name="operator")
    yield nc
    await nc.close()


@pytest.fixture
def ledger(settings: Settings):
    def rows() -> list[dict]:
        path = settings.data_dir / "payments.db"
        conn = sqlite3.connect(path)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute("SELECT * FROM payments").fetchall()]
        finally:
            conn.close()

    return rows


async def send(nc, args: dict, key: str, proof: str | None = None):
    headers = {"Idempotency-Key": key, "Warden-Run-Id": "run-evil"}
    if proof is not None:
        headers[PROOF_HEADER] = proof
    return await nc.request(SUBJECT, encode_args(args), timeout=3, headers=headers)


async def payments_stats(nc) -> dict:
    reply = await nc.request("$SRV.STATS.payments", b"", timeout=2)
    [endpoint] = json.loads(reply.data)["endpoints"]
    return endpoint


async def test_a_payment_the_gate_signed_is_paid(tool_services, gate_nc, signer, ledger) -> None:
    result = await call_tool(gate_nc, TOOL, ARGS, idempotency_key="k-ok", run_id="run-1", timeout_s=5, signer=signer)
    assert result["status"] == "paid"
    assert [r["idempotency_key"] for r in ledger()] == ["k-ok"]


async def test_requests_the_gate_did_not_sign_are_refused_coded_and_counted(
        tool_services, gate_nc, attacker, attacker_plain_inbox, operator, signer, ledger) -> None:
    refusals = {}
    refusals["missing"] = await send(attacker, ARGS, "k-none")
    forger = GateSigner(generate_signing_key()[0])
    refusals["bad_signature"] = await send(attacker, ARGS, "k-forged", forger.sign(TOOL, encode_args(ARGS), "k-forged"))
    stale = signer.sign(TOOL, encode_args(ARGS), "k-stale", now=time.time() - 120)
    refusals["expired"] = await send(attacker, ARGS, "k-stale", stale)

    # a proof seen on the wire (here: of a call the gate really made) replayed with a bigger amount
    seen = signer.sign(TOOL, encode_args(ARGS), "k-real")
    paid = await send(gate_nc, ARGS, "k-real", seen)
    assert ERROR_CODE not in (paid.headers or {}) and json.loads(paid.data)["status"] == "paid"
    refusals["wrong_args"] = await send(attacker, {**ARGS, "amount": 25000.0}, "k-real", seen)

    # a valid proof, but the reply would go to someone other than the gate
    fresh = signer.sign(TOOL, encode_args(ARGS), "k-elsewhere")
    refusals["reply_subject"] = await send(attacker_plain_inbox, ARGS, "k-elsewhere", fresh)

    codes = {reason: (msg.headers or {}).get(ERROR_CODE) for reason, msg in refusals.items()}
    assert codes == {"missing": "401", "bad_signature": "401", "expired": "401", "wrong_args": "403",
                     "reply_subject": "403"}
    assert all(msg.headers.get("Nats-Service-Error") for msg in refusals.values())

    rows = ledger()
    assert [(r["idempotency_key"], r["amount"]) for r in rows] == [("k-real", 850.0)]  # only what the gate sent

    endpoint = await payments_stats(operator)
    assert endpoint["data"]["refused_by_reason"] == {"missing": 1, "bad_signature": 1, "expired": 1,
                                                     "wrong_args": 1, "reply_subject": 1}
    assert endpoint["data"]["errors_by_code"] == {"401": 3, "403": 2}
    assert endpoint["num_errors"] == 5
    assert tool_services.refused()[TOOL] == endpoint["data"]["refused_by_reason"]


async def test_an_inbox_that_only_starts_like_the_gates_is_not_the_gates(tool_services, nats_creds, signer,
                                                                          ledger) -> None:
    """`_INBOX.gatekeeper.…` is another user's inbox (bus users get `_INBOX.<user>`): the prefix ends at the dot."""
    nc = await nats.connect(nats_creds.url_for("admin"), name="lookalike", inbox_prefix="_INBOX.gatekeeper")
    try:
        reply = await send(nc, ARGS, "k-lookalike", signer.sign(TOOL, encode_args(ARGS), "k-lookalike"))
    finally:
        await nc.close()
    assert reply.headers[ERROR_CODE] == "403"
    assert tool_services.refused()[TOOL] == {"reply_subject": 1}
    assert ledger() == []


async def test_a_stream_relaying_onto_tools_pays_nothing(tool_services, attacker, signer, ledger) -> None:
    """A JetStream push consumer delivering onto `tools.payments.issue`: its reply subject is the stream's ack
    subject, never the gate's inbox, so even a message carrying a valid proof is refused."""
    js = attacker.jetstream()
    await js.add_stream(name="RELAY", subjects=["relay.>"])
    try:
        # "q" is the queue group micro endpoints listen in
        await js.add_consumer("RELAY", durable_name="to-payments", deliver_subject=SUBJECT, deliver_group="q",
                              ack_policy="explicit")
        await js.publish("relay.pay", encode_args(ARGS),
                         headers={"Idempotency-Key": "k-relay", PROOF_HEADER: signer.sign(TOOL, ARGS, "k-relay")})
        for _ in range(50):
            if tool_services.refused()[TOOL].get("reply_subject"):
                break
            await asyncio.sleep(0.05)
    finally:
        await js.delete_stream("RELAY")
    assert tool_services.refused()[TOOL].get("reply_subject", 0) >= 1
    assert ledger() == []
