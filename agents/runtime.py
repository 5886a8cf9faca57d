"""The runtime interface, and the in-memory implementation used by fast unit tests."""
from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from agents.actor_host import ActorHost, Handler
from agents.agent_id import AgentId
from agents.envelope import Envelope, RunOutcome
from agents.supervisor import Supervisor


class Runtime(Protocol):
    """Where actors live. Implementations differ only in where messages come from."""

    host: ActorHost

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, agent: AgentId, payload: dict[str, Any], *, msg_id: str | None = None) -> None: ...


class InMemoryRuntime:
    """Same semantics as the NATS runtime (ordering, bounded mailboxes, supervision, dedup) with no bus."""

    def __init__(self, handlers: dict[str, Handler], *, max_concurrent: int = 16, mailbox_size: int = 64,
                 idle_s: float = 30.0, supervisor: Supervisor | None = None) -> None:
        self.deadletters: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self.host = ActorHost(handlers, max_concurrent=max_concurrent, mailbox_size=mailbox_size, idle_s=idle_s,
                              supervisor=supervisor, on_deadletter=self._deadletter)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.host.stop()

    async def send(self, agent: AgentId, payload: dict[str, Any], *, msg_id: str | None = None) -> None:
        msg_id = msg_id or uuid.uuid4().hex
        if msg_id in self._seen:  # same contract as JetStream's Nats-Msg-Id duplicate window
            return
        self._seen.add(msg_id)
        json.dumps(payload)  # payloads must be wire-serialisable, as on the bus
        await self.host.deliver(Envelope(agent=agent, payload=payload, msg_id=msg_id))

    @property
    def outcomes(self) -> list[RunOutcome]:
        return self.host.outcomes

    async def _deadletter(self, envelope: Envelope, reason: str) -> None:
        self.deadletters.append({"agent": str(envelope.agent), "msg_id": envelope.msg_id, "reason": reason})
