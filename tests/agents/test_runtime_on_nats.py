"""The NATS runtime against a real nats-server: backpressure, dedup, ordering, dead letters, permissions."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from agents.agent_id import AgentId
from agents.bus import connect, ensure_consumers, ensure_streams
from agents.envelope import Envelope, RunOutcome
from agents.runtime_nats import NatsRuntime
from agents.supervisor import Supervisor
from agents.triggers import Trigger


@pytest.fixture
async def buses(nats_creds):
    """The admin sets the bus up; these tests are about the runtime's mechanics (not its permissions, which
    tests/security covers), so the runtime under test connects as admin to use ad-hoc test subjects."""
    admin = await connect(nats_creds, "admin")
    await ensure_streams(admin)
    runtime_nc = await connect(nats_creds, "admin")
    yield admin, runtime_nc
    await runtime_nc.close()
    await admin.close()


async def unique_trigger(admin) -> Trigger:
    """Each test gets its own subject and durable consumer (made by the admin), so tests don't share consumers."""
    suffix = uuid.uuid4().hex[:8]
    trigger = Trigger(f"events.test.t{suffix}", f"t{suffix}", "key")
    await ensure_consumers(admin, {trigger.actor_type: trigger.subject})
    return trigger


async def test_a_burst_of_1000_events_never_overfills_a_mailbox(buses) -> None:
    admin, nc = buses
    trigger = await unique_trigger(admin)
    handled: list[tuple[str, int]] = []

    async def handler(env: Envelope) -> RunOutcome:
        await asyncio.sleep(0.0005)
        handled.append((env.agent.key, env.payload["i"]))
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    js = admin.jetstream()
    for i in range(1000):
        await js.publish(trigger.subject, json.dumps({"key": f"k{i % 5}", "i": i}).encode(), headers={"Nats-Msg-Id": f"{trigger.actor_type}-{i}"})
    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,), mailbox_size=8, max_concurrent=2)
    await rt.start()
    for _ in range(600):
        if len(handled) >= 1000:
            break
        await asyncio.sleep(0.05)
    await rt.stop()
    assert len(handled) == 1000
    assert rt.host.max_depth_seen <= 8
    for k in range(5):  # per-key order survives the bus
        mine = [i for key, i in handled if key == f"k{k}"]
        assert mine == sorted(mine)


async def test_a_duplicate_event_runs_once(buses) -> None:
    admin, nc = buses
    trigger = await unique_trigger(admin)
    runs: list[str] = []

    async def handler(env: Envelope) -> RunOutcome:
        runs.append(env.msg_id)
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,))
    await rt.start()
    for _ in range(3):
        await rt.send(AgentId(trigger.actor_type, "CLM-1"), {"key": "CLM-1"}, msg_id="same-event")
    await asyncio.sleep(1.0)
    await rt.stop()
    assert len(runs) == 1 and runs[0].startswith("EVENTS:")  # named after the stored event


async def test_a_poison_event_goes_to_the_dead_letter_subject(buses) -> None:
    admin, nc = buses
    trigger = await unique_trigger(admin)
    got: list[dict] = []

    async def on_dead(msg) -> None:
        got.append(json.loads(msg.data))

    sub = await nc.subscribe("events.deadletter", cb=on_dead)

    async def handler(env: Envelope) -> RunOutcome:
        raise ValueError("cannot handle this claim")

    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,),
                     supervisor=Supervisor(max_deliveries=3, base_backoff_s=0.01))
    await rt.start()
    await rt.send(AgentId(trigger.actor_type, "x"), {"key": "x"}, msg_id=f"poison-{trigger.actor_type}")
    await admin.jetstream().publish(trigger.subject, b"not json")
    for _ in range(100):
        if len([g for g in got if trigger.subject in json.dumps(g)]) >= 2:
            break
        await asyncio.sleep(0.05)
    await rt.stop()
    await sub.unsubscribe()
    mine = [g for g in got if g.get("subject") == trigger.subject]
    reasons = sorted(g["reason"] for g in mine)
    assert any("crashed 3 times" in r and "cannot handle this claim" in r for r in reasons)
    assert any(r.startswith("invalid event") for r in reasons)


async def test_the_runtime_connection_cannot_reach_tools(nats_creds) -> None:
    errors: list[str] = []
    import nats

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    async def on_tool_request(msg) -> None:
        received.append(msg.data)

    nc = await nats.connect(nats_creds.url_for("rt-claims_triage"), error_cb=on_error)
    tools_nc = await connect(nats_creds, "tools")
    received: list[bytes] = []
    await tools_nc.subscribe("tools.payments.issue", cb=on_tool_request)
    await tools_nc.flush()
    with pytest.raises(Exception):
        await nc.request("tools.payments.issue", b'{"amount": 1}', timeout=0.5)
    await nc.publish("tools.payments.issue", b'{"amount": 2}')
    await nc.flush()
    await asyncio.sleep(0.2)
    assert received == []
    assert any('permissions violation for publish to "tools.payments.issue"' in e.lower() for e in errors)
    await nc.publish("events.approvals.decided.claims_triage", b'{"run_id": "r", "resume": {"approved": true}}')
    await nc.flush()
    await asyncio.sleep(0.2)
    assert any("events.approvals.decided.claims_triage" in e for e in errors), "an agent must not answer its own approval"
    await nc.close()
    await tools_nc.close()
