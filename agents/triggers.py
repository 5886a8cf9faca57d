"""A trigger: which NATS event subject starts runs of which graph, and which field of the event names the actor.

The triggers themselves come from the graph packages (graphs/registry.py), handed to the runtime by the application."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


RESUME_PREFIX = "events.approvals.decided"


class InvalidEvent(ValueError):
    """An event that cannot be routed to an actor (missing or bad key)."""


@dataclass(frozen=True)
class Trigger:
    subject: str
    actor_type: str
    key_field: str
    durable_name: str | None = None

    def key_of(self, payload: dict[str, Any]) -> str:
        value = payload.get(self.key_field)
        if not isinstance(value, str) or not value:
            raise InvalidEvent(f"event on {self.subject} lacks a string {self.key_field!r}")
        return value

    @property
    def durable(self) -> str:
        """One durable consumer per graph: every runtime process pulling from it shares the work."""
        return self.durable_name or f"graph-{self.actor_type}"

    @property
    def is_resume(self) -> bool:
        return self.subject.startswith(RESUME_PREFIX)




def resume_trigger(actor_type: str) -> Trigger:
    """Human answers to a run's interrupt come back as events, keyed by run id, durable like any trigger."""
    return Trigger(f"{RESUME_PREFIX}.{actor_type}", actor_type, "run_id", durable_name=f"resume-{actor_type}")


DEADLETTER_SUBJECT = "events.deadletter"
RUNS_COMPLETED_SUBJECT = "runs.completed"
