"""Hosts virtual actors: a bounded mailbox per key, one message at a time per key, a cap on keys running at once.

Both runtimes (in-memory and NATS) feed this host; only where messages come from differs.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from agents.agent_id import AgentId
from agents.envelope import Envelope, RunOutcome
from agents.runtime_errors import RuntimeErrors
from agents.supervisor import Supervisor, Unavailable

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[RunOutcome]]
DeadLetter = Callable[[Envelope, str], Awaitable[None]]
OutcomeSink = Callable[[RunOutcome], Awaitable[None]]


@dataclass
class _Actor:
    agent: AgentId
    mailbox: asyncio.Queue[Envelope]
    task: asyncio.Task | None = None


class ActorHost:
    """Owns live actors. `deliver` waits while the target mailbox is full: that wait is the backpressure."""

    def __init__(self, handlers: dict[str, Handler], *, max_concurrent: int = 16, mailbox_size: int = 64,
                 idle_s: float = 30.0, supervisor: Supervisor | None = None,
                 on_deadletter: DeadLetter | None = None, on_outcome: OutcomeSink | None = None,
                 heartbeat_s: float = 15.0) -> None:
        self.heartbeat_s = heartbeat_s
        self.handlers = handlers
        self.mailbox_size = mailbox_size
        self.idle_s = idle_s
        self.supervisor = supervisor or Supervisor()
        self._slots = asyncio.Semaphore(max_concurrent)
        self._actors: dict[AgentId, _Actor] = {}
        self._on_deadletter = on_deadletter
        self._on_outcome = on_outcome
        self.max_depth_seen = 0
        self.activations = 0
        self.outcomes: list[RunOutcome] = []
        self._idle = asyncio.Event()
        self._idle.set()
        self._pending = 0
        self.errors = RuntimeErrors()

    @property
    def live_actors(self) -> int:
        return len(self._actors)

    async def deliver(self, envelope: Envelope) -> None:
        """Queue a message for its actor, activating the actor if it is not live."""
        if envelope.agent.type not in self.handlers:
            raise KeyError(f"no handler registered for actor type {envelope.agent.type!r}")
        actor = self._actors.get(envelope.agent)
        if actor is None:
            actor = _Actor(envelope.agent, asyncio.Queue(maxsize=self.mailbox_size))
            self._actors[envelope.agent] = actor
            self.activations += 1
        self._pending += 1
        self._idle.clear()
        await actor.mailbox.put(envelope)
        self.max_depth_seen = max(self.max_depth_seen, actor.mailbox.qsize())
        if actor.task is None or actor.task.done():
            actor.task = asyncio.create_task(self._run(actor), name=f"actor:{actor.agent}")

    async def drain(self) -> None:
        """Wait until every delivered message has been handled or dead-lettered."""
        await self._idle.wait()

    async def stop(self) -> None:
        tasks = [a.task for a in self._actors.values() if a.task]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._actors.clear()

    async def _run(self, actor: _Actor) -> None:
        """The actor's loop: strictly one message at a time; deactivates after `idle_s` without mail."""
        while True:
            try:
                envelope = await asyncio.wait_for(actor.mailbox.get(), timeout=self.idle_s)
            except asyncio.TimeoutError:
                if actor.mailbox.empty():
                    self._actors.pop(actor.agent, None)  # virtual actor: its state is in the checkpointer
                    return
                continue
            try:
                async with self._slots:
                    await self._handle_supervised(envelope)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never let one message end the actor: its mailbox would be stranded
                self.errors.count_handler(actor.agent.type, "actor")
                log.exception("actor %s failed outside its handler on %s: %s", actor.agent, envelope.msg_id, exc)
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    async def _heartbeat(self, envelope: Envelope) -> None:
        """Tell the transport a long run is still being worked on, so it is not redelivered meanwhile."""
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await envelope.in_progress()
            except Exception as exc:  # a bus blip: the next beat tries again, the run goes on
                self.errors.count_handler(envelope.agent.type, "in_progress")
                log.warning("heartbeat for %s failed: %s", envelope.msg_id, exc)

    async def _handle_supervised(self, envelope: Envelope) -> None:
        handler = self.handlers[envelope.agent.type]
        attempt = waits = 0
        while True:
            attempt += 1
            beat = asyncio.create_task(self._heartbeat(envelope))
            try:
                outcome = await handler(envelope)
            except asyncio.CancelledError:
                raise
            except Unavailable as exc:  # not a crash: wait for the component, keep the message (no attempt used)
                attempt, waits = attempt - 1, waits + 1
                self.errors.count_handler(envelope.agent.type, "unavailable")
                log.warning("actor %s waits on %s (try %d): %s", envelope.agent, envelope.msg_id, waits, exc)
                await self._guard(envelope, "in_progress", envelope.in_progress)
                await asyncio.sleep(self.supervisor.backoff_s(min(waits, 16)))
                continue
            except Exception as exc:  # the actor crashed: supervise
                self.supervisor.record(str(envelope.agent), envelope.msg_id, attempt, exc)
                log.warning("actor %s crashed on %s (attempt %d): %s", envelope.agent, envelope.msg_id, attempt, exc)
                if self.supervisor.should_retry(attempt):
                    self.supervisor.restarts += 1
                    await self._guard(envelope, "in_progress", envelope.in_progress)
                    await asyncio.sleep(self.supervisor.backoff_s(attempt))
                    continue
                reason = f"crashed {attempt} times; last error: {type(exc).__name__}: {exc}"
                # Unrecorded, the message is not acked: the transport redelivers it rather than lose it.
                if await self._deadletter(envelope, reason):
                    await self._guard(envelope, "ack", envelope.ack)
                return
            finally:
                beat.cancel()
            self.outcomes.append(outcome)
            del self.outcomes[:-10000]
            if self._on_outcome:
                sink = self._on_outcome
                if not await self._guard(envelope, "outcome", lambda: sink(outcome)):
                    await self._deadletter(envelope, f"run {outcome.run_id} ended {outcome.status} but its outcome "
                                                     "handler failed (not announced on runs.completed)")
            # An ack that fails is redelivered later; the run resumes from its checkpoint and ends the same way.
            await self._guard(envelope, "ack", envelope.ack)
            return

    async def _guard(self, envelope: Envelope, stage: str, step: Callable[[], Awaitable[object]]) -> bool:
        """Run one step after the handler; a failure is logged and counted, never raised: False when it failed."""
        try:
            await step()
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.errors.count_handler(envelope.agent.type, stage)
            log.warning("%s failed for %s on %s: %s: %s", stage, envelope.agent, envelope.msg_id, type(exc).__name__, exc)
            return False

    async def _deadletter(self, envelope: Envelope, reason: str) -> bool:
        if self._on_deadletter is None:
            return True
        sink = self._on_deadletter
        return await self._guard(envelope, "deadletter", lambda: sink(envelope, reason))
