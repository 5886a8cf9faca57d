"""Keyed events across runtime processes, against a real nats-server: each key's events are handled in publish
order whichever process takes them, an approval's answer queues behind its key's events, a process that dies
holding a message gives it back, and a keyed event whose subject and body disagree is dead-lettered."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from agents.bus import connect, ensure_consumers, ensure_streams
from agents.envelope import Envelope, RunOutcome
from agents.runtime_nats import NatsRuntime
from agents.triggers import DEADLETTER_SUBJECT, Trigger
from warden.keyed_subjects import (DEFAULT_PARTITIONS, KeyedSubjectError, decided_subject, keyed_subject,
                                   parse_stored)

ACK_WAIT_S = 2.0


@pytest.fixture
async def admin(nats_creds):
    nc = await connect(nats_creds, "admin")
    await ensure_streams(nc)
    yield nc
    await nc.close()


async def unique_trigger(admin) -> Trigger:
    suffix = uuid.uuid4().hex[:8]
    trigger = Trigger(f"events.test.p{suffix}", f"p{suffix}", "key")
    await ensure_consumers(admin, {trigger.actor_type: trigger.subject}, partition_ack_wait_s=ACK_WAIT_S)
    return trigger


async def runtime(nats_creds, trigger: Trigger, handler) -> tuple[NatsRuntime, object]:
    """One runtime process's worth: its own connection, every partition of the trigger."""
    nc = await connect(nats_creds, "admin")
    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,), resumable=(trigger.actor_type,),
                     partitions=DEFAULT_PARTITIONS, max_concurrent=8)
    await rt.start()
    return rt, nc


async def until(condition, steps: int = 600) -> None:
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.05)


def test_a_keyed_subject_names_its_trigger_and_key() -> None:
    assert keyed_subject("events.claims.submitted", "CLM-1001") == "events.keyed.claims.submitted.CLM-1001"
    stored = parse_stored("events.keyed.claims.submitted.5.CLM-1001")
    assert (stored.trigger, stored.partition, stored.key) == ("events.claims.submitted", 5, "CLM-1001")
    assert parse_stored("events.claims.submitted") is None
    with pytest.raises(KeyedSubjectError):
        keyed_subject("events.claims.submitted", "CLM.1001")  # a dot would split the key over two tokens
    with pytest.raises(KeyedSubjectError):
        keyed_subject("events.approvals.decided", "x")


async def test_each_keys_events_are_handled_in_order_by_three_runtimes(admin, nats_creds) -> None:
    trigger = await unique_trigger(admin)
    started: list[tuple[str, int]] = []
    by_process: dict[int, int] = {0: 0, 1: 0, 2: 0}

    def handler_for(process: int):
        async def handler(env: Envelope) -> RunOutcome:
            started.append((env.agent.key, env.payload["i"]))
            by_process[process] += 1
            await asyncio.sleep(0.002 * (env.payload["i"] % 4))  # uneven run times invite overtaking
            return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")
        return handler

    runtimes = [await runtime(nats_creds, trigger, handler_for(p)) for p in range(3)]
    js = admin.jetstream()
    keys = [f"K-{k}" for k in range(12)]
    for i in range(10):
        for key in keys:
            await js.publish(keyed_subject(trigger.subject, key), json.dumps({"key": key, "i": i}).encode())
    await until(lambda: len(started) >= 120)
    for rt, nc in runtimes:
        await rt.stop()
        await nc.close()
    assert len(started) == 120
    for key in keys:
        assert [i for k, i in started if k == key] == list(range(10)), key
    assert sum(1 for count in by_process.values() if count) >= 2, by_process  # the partitions are shared


