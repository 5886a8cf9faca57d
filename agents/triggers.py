"""Which NATS event subjects start runs of which graph, and which field of the event names the actor."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class InvalidEvent(ValueError):
    """An event that cannot be routed to an actor (missing or bad key)."""


@dataclass(frozen=True)
class Trigger:
    subject: str
    actor_type: str
    key_field: str

    def key_of(self, payload: dict[str, Any]) -> str:
        value = payload.get(self.key_field)
        if not isinstance(value, str) or not value:
            raise InvalidEvent(f"event on {self.subject} lacks a string {self.key_field!r}")
        return value

    @property
    def durable(self) -> str:
        """One durable consumer per graph: every runtime process pulling from it shares the work."""
        return f"graph-{self.actor_type}"


TRIGGERS: tuple[Trigger, ...] = (
    Trigger("events.claims.submitted", "claims_triage", "claim_id"),
    Trigger("events.leads.created", "lead_scoring", "lead_id"),
    Trigger("events.inventory.snapshot", "demand_forecast", "sku"),
    Trigger("events.capacity.metrics", "capacity_provisioning", "resource"),
)
DEADLETTER_SUBJECT = "events.deadletter"
RUNS_COMPLETED_SUBJECT = "runs.completed"
