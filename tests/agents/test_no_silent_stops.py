"""No silent stops: a failure while routing a message, in an outcome handler or in an ack is logged, counted in
/metrics, dead-lettered where it concerns one message, and the graph's consumption goes on. Real nats-server."""
from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace

import pytest
from nats.aio.msg import Msg

from agents.bus import connect, ensure_consumers, ensure_streams
from agents.envelope import Envelope, RunOutcome
from agents.runtime_nats import NatsRuntime
from agents.supervisor import Supervisor
from agents.triggers import Trigger
from serving.health import metric_lines

EVENTS = 6


@pytest.fixture
async def buses(nats_creds):
    """As in test_runtime_on_nats: the admin sets the bus up; the runtime under test uses ad-hoc subjects."""
    admin = await connect(nats_creds, "admin")
    await ensure_streams(admin)
    runtime_nc = await connect(nats_creds, "admin")
    yield admin, runtime_nc
    await runtime_nc.close()
    await admin.close()


async def _setup(admin, nc, handled: list[int]) -> tuple[Trigger, NatsRuntime]:
    suffix = uuid.uuid4().hex[:8]
    trigger = Trigger(f"events.test.s{suffix}", f"s{suffix}", "key")
    await ensure_consumers(admin, {trigger.actor_type: trigger.subject})

    async def handler(env: Envelope) -> RunOutcome:
        handled.append(env.payload["i"])
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    # one key, a mailbox of one: an actor that died would leave the pull loop waiting on its full mailbox forever
    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,), mailbox_size=1, max_concurrent=1,
                     supervisor=Supervisor(max_deliveries=3, base_backoff_s=0.01))
    return trigger, rt


async def _publish_and_wait(admin, trigger: Trigger, handled: list[int], expect: int = EVENTS) -> None:
    for i in range(EVENTS):
        await admin.jetstream().publish(trigger.subject, json.dumps({"key": "CLM-1", "i": i}).encode(),
                                        headers={"Nats-Msg-Id": f"{trigger.actor_type}-{i}"})
    for _ in range(200):
        if len(set(handled)) >= expect:
            return
        await asyncio.sleep(0.05)


def _metrics(rt: NatsRuntime) -> str:
    return "\n".join(metric_lines(SimpleNamespace(runtime=rt)))


async def _deadletters(nc, into: list[dict]):
    async def on_dead(msg) -> None:
        into.append(json.loads(msg.data))

    return await nc.subscribe("events.deadletter", cb=on_dead)


async def test_an_outcome_handler_that_fails_strands_no_mailbox_and_is_dead_lettered(buses) -> None:
    admin, nc = buses
    handled: list[int] = []
    trigger, rt = await _setup(admin, nc, handled)
    dead: list[dict] = []
    sub = await _deadletters(nc, dead)
    announce, failures = rt.host._on_outcome, []

    async def flaky_announce(outcome: RunOutcome) -> None:  # the outcome callback fails once, then recovers
        if not failures:
            failures.append(outcome.run_id)
            raise ConnectionError("runs.completed could not be published")
        await announce(outcome)

    rt.host._on_outcome = flaky_announce
    await rt.start()
    try:
        await _publish_and_wait(admin, trigger, handled)
        await asyncio.sleep(0.2)
        pending = (await admin.jetstream().consumer_info("EVENTS", trigger.durable)).num_ack_pending
    finally:
        await rt.stop()
        await sub.unsubscribe()
    assert sorted(handled) == list(range(EVENTS)), "events after the failure must still be handled, in order"
    assert pending == 0, "every message is acked, the one whose announcement failed included"
    assert rt.errors.handler[(trigger.actor_type, "outcome")] == 1
    assert f'warden_runtime_handler_errors_total{{graph="{trigger.actor_type}",stage="outcome"}} 1' in _metrics(rt)
    mine = [d for d in dead if d.get("subject") == trigger.subject]
    assert len(mine) == 1 and "outcome handler failed" in mine[0]["reason"] and failures[0] in mine[0]["reason"]


async def test_an_ack_that_fails_is_counted_and_the_actor_goes_on(buses, monkeypatch) -> None:
    admin, nc = buses
    handled: list[int] = []
    trigger, rt = await _setup(admin, nc, handled)
    real_ack, failed = Msg.ack, []

    async def flaky_ack(self: Msg) -> None:
        if self.subject == trigger.subject and not failed:
            failed.append(self.subject)
            raise ConnectionError("ack lost: connection reset")
        await real_ack(self)

    monkeypatch.setattr(Msg, "ack", flaky_ack)
    await rt.start()
    try:
        await _publish_and_wait(admin, trigger, handled)
    finally:
        await rt.stop()
    assert sorted(set(handled)) == list(range(EVENTS)) and failed
    assert rt.errors.handler[(trigger.actor_type, "ack")] == 1
    assert f'warden_runtime_handler_errors_total{{graph="{trigger.actor_type}",stage="ack"}} 1' in _metrics(rt)


async def test_a_routing_failure_does_not_end_the_pull_loop(buses) -> None:
    admin, nc = buses
    handled: list[int] = []
    trigger, rt = await _setup(admin, nc, handled)
    deliver, broken = rt.host.deliver, []

    async def deliver_failing_once(envelope: Envelope) -> None:
        if not broken:
            broken.append(envelope.msg_id)
            raise RuntimeError("checkpointer unavailable")
        await deliver(envelope)

    rt.host.deliver = deliver_failing_once  # type: ignore[method-assign]
    await rt.start()
    try:
        await _publish_and_wait(admin, trigger, handled)
    finally:
        await rt.stop()
    assert handled == list(range(EVENTS)), "the message that failed is retried in place, later ones still come, in order"
    assert rt.errors.loop[trigger.actor_type] == 1
    assert f'warden_runtime_loop_errors_total{{graph="{trigger.actor_type}"}} 1' in _metrics(rt)


async def test_a_message_that_never_routes_is_dead_lettered_after_its_deliveries(buses) -> None:
    admin, nc = buses
    handled: list[int] = []
    trigger, rt = await _setup(admin, nc, handled)
    dead: list[dict] = []
    sub = await _deadletters(nc, dead)
    deliver = rt.host.deliver

    async def deliver_refusing_one(envelope: Envelope) -> None:
        if envelope.payload["i"] == 2:
            raise RuntimeError("cannot route event 2")
        await deliver(envelope)

    rt.host.deliver = deliver_refusing_one  # type: ignore[method-assign]
    await rt.start()
    try:
        await _publish_and_wait(admin, trigger, handled, expect=EVENTS - 1)
        for _ in range(100):
            if any(d.get("subject") == trigger.subject for d in dead):
                break
            await asyncio.sleep(0.05)
    finally:
        await rt.stop()
        await sub.unsubscribe()
    assert sorted(handled) == [i for i in range(EVENTS) if i != 2]
    assert rt.errors.loop[trigger.actor_type] == 3  # delivered max_deliveries times, then given up on
    mine = [d for d in dead if d.get("subject") == trigger.subject]
    assert len(mine) == 1 and "could not be routed 3 times" in mine[0]["reason"]