async def test_an_approval_answer_queues_behind_its_keys_events(admin, nats_creds) -> None:
    trigger = await unique_trigger(admin)
    seen: list[str] = []

    async def handler(env: Envelope) -> RunOutcome:
        seen.append(f"{env.subject.split('.')[1]}:{env.agent.key}")
        await asyncio.sleep(0.05)
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    js = admin.jetstream()
    ack = await js.publish(keyed_subject(trigger.subject, "CLM-7"), json.dumps({"key": "CLM-7"}).encode())
    partition = parse_stored((await js.get_msg("EVENTS", ack.seq)).subject).partition
    await js.publish(decided_subject(trigger.actor_type, partition), json.dumps({"run_id": "run-x-1"}).encode())
    rt, nc = await runtime(nats_creds, trigger, handler)
    await until(lambda: len(seen) >= 2)
    await rt.stop()
    await nc.close()
    assert seen == ["keyed:CLM-7", "approvals:run-x-1"]


async def test_a_message_held_by_a_process_that_died_goes_to_another(admin, nats_creds) -> None:
    trigger = await unique_trigger(admin)
    taken = asyncio.Event()
    done: list[int] = []

    async def stuck(env: Envelope) -> RunOutcome:  # takes the message and never answers, like a killed process
        taken.set()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def healthy(env: Envelope) -> RunOutcome:
        done.append(env.payload["i"])
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    dead_rt, dead_nc = await runtime(nats_creds, trigger, stuck)
    js = admin.jetstream()
    for i in range(3):
        await js.publish(keyed_subject(trigger.subject, "CLM-9"), json.dumps({"key": "CLM-9", "i": i}).encode())
    await asyncio.wait_for(taken.wait(), 10)
    for t in dead_rt._tasks:  # the process is gone: no more pulls, no beats, no ack
        t.cancel()
    await dead_rt.host.stop()
    await dead_nc.close()
    live_rt, live_nc = await runtime(nats_creds, trigger, healthy)
    await until(lambda: len(done) >= 3)
    await live_rt.stop()
    await live_nc.close()
    assert done == [0, 1, 2]  # the held message first, then the rest of the key, in order


async def test_a_keyed_event_whose_subject_and_body_disagree_is_dead_lettered(admin, nats_creds) -> None:
    trigger = await unique_trigger(admin)
    handled: list[str] = []
    dead: list[dict] = []

    async def handler(env: Envelope) -> RunOutcome:
        handled.append(env.agent.key)
        return RunOutcome(run_id=env.msg_id, graph=trigger.actor_type, key=env.agent.key, status="completed")

    async def on_dead(msg) -> None:
        dead.append(json.loads(msg.data))

    sub = await admin.subscribe(DEADLETTER_SUBJECT, cb=on_dead)
    js = admin.jetstream()
    await js.publish(keyed_subject(trigger.subject, "CLM-1"), json.dumps({"key": "CLM-2"}).encode())
    await js.publish(keyed_subject(trigger.subject, "CLM-3"), json.dumps({"key": "CLM-3"}).encode())
    rt, nc = await runtime(nats_creds, trigger, handler)
    await until(lambda: handled and any(trigger.subject.split(".")[2] in d["subject"] for d in dead))
    await rt.stop()
    await nc.close()
    await sub.unsubscribe()
    assert handled == ["CLM-3"]
    assert any("does not name the key" in d["reason"] for d in dead)


async def test_a_runtime_binds_to_every_partition_the_operator_created(admin, nats_creds) -> None:
    """The partition count is the operator's setting alone: a runtime finds the partitions, it is not told."""
    from warden.keyed_subjects import MAX_PARTITIONS

    suffix = uuid.uuid4().hex[:8]
    trigger = Trigger(f"events.test.b{suffix}", f"b{suffix}", "key")
    await ensure_consumers(admin, {trigger.actor_type: trigger.subject}, partitions=3)
    nc = await connect(nats_creds, "admin")

    async def handler(env: Envelope) -> RunOutcome:
        raise AssertionError("no event is published")

    rt = NatsRuntime(nc, {trigger.actor_type: handler}, triggers=(trigger,), partitions=MAX_PARTITIONS)
    await rt.start()
    bound = sorted(t.get_name() for t in rt._tasks)
    await rt.stop()
    await nc.close()
    assert bound == sorted([f"pull:graph-{trigger.actor_type}"] + [f"pull:part-{trigger.actor_type}-{i}" for i in range(3)])
