"""Keyed event subjects: how an event names its key on the bus, so the EVENTS stream can partition by it.

A publisher that wants a key's events handled in order across runtime processes publishes on
`events.keyed.<domain>.<verb>.<key>` (the trigger `events.<domain>.<verb>` with `keyed` after `events` and the
key as the last token). The EVENTS stream's subject transform (agents/bus.py) stores it as
`events.keyed.<domain>.<verb>.<partition>.<key>`; each partition has one durable consumer with one message in
flight. A human's answer to a run started by a keyed event is published on `events.approvals.decided.<graph>.<partition>`,
the partition read back from the run's stored event, so it queues behind the same key's events.

The plain trigger subject (`events.claims.submitted`, key in the body) keeps working as before, ordered per key
inside one runtime process only. Lives here (a layer every package may import) because the runtime, the gate
and the operator step all read the same grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

KEYED_PREFIX = "events.keyed"
DECIDED_PREFIX = "events.approvals.decided"
MAX_PARTITIONS = 32
"""Upper bound on partitions per graph: the bus permissions name each partition's consumer (a consumer name is one
subject token, so no wildcard can cover `part-<graph>-*`)."""
DEFAULT_PARTITIONS = 8

_PARTITIONABLE = re.compile(r"^events\.([a-z0-9_]+)\.([a-z0-9_]+)$")
_KEY_TOKEN = re.compile(r"^[^.\s*>]{1,256}$")


class KeyedSubjectError(ValueError):
    """A trigger that cannot be keyed (not `events.<domain>.<verb>`), or a partition count out of range."""


@dataclass(frozen=True)
class StoredKeyed:
    """What a stored keyed event's subject says: its trigger, partition and key."""

    trigger: str
    partition: int
    key: str


def is_partitionable(trigger: str) -> bool:
    """Only three-token triggers are keyed: the stream's one transform must find the key at a fixed position."""
    return bool(_PARTITIONABLE.match(trigger)) and not trigger.startswith(("events.keyed.", "events.approvals."))


def keyed_subject(trigger: str, key: str) -> str:
    """Where a publisher sends an event of `trigger` for `key` so its order holds across runtime processes."""
    domain, verb = _split(trigger)
    if not _KEY_TOKEN.match(key):
        raise KeyedSubjectError(f"key {key!r} cannot be a subject token (no dots, spaces, '*' or '>')")
    return f"{KEYED_PREFIX}.{domain}.{verb}.{key}"


def keyed_pattern(trigger: str) -> str:
    """Every keyed subject of `trigger` (one token for the key): what a publisher of that trigger may send on."""
    domain, verb = _split(trigger)
    return f"{KEYED_PREFIX}.{domain}.{verb}.*"


def _split(trigger: str) -> tuple[str, str]:
    match = _PARTITIONABLE.match(trigger)
    if not match or not is_partitionable(trigger):
        raise KeyedSubjectError(f"trigger {trigger!r} is not events.<domain>.<verb>: it cannot be keyed")
    return match.group(1), match.group(2)


def check_partitions(count: int) -> int:
    if not 1 <= count <= MAX_PARTITIONS:
        raise KeyedSubjectError(f"partitions must be between 1 and {MAX_PARTITIONS}, got {count}")
    return count


def stream_transform(partitions: int) -> tuple[str, str]:
    """(source, destination) of the EVENTS stream's subject transform: the key token picks the partition."""
    check_partitions(partitions)
    return (f"{KEYED_PREFIX}.*.*.*",
            f"{KEYED_PREFIX}.{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}.{{{{partition({partitions},3)}}}}.{{{{wildcard(3)}}}}")


def partition_filters(trigger: str, graph: str, partition: int) -> list[str]:
    """What partition `partition` of a graph's consumer reads: its share of keyed events, and the answers to
    approvals of runs those events started."""
    domain, verb = _split(trigger)
    return [f"{KEYED_PREFIX}.{domain}.{verb}.{partition}.*", f"{DECIDED_PREFIX}.{graph}.{partition}"]


def partition_consumer(graph: str, partition: int) -> str:
    return f"part-{graph}-{partition}"


def parse_stored(subject: str) -> StoredKeyed | None:
    """The trigger, partition and key of a stored keyed event; None for any other subject."""
    parts = subject.split(".")
    if len(parts) != 6 or f"{parts[0]}.{parts[1]}" != KEYED_PREFIX or not parts[4].isdigit():
        return None
    return StoredKeyed(f"events.{parts[2]}.{parts[3]}", int(parts[4]), parts[5])


def decided_subject(graph: str, partition: int | None = None) -> str:
    """Where an approval's answer goes: the run's partition when its event was keyed, else the graph's resume subject."""
    return f"{DECIDED_PREFIX}.{graph}" if partition is None else f"{DECIDED_PREFIX}.{graph}.{partition}"
