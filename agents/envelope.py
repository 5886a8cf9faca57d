"""A message on its way to an actor, with the callbacks that settle it on the transport."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from agents.agent_id import AgentId

Settle = Callable[[], Awaitable[None]]


async def _noop() -> None:
    return None


@dataclass
class Envelope:
    """One message for one actor. `ack` is called only once its run is checkpointed terminal or waiting."""

    agent: AgentId
    payload: dict[str, Any]
    msg_id: str
    subject: str = ""
    ack: Settle = field(default=_noop)
    in_progress: Settle = field(default=_noop)
    trace: dict[str, str] = field(default_factory=dict)  # the event's W3C trace context (warden/trace_context.py)


class RunOutcome(BaseModel):
    """What handling a message led to; announced on `runs.completed`."""

    run_id: str
    graph: str
    key: str
    status: Literal["completed", "waiting", "failed", "skipped"]
    decision: str | None = None
    detail: dict[str, Any] = {}
