"""The bus is the first wall: a compromised runtime holding only its own credential (`rt-claims_triage`) tries
every move the attack run found, and each is refused by the real nats-server."""
from __future__ import annotations

import asyncio
import json
import os
import stat

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from agents.bus import connect, ensure_streams, setup_bus
from agents.bus_users import inbox_prefix

RUNTIME = "rt-claims_triage"


class Attacker:
    """A raw connection as one bus user that records every permission error the server sends back."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc = None

    async def connect(self, creds, user: str):
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc).lower())

        self.nc = await nats.connect(creds.url_for(user), error_cb=on_error, inbox_prefix=inbox_prefix(user),
                                     max_reconnect_attempts=0)
        return self

    def refused(self, subject: str) -> bool:
        return any("permissions violation" in e and subject.lower() in e for e in self.errors)

    async def settle(self) -> None:
        await self.nc.flush()
        await asyncio.sleep(0.2)


@pytest.fixture
async def bus(nats_creds):
    admin = await connect(nats_creds, "admin")
    await setup_bus(admin, {"claims_triage": "events.claims.submitted"})
    attacker = await Attacker().connect(nats_creds, RUNTIME)
    yield admin, attacker
    await attacker.nc.close()
    await admin.close()


async def test_the_runtime_cannot_relay_stored_events_into_tools_through_a_consumer(bus) -> None:
    """The relay the attack run used: a push consumer on EVENTS whose deliver_subject is a tool."""
    admin, attacker = bus
    js = attacker.nc.jetstream()
    relay = ConsumerConfig(durable_name="relay", deliver_subject="tools.payments.issue", deliver_policy=DeliverPolicy.NEW)
    with pytest.raises(Exception):
        await js.add_consumer("EVENTS", relay, timeout=0.5)
    await attacker.settle()
    assert attacker.refused("$JS.API.CONSUMER.DURABLE.CREATE.EVENTS.relay"), attacker.errors
    names = [c.name for c in await admin.jetstream().consumers_info("EVENTS")]
    assert "relay" not in names


async def test_the_runtime_cannot_create_update_or_delete_consumers_or_streams(bus) -> None:
    admin, attacker = bus
    for subject in ("$JS.API.CONSUMER.DURABLE.CREATE.EVENTS.graph-claims_triage", "$JS.API.CONSUMER.DELETE.EVENTS.graph-claims_triage",
                    "$JS.API.STREAM.UPDATE.EVENTS", "$JS.API.STREAM.DELETE.EVENTS", "$JS.API.STREAM.PURGE.EVENTS",
                    "$JS.API.STREAM.CREATE.RELAY"):
        with pytest.raises(Exception):
            await attacker.nc.request(subject, b"{}", timeout=0.3)
        await attacker.settle()
        assert attacker.refused(subject), subject
    assert "graph-claims_triage" in [c.name for c in await admin.jetstream().consumers_info("EVENTS")]


async def test_the_runtime_cannot_read_the_audit_stream_or_raw_events(bus) -> None:
    admin, attacker = bus
    await admin.jetstream().publish("audit.payments.issue", b'{"secret": "audit record"}')
    for subject in ("$JS.API.CONSUMER.CREATE.AUDIT", "$JS.API.CONSUMER.MSG.NEXT.AUDIT.any", "$JS.API.STREAM.MSG.GET.AUDIT",
                    "$JS.API.STREAM.MSG.GET.EVENTS", "$JS.API.DIRECT.GET.EVENTS"):
        with pytest.raises(Exception):
            await attacker.nc.request(subject, b'{"seq": 1}', timeout=0.3)
        await attacker.settle()
        assert attacker.refused(subject), subject
    await attacker.nc.subscribe("audit.>")
    await attacker.settle()
    assert attacker.refused("audit.>")


async def test_the_runtime_cannot_reach_tools_forge_events_answer_approvals_or_pose_as_another_graph(bus) -> None:
    admin, attacker = bus
    received: list[bytes] = []

    async def on_tool(msg) -> None:
        received.append(msg.data)

    tools = await admin.subscribe("tools.>", cb=on_tool)
    for subject in ("tools.payments.issue", "events.claims.submitted", "events.rt.x",
                    "events.approvals.decided.claims_triage", "gate.other_graph.call.payments.issue",
                    "approvals.pending", "audit.payments.issue"):
        await attacker.nc.publish(subject, b'{"amount": 24999, "payee_account": "ACCT-31337000"}')
        await attacker.settle()
        assert attacker.refused(subject), subject
    assert received == []
    await tools.unsubscribe()


async def test_partitions_are_fetched_only_by_their_graph_and_published_only_keyed(bus, nats_creds) -> None:
    """The runtime fetches its own graph's partitions and no other graph's; it cannot publish keyed events or
    answers. The event source publishes a keyed event, never straight into a partition of its choosing."""
    admin, attacker = bus
    await attacker.nc.jetstream().consumer_info("EVENTS", "part-claims_triage-0")  # its own: allowed
    for subject in ("$JS.API.CONSUMER.MSG.NEXT.EVENTS.part-other_graph-0", "$JS.API.CONSUMER.INFO.EVENTS.part-other_graph-0"):
        with pytest.raises(Exception):
            await attacker.nc.request(subject, b"{}", timeout=0.3)
        await attacker.settle()
        assert attacker.refused(subject), subject
    for subject in ("events.keyed.claims.submitted.CLM-1", "events.approvals.decided.claims_triage.3"):
        await attacker.nc.publish(subject, b'{"claim_id": "CLM-1"}')
        await attacker.settle()
        assert attacker.refused(subject), subject
    ingest = await Attacker().connect(nats_creds, "ingest")
    try:
        await ingest.nc.jetstream().publish("events.keyed.claims.submitted.CLM-1", b'{"claim_id": "CLM-1"}', timeout=2)
        await ingest.nc.publish("events.keyed.claims.submitted.0.CLM-1", b'{"claim_id": "CLM-1"}')
        await ingest.settle()
        assert ingest.refused("events.keyed.claims.submitted.0.CLM-1") and len(ingest.errors) == 1, ingest.errors
    finally:
        await ingest.nc.close()


async def test_the_runtime_cannot_listen_to_the_gate_or_other_components_replies(bus) -> None:
    admin, attacker = bus
    for subject in ("gate.>", "tools.>", "_INBOX.gate.>", "_INBOX.>", "_INBOX.tools.>", "events.>", "approvals.>"):
        await attacker.nc.subscribe(subject)
        await attacker.settle()
        assert attacker.refused(subject), subject


async def test_an_anonymous_or_wrong_password_connection_is_refused(nats_creds) -> None:
    for url in (nats_creds.url, nats_creds.url.replace("://", "://rt-claims_triage:wrong@")):
        with pytest.raises(Exception):
            await nats.connect(url, max_reconnect_attempts=0, connect_timeout=2, allow_reconnect=False)


def test_each_role_holds_only_its_own_secrets_in_private_files(tmp_path) -> None:
    from agents.credentials import CredentialError, RoleCredentials, generate, write_all

    paths = write_all(generate("nats://127.0.0.1:4222", ["claims_triage"]), tmp_path / "secrets")
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths.values())
    runtime = RoleCredentials.load(paths["runtime"], "runtime")
    assert set(runtime.users) == {RUNTIME} and set(runtime.secrets) == {"event_key"}
    gate = RoleCredentials.load(paths["gate"], "gate")
    assert "vault_key" in gate.secrets and "gate_signing_key" in gate.secrets
    tools = RoleCredentials.load(paths["tools"], "tools")
    assert set(tools.secrets) == {"gate_public_key"}
    text = paths["runtime"].read_text()
    for other in ("gate", "tools", "admin", "ingest"):
        for secret in RoleCredentials.load(paths[other], other).secrets.values():
            if secret not in runtime.secrets.values():
                assert secret not in text
        for password in RoleCredentials.load(paths[other], other).users.values():
            assert password not in text
    os.chmod(paths["runtime"], 0o644)
    with pytest.raises(CredentialError, match="readable by others"):
        RoleCredentials.load(paths["runtime"], "runtime")


def test_the_generated_server_config_holds_no_password(tmp_path) -> None:
    from agents.credentials import generate
    from agents.nats_server import NatsCredentials, server_config

    creds = generate("nats://127.0.0.1:4222", ["claims_triage"])
    passwords = NatsCredentials.from_roles("nats://x", creds.values()).passwords
    conf = server_config(listen="127.0.0.1:4222", store_dir="/tmp/js", passwords=passwords, graphs=["claims_triage"])
    assert all(pw not in conf for pw in passwords.values())
    users = {u["user"]: u for u in json.loads(conf)["authorization"]["users"]}
    assert set(users) == {"admin", "ingest", "gate", "tools", RUNTIME}
    assert all(u["password"].startswith("$2a$") for u in users.values())
    assert "tools.>" not in json.dumps(users[RUNTIME]["permissions"])
