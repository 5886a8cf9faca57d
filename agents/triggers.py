"""A trigger: which NATS event subject starts runs of which graph, and which field of the event names the actor.

The triggers themselves come from the graph packages (graphs/registry.py), handed to the runtime by the application."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warden.keyed_subjects import is_partitionable, parse_stored, partition_consumer


RESUME_PREFIX = "events.approvals.decided"


class InvalidEvent(ValueError):
    """An event that cannot be routed to an actor (missing or bad key)."""


@dataclass(frozen=True)
class Trigger:
    subject: str
    actor_type: str
    key_field: str
    durable_name: str | None = None
    partition: int | None = None
    """Set on one partition of the graph's keyed events (warden/keyed_subjects.py): one message in flight."""

    def key_of(self, payload: dict[str, Any]) -> str:
        value = payload.get(self.key_field)
        if not isinstance(value, str) or not value:
            raise InvalidEvent(f"event on {self.subject} lacks a string {self.key_field!r}")
        return value

    def key_for(self, subject: str, payload: dict[str, Any]) -> str:
        """The actor key of a message on this trigger's consumer. A partition also carries approval answers (keyed
        by run id, like the resume trigger), and a keyed event's subject and body must name the same key: the
        subject chose the partition, the body chooses the actor."""
        if self.partition is None:
            return self.key_of(payload)
        if subject.startswith(RESUME_PREFIX + "."):
            return resume_trigger(self.actor_type).key_of(payload)
        key = self.key_of(payload)
        stored = parse_stored(subject)
        if stored is None or stored.trigger != self.subject or stored.key != key:
            raise InvalidEvent(f"keyed event on {subject} does not name the key {self.key_field}={key!r} of its body")
        return key

    @property
    def durable(self) -> str:
        """One durable consumer per graph: every runtime process pulling from it shares the work."""
        return self.durable_name or f"graph-{self.actor_type}"

    @property
    def is_resume(self) -> bool:
        return self.subject.startswith(RESUME_PREFIX)




def partition_triggers(trigger: Trigger, partitions: int) -> tuple[Trigger, ...]:
    """The graph's keyed-event partitions, each its own durable consumer (none for a trigger that cannot be keyed)."""
    if partitions < 1 or trigger.is_resume or not is_partitionable(trigger.subject):
        return ()
    return tuple(Trigger(trigger.subject, trigger.actor_type, trigger.key_field,
                         durable_name=partition_consumer(trigger.actor_type, i), partition=i) for i in range(partitions))


def resume_trigger(actor_type: str) -> Trigger:
    """Human answers to a run's interrupt come back as events, keyed by run id, durable like any trigger."""
    return Trigger(f"{RESUME_PREFIX}.{actor_type}", actor_type, "run_id", durable_name=f"resume-{actor_type}")


DEADLETTER_SUBJECT = "events.deadletter"
RUNS_COMPLETED_SUBJECT = "runs.completed"
