"""The actor semantics, on the in-memory runtime: ordering, concurrency, bounds, supervision."""
from __future__ import annotations

import asyncio

from agents.agent_id import AgentId, InvalidAgentId
from agents.envelope import Envelope, RunOutcome
from agents.runtime import InMemoryRuntime
from agents.supervisor import Supervisor

import pytest


def outcome(env: Envelope) -> RunOutcome:
    return RunOutcome(run_id=env.msg_id, graph=env.agent.type, key=env.agent.key, status="completed")


def test_agent_id_has_a_string_form_and_rejects_bad_addresses() -> None:
    agent = AgentId("claims_triage", "CLM-1001")
    assert str(agent) == "claims_triage/CLM-1001"
    assert AgentId.parse("claims_triage/CLM-1001") == agent
    for bad in ("Claims/x", "claims_triage/", "no-slash"):
        with pytest.raises(InvalidAgentId):
            AgentId.parse(bad)


async def test_messages_for_one_key_are_handled_in_order_one_at_a_time() -> None:
    seen: list[int] = []
    running = 0
    overlap = False

    async def handler(env: Envelope) -> RunOutcome:
        nonlocal running, overlap
        running += 1
        overlap |= running > 1
        await asyncio.sleep(0.001 * (env.payload["i"] % 3))
        seen.append(env.payload["i"])
        running -= 1
        return outcome(env)

    rt = InMemoryRuntime({"t": handler}, mailbox_size=8)
    for i in range(50):
        await rt.send(AgentId("t", "one"), {"i": i})
    await rt.host.drain()
    assert seen == list(range(50))
    assert not overlap


async def test_different_keys_run_concurrently_up_to_the_limit() -> None:
    running = 0
    peak = 0
    release = asyncio.Event()

    async def handler(env: Envelope) -> RunOutcome:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return outcome(env)

    rt = InMemoryRuntime({"t": handler}, max_concurrent=4)
    for k in range(10):
        await rt.send(AgentId("t", f"k{k}"), {})
    await asyncio.sleep(0.05)
    assert peak == 4  # concurrent, but never past the cap
    release.set()
    await rt.host.drain()
    assert len(rt.outcomes) == 10


async def test_a_crashing_actor_is_restarted_and_then_dead_lettered() -> None:
    attempts = {"flaky": 0, "broken": 0}

    async def handler(env: Envelope) -> RunOutcome:
        attempts[env.agent.key] += 1
        if env.agent.key == "broken" or attempts["flaky"] < 2:
            raise RuntimeError("boom")
        return outcome(env)

    rt = InMemoryRuntime({"t": handler}, supervisor=Supervisor(max_deliveries=3, base_backoff_s=0.001))
    await rt.send(AgentId("t", "flaky"), {})
    await rt.send(AgentId("t", "broken"), {})
    await rt.host.drain()
    assert attempts == {"flaky": 2, "broken": 3}
    assert [o.key for o in rt.outcomes] == ["flaky"]
    assert len(rt.deadletters) == 1 and "crashed 3 times" in rt.deadletters[0]["reason"]
    assert rt.host.supervisor.restarts == 3
    assert {f.agent for f in rt.host.supervisor.failures} == {"t/flaky", "t/broken"}


async def test_an_actor_waits_for_a_gate_that_is_down_instead_of_dead_lettering_its_event() -> None:
    """A gate restarting is an outage, not a poison message: more failures than `max_deliveries`, then the run."""
    from agents.intake_vault import GateUnavailable

    tries = 0

    async def handler(env: Envelope) -> RunOutcome:
        nonlocal tries
        tries += 1
        if tries <= 5:
            raise GateUnavailable("gate did not take the tokens of run-1 (NoRespondersError)")
        return outcome(env)

    rt = InMemoryRuntime({"t": handler}, supervisor=Supervisor(max_deliveries=3, base_backoff_s=0.001,
                                                               max_backoff_s=0.002))
    await rt.send(AgentId("t", "CLM-1"), {})
    await rt.host.drain()
    assert tries == 6 and [o.key for o in rt.outcomes] == ["CLM-1"]
    assert rt.deadletters == [] and rt.host.supervisor.failures == []
    assert rt.host.errors.handler[("t", "unavailable")] == 5


async def test_duplicate_message_ids_run_once_and_idle_actors_deactivate() -> None:
    calls = 0

    async def handler(env: Envelope) -> RunOutcome:
        nonlocal calls
        calls += 1
        return outcome(env)

    rt = InMemoryRuntime({"t": handler}, idle_s=0.05)
    await rt.send(AgentId("t", "a"), {}, msg_id="m1")
    await rt.send(AgentId("t", "a"), {}, msg_id="m1")
    await rt.host.drain()
    assert calls == 1
    await asyncio.sleep(0.15)
    assert rt.host.live_actors == 0
