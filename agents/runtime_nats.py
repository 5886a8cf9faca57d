"""The NATS runtime: triggers are pulled from the EVENTS JetStream stream, one durable consumer per graph."""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError
from agents.actor_host import ActorHost, Handler
from agents.agent_id import AgentId
from agents.bus_users import EVENTS_STREAM
from agents.envelope import Envelope, RunOutcome
from agents.runtime_errors import RuntimeErrors
from agents.supervisor import Supervisor
from warden.trace_context import trace_carrier, trace_headers
from agents.triggers import (DEADLETTER_SUBJECT, RUNS_COMPLETED_SUBJECT, InvalidEvent, Trigger, partition_triggers,
                             resume_trigger)

log = logging.getLogger(__name__)


class ConsumerMissing(RuntimeError):
    """A durable consumer the runtime binds to does not exist: the operator step has not run."""


class NatsRuntime:
    """Actors fed from JetStream. A message is acked only after its run reached a terminal or waiting state.

    The runtime binds to durable consumers the admin created (agents/bus.py); it has no right to create one.
    Its connection per graph (`connections`) is that graph's bus user, so a graph's consumers, gate calls and
    replies are its own."""

    def __init__(self, nc: Client | dict[str, Client], handlers: dict[str, Handler], *, triggers: tuple[Trigger, ...] = (),
                 max_concurrent: int = 16, mailbox_size: int = 64, idle_s: float = 30.0,
                 supervisor: Supervisor | None = None, ack_wait_s: float = 60.0, fetch_batch: int = 16,
                 resumable: tuple[str, ...] = (), partitions: int = 0) -> None:
        """`partitions`: at most how many partitions of each graph's keyed events this process pulls from. It
        binds to every one the operator step created (partition 0 up to the first missing one), as every runtime
        process of the fleet does, so the partition count is set in one place. 0: none."""
        self.connections = nc if isinstance(nc, dict) else {name: nc for name in handlers}
        self.nc = next(iter(self.connections.values()))
        self.triggers = tuple(t for t in triggers if t.actor_type in handlers)
        self.triggers += tuple(resume_trigger(name) for name in resumable if name in handlers)
        self.triggers += tuple(p for t in self.triggers for p in partition_triggers(t, partitions))
        # a run keeps its message with in-progress beats well inside ack_wait; a dead process's is redelivered after it
        self.host = ActorHost(handlers, max_concurrent=max_concurrent, mailbox_size=mailbox_size, idle_s=idle_s,
                              supervisor=supervisor, on_deadletter=self._deadletter, on_outcome=self._announce,
                              heartbeat_s=min(15.0, ack_wait_s / 4))  # and within each consumer's (start)
        self.ack_wait_s = ack_wait_s
        self.fetch_batch = fetch_batch
        # Unacked messages per consumer stay bounded too, so a stalled runtime can't hoard the stream.
        self.max_ack_pending = mailbox_size * max_concurrent
        for trigger in self.triggers:
            self.host.errors.known(trigger.actor_type)
        self._tasks: list[asyncio.Task] = []
        self._subs: list = []
        self._running = False

    async def start(self) -> None:
        self._running = True
        ended: set[str] = set()  # graphs whose partitions ran out
        for trigger in self.triggers:
            js = self.connections[trigger.actor_type].jetstream()
            if trigger.partition and trigger.actor_type in ended:
                continue
            try:
                info = await js.consumer_info(EVENTS_STREAM, trigger.durable)
            except Exception as exc:
                if trigger.partition and isinstance(exc, NotFoundError):  # past the last partition the operator created
                    ended.add(trigger.actor_type)
                    continue
                raise ConsumerMissing(f"consumer {trigger.durable} on {EVENTS_STREAM} is not available ({type(exc).__name__}): "
                                      "run the operator step first (`warden up --role admin`)") from None
            if info.config.ack_wait:  # beat well inside the consumer's ack_wait, whatever the operator chose
                self.host.heartbeat_s = min(self.host.heartbeat_s, info.config.ack_wait / 4)
            sub = await js.pull_subscribe_bind(durable=trigger.durable, stream=EVENTS_STREAM)
            self._subs.append(sub)
            self._tasks.append(asyncio.create_task(self._pull(trigger, sub), name=f"pull:{trigger.durable}"))

    async def stop(self) -> None:
        self._running = False
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for sub in self._subs:  # unacked fetched messages would otherwise hold the connection's drain open
            try:
                await sub.unsubscribe()
            except Exception:
                pass
        self._subs.clear()
        await self.host.stop()

    async def send(self, agent: AgentId, payload: dict[str, Any], *, msg_id: str | None = None) -> None:
        """Publish an event for an actor; JetStream drops a repeat of the same msg_id."""
        trigger = next((t for t in self.triggers if t.actor_type == agent.type and not t.is_resume), None)
        if trigger is None:
            raise KeyError(f"no trigger subject for actor type {agent.type!r}")
        await self.connections[agent.type].jetstream().publish(trigger.subject, json.dumps(payload).encode(),
                                                               headers=trace_headers({"Nats-Msg-Id": msg_id or uuid.uuid4().hex}))

    @property
    def errors(self) -> RuntimeErrors:
        return self.host.errors

    def metrics_lines(self) -> list[str]:
        """The runtime's failure counters, for `/metrics`."""
        return self.host.errors.metrics_lines()

    async def _pull(self, trigger: Trigger, sub) -> None:
        """The graph's consumption: nothing that goes wrong in one iteration ends it (it is counted instead)."""
        while self._running:
            try:
                await self._pull_once(trigger, sub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.errors.count_loop(trigger.actor_type)
                log.exception("pull loop for %s failed; it goes on: %s", trigger.durable, exc)
                await asyncio.sleep(0.5)

    async def _pull_once(self, trigger: Trigger, sub) -> None:
        try:  # a partition has one message in flight: asking for more would only wait out the timeout
            msgs = await sub.fetch(1 if trigger.partition is not None else self.fetch_batch, timeout=1.0)
        except (NatsTimeout, asyncio.TimeoutError):
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the bus went away for a moment: back off, reconnect handles the rest
            self.errors.count_loop(trigger.actor_type)
            log.warning("fetch on %s failed: %s", trigger.subject, exc)
            await asyncio.sleep(0.5)
            return
        for msg in msgs:
            await self._route_retrying(trigger, msg)  # waits while the actor's mailbox is full: backpressure

    async def _route_retrying(self, trigger: Trigger, msg) -> None:
        """Hand a message to its actor, retrying in place (so the key's later events stay behind it); after
        `max_deliveries` failures it is dead-lettered and terminated, and the loop moves on."""
        supervisor = self.host.supervisor
        last: Exception | None = None
        for attempt in range(1, supervisor.max_deliveries + 1):
            try:
                await self._route(trigger, msg)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.errors.count_loop(trigger.actor_type)
                log.warning("routing %s on %s failed (attempt %d): %s: %s", _seq(msg), trigger.subject, attempt,
                            type(exc).__name__, exc)
                last = exc
                if attempt < supervisor.max_deliveries:
                    await asyncio.sleep(supervisor.backoff_s(attempt))
        try:
            await self._publish_deadletter(trigger.actor_type, {
                "subject": msg.subject, "msg_id": f"{EVENTS_STREAM}:{_seq(msg)}",
                "reason": f"could not be routed {supervisor.max_deliveries} times; last error: "
                          f"{type(last).__name__}: {str(last)[:300]}"})
            await msg.term()
        except Exception as again:  # the bus is away too: unacked, ack_wait redelivers it
            self.errors.count_handler(trigger.actor_type, "deadletter")
            log.warning("could not dead-letter %s: %s", _seq(msg), again)

    async def _route(self, trigger: Trigger, msg) -> None:
        # The run is named after the stored event (its stream sequence), never after a header the publisher chose:
        # the gate reads that same stored event back to learn the facts of the run.
        msg_id = f"{EVENTS_STREAM}:{msg.metadata.sequence.stream}"
        try:
            payload = json.loads(msg.data)
            if not isinstance(payload, dict):
                raise InvalidEvent("event body must be a JSON object")
            agent = AgentId(trigger.actor_type, trigger.key_for(msg.subject, payload))
        except (ValueError, InvalidEvent) as exc:
            await self._publish_deadletter(trigger.actor_type, {"subject": msg.subject, "msg_id": msg_id,
                                                                "reason": f"invalid event: {str(exc)[:200]}"})
            await msg.ack()
            return
        envelope = Envelope(agent=agent, payload=payload, msg_id=msg_id, subject=msg.subject,
                            ack=msg.ack, in_progress=msg.in_progress, trace=trace_carrier(msg.headers))
        await self.host.deliver(envelope)

    async def _deadletter(self, envelope: Envelope, reason: str) -> None:
        # Names the stored event, never copies it: the payload may carry PII, and it is still in EVENTS.
        await self._publish_deadletter(envelope.agent.type, {"agent": str(envelope.agent), "subject": envelope.subject,
                                                             "msg_id": envelope.msg_id, "reason": reason[:500]})

    async def _publish_deadletter(self, graph: str, record: dict[str, Any]) -> None:
        await self.connections[graph].jetstream().publish(DEADLETTER_SUBJECT, json.dumps(record).encode())

    async def _announce(self, outcome: RunOutcome) -> None:
        """Publish `runs.completed`; a failure is the host's to count (stage `outcome`)."""
        nc = self.connections.get(outcome.graph, self.nc)
        await nc.publish(RUNS_COMPLETED_SUBJECT, outcome.model_dump_json(exclude={"detail"}).encode())


def _seq(msg) -> str:
    try:
        return str(msg.metadata.sequence.stream)
    except Exception:  # not a JetStream message: no sequence to name
        return "?"
