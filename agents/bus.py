"""Connecting a component to the bus, and the operator step that creates the streams and consumers.

Streams and durable consumers are created once by the admin user (`warden up` with an embedded server, or
`warden up --role admin` against an external one), never by a component at run time: the runtime may only bind
to its own consumers.
"""
from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js.api import (AckPolicy, ConsumerConfig, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, StreamConfig,
                         SubjectTransform)

from agents.bus_users import AUDIT_STREAM, EVENTS_STREAM, graph_consumer, inbox_prefix, resume_consumer
from agents.nats_server import NatsCredentials
from warden.keyed_subjects import (DEFAULT_PARTITIONS, is_partitionable, partition_consumer, partition_filters,
                                   stream_transform)

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_S = 120.0
ACK_WAIT_S = 60.0
MAX_ACK_PENDING = 1024

__all__ = ["AUDIT_STREAM", "EVENTS_STREAM", "connect", "ensure_streams", "ensure_consumers"]


async def connect(creds: NatsCredentials, user: str, *, name: str | None = None) -> Client:
    """A connection as bus user `user`, whose replies arrive under its own inbox prefix; permission violations
    are logged, never silent. A refused login fails at once instead of retrying forever."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error for %s: %s", user, exc)

    if creds.insecure:
        log.warning("connecting to %s WITHOUT bus authentication (WARDEN_NATS_INSECURE=1)", creds.url)
    return await nats.connect(creds.url_for(user), name=name or f"warden-{user}", error_cb=on_error,
                              inbox_prefix=inbox_prefix(user), max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                              allow_reconnect=True, connect_timeout=3)


async def ensure_streams(nc: Client, *, partitions: int = DEFAULT_PARTITIONS) -> None:
    """Create (or update) the EVENTS and AUDIT streams. Needs the admin user. EVENTS stores a keyed event
    (`events.keyed.<domain>.<verb>.<key>`) under its partition (warden/keyed_subjects.py)."""
    js = nc.jetstream()
    src, dest = stream_transform(partitions)
    await _upsert(js, StreamConfig(name=EVENTS_STREAM, subjects=["events.>"], retention=RetentionPolicy.LIMITS,
                                   storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW_S,
                                   max_age=7 * 24 * 3600.0, discard=DiscardPolicy.OLD,
                                   subject_transform=SubjectTransform(src=src, dest=dest)))
    await _upsert(js, StreamConfig(name=AUDIT_STREAM, subjects=["audit.>"], retention=RetentionPolicy.LIMITS,
                                   storage=StorageType.FILE, max_age=365 * 24 * 3600.0))


def consumer_config(name: str, subject: str, *, ack_wait_s: float = ACK_WAIT_S,
                    max_ack_pending: int = MAX_ACK_PENDING) -> ConsumerConfig:
    """A durable pull consumer: explicit ack, everything from the start of the stream."""
    return ConsumerConfig(durable_name=name, filter_subject=subject, ack_policy=AckPolicy.EXPLICIT,
                          deliver_policy=DeliverPolicy.ALL, ack_wait=ack_wait_s, max_ack_pending=max_ack_pending)


def partition_config(graph: str, trigger: str, partition: int, *, ack_wait_s: float = ACK_WAIT_S) -> ConsumerConfig:
    """One partition of a graph's keyed events (and the approval answers of runs they started): one message in
    flight across every runtime process, so a key's events are handled in stream order. A process that dies
    holding one gives it back after `ack_wait_s` (a live one keeps it with in-progress beats)."""
    return ConsumerConfig(durable_name=partition_consumer(graph, partition),
                          filter_subjects=partition_filters(trigger, graph, partition), ack_policy=AckPolicy.EXPLICIT,
                          deliver_policy=DeliverPolicy.ALL, ack_wait=ack_wait_s, max_ack_pending=1)


async def ensure_consumers(nc: Client, graph_triggers: dict[str, str], *, quarantine_subject: str | None = None,
                           partitions: int = DEFAULT_PARTITIONS, partition_ack_wait_s: float = ACK_WAIT_S) -> None:
    """The durable consumers each graph's runtime binds to (`graph-<g>` on its trigger, `resume-<g>` on its
    approval answers, `part-<g>-<i>` on its keyed events), and the gate's quarantine consumer. Needs the admin user."""
    from agents.bus_users import RESUME_PREFIX

    js = nc.jetstream()
    wanted = []
    for graph, subject in graph_triggers.items():
        wanted.append(consumer_config(graph_consumer(graph), subject))
        wanted.append(consumer_config(resume_consumer(graph), f"{RESUME_PREFIX}.{graph}"))
        if is_partitionable(subject):
            wanted += [partition_config(graph, subject, i, ack_wait_s=partition_ack_wait_s) for i in range(partitions)]
    if quarantine_subject:
        from guardrails.quarantine import quarantine_consumer_config

        wanted.append(quarantine_consumer_config())
    for config in wanted:
        try:
            await js.add_consumer(EVENTS_STREAM, config)
        except Exception as exc:  # exists with another config: say so, keep the existing one
            log.warning("consumer %s: %s", config.durable_name, exc)


async def setup_bus(nc: Client, graph_triggers: dict[str, str], *, quarantine_subject: str | None = None,
                    partitions: int = DEFAULT_PARTITIONS, partition_ack_wait_s: float = ACK_WAIT_S) -> None:
    """The operator step: streams, then consumers."""
    await ensure_streams(nc, partitions=partitions)
    await ensure_consumers(nc, graph_triggers, quarantine_subject=quarantine_subject, partitions=partitions,
                           partition_ack_wait_s=partition_ack_wait_s)


async def _upsert(js, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except Exception:  # exists with a different config: update in place
        await js.update_stream(config)
