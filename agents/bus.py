"""Connecting a component to the bus, and the operator step that creates the streams and consumers.

Streams and durable consumers are created once by the admin user (`warden up` with an embedded server, or
`warden up --role admin` against an external one), never by a component at run time: the runtime may only bind
to its own consumers.
"""
from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeout
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError
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
JS_CLUSTER_REQUIRED = 10074  # nats-server: "replicas > 1 not supported in non-clustered mode"

__all__ = ["AUDIT_STREAM", "EVENTS_STREAM", "BusSetupError", "connect", "ensure_streams", "ensure_consumers", "setup_bus"]


async def connect(creds: NatsCredentials, user: str, *, name: str | None = None) -> Client:
    """A connection as bus user `user`, whose replies arrive under its own inbox prefix; permission violations
    are logged, never silent. Every seed of NATS_URL is in the server pool (and the nodes a cluster announces),
    all with this user's login, so losing one node means reconnecting to another. A refused login fails at once
    instead of retrying forever."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error for %s: %s", user, exc)

    login = creds.login(user)
    if login is None:
        log.warning("connecting to %s WITHOUT bus authentication (WARDEN_NATS_INSECURE=1)", creds.display)
        servers, auth = [s.strip() for s in creds.url.split(",") if s.strip()], {}
    else:
        servers, auth = creds.seeds, {"user": login[0], "password": login[1]}
    return await nats.connect(servers=servers, **auth, name=name or f"warden-{user}", error_cb=on_error,
                              inbox_prefix=inbox_prefix(user), max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                              allow_reconnect=True, connect_timeout=3)


class BusSetupError(RuntimeError):
    """The operator step cannot create the streams as asked (e.g. replicas on a bus that is not a cluster)."""


async def ensure_streams(nc: Client, *, replicas: int = 1, partitions: int = DEFAULT_PARTITIONS) -> int:
    """Create (or update) the EVENTS and AUDIT streams with `replicas` copies (3 on a three-node cluster: one
    node lost loses nothing). An existing stream with fewer copies is scaled up; one with more is left as it is
    (re-running the operator step without --replicas must not quietly drop copies). EVENTS stores a keyed event
    (`events.keyed.<domain>.<verb>.<key>`) under its partition (warden/keyed_subjects.py). Needs the admin user.
    Returns how many copies EVENTS keeps."""
    js = nc.jetstream()
    src, dest = stream_transform(partitions)
    kept = await _upsert(js, StreamConfig(name=EVENTS_STREAM, subjects=["events.>"], retention=RetentionPolicy.LIMITS,
                                          storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW_S,
                                          max_age=7 * 24 * 3600.0, discard=DiscardPolicy.OLD,
                                          subject_transform=SubjectTransform(src=src, dest=dest)), replicas)
    await _upsert(js, StreamConfig(name=AUDIT_STREAM, subjects=["audit.>"], retention=RetentionPolicy.LIMITS,
                                   storage=StorageType.FILE, max_age=365 * 24 * 3600.0), replicas)
    return kept


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
                           replicas: int = 1, partitions: int = DEFAULT_PARTITIONS,
                           partition_ack_wait_s: float = ACK_WAIT_S) -> None:
    """The durable consumers each graph's runtime binds to (`graph-<g>` on its trigger, `resume-<g>` on its
    approval answers, `part-<g>-<i>` on its keyed events), and the gate's quarantine consumer. Each keeps as many
    copies of its state as EVENTS has (ensure_streams sets them); one pinned to fewer than `replicas` is scaled
    up. Needs the admin user."""
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
    for config in wanted:  # num_replicas 0: a consumer keeps as many copies as its stream, scaled with it
        try:
            existing = await js.consumer_info(EVENTS_STREAM, config.durable_name)
        except NotFoundError:
            await _add_consumer(js, config)
            continue
        have = existing.config.num_replicas or 0
        if have and have < replicas:  # pinned to fewer copies: scale up its state only, keep the rest as it is
            existing.config.num_replicas = replicas
            await _add_consumer(js, existing.config)
            log.info("consumer %s: %d -> %d replicas", config.durable_name, have, replicas)


async def setup_bus(nc: Client, graph_triggers: dict[str, str], *, quarantine_subject: str | None = None,
                    replicas: int = 1, partitions: int = DEFAULT_PARTITIONS,
                    partition_ack_wait_s: float = ACK_WAIT_S) -> int:
    """The operator step: streams, then consumers, each with `replicas` copies (or more, where a stream already
    has more), and `partitions` consumers per keyed graph. Returns how many copies EVENTS keeps."""
    await wait_for_jetstream(nc)
    kept = await ensure_streams(nc, replicas=replicas, partitions=partitions)
    await ensure_consumers(nc, graph_triggers, quarantine_subject=quarantine_subject, replicas=replicas,
                           partitions=partitions, partition_ack_wait_s=partition_ack_wait_s)
    return kept


async def wait_for_jetstream(nc: Client, timeout_s: float = 30.0) -> None:
    """Until JetStream answers: a cluster that has just started elects its meta leader first (seconds), and the
    operator step started beside it (compose) would otherwise fail on its first request."""
    js = nc.jetstream()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        try:
            await js.account_info()
            return
        except (ServiceUnavailableError, NatsTimeout, NoRespondersError) as exc:
            if loop.time() > deadline:
                raise BusSetupError(f"JetStream did not answer within {timeout_s:.0f}s ({type(exc).__name__}): "
                                    "is a quorum of the cluster's nodes up?") from None
            await asyncio.sleep(0.5)


async def _add_consumer(js, config: ConsumerConfig) -> None:
    try:
        await js.add_consumer(EVENTS_STREAM, config)
    except APIError as exc:
        _refuse_replicas(exc, config.num_replicas or 1)
        # exists with another config: say so, keep the existing one
        log.warning("consumer %s: %s", config.durable_name, exc)


async def _upsert(js, config: StreamConfig, replicas: int) -> int:
    try:
        info = await js.stream_info(config.name)
    except NotFoundError:
        info = None
    have = info.config.num_replicas if info else 0
    if info and have > replicas:
        log.warning("stream %s keeps its %d replicas (asked for %d; scale down with `nats stream edit`)",
                    config.name, have, replicas)
    config.num_replicas = max(replicas, have or 1)
    try:
        if info is None:
            await js.add_stream(config)
        else:  # update in place: limits as configured here, replicas scaled up when fewer
            await js.update_stream(config)
    except APIError as exc:
        _refuse_replicas(exc, config.num_replicas)
        raise
    if info is not None and config.num_replicas > have:
        await _wait_for_copies(js, config.name, config.num_replicas)
    return config.num_replicas


async def _wait_for_copies(js, stream: str, replicas: int, timeout_s: float = 30.0) -> None:
    """Scaling a stream up is asynchronous: its consumers can follow only once the new copies exist."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        info = await js.stream_info(stream)
        peers = info.cluster.replicas if info.cluster and info.cluster.replicas else []
        if 1 + sum(1 for p in peers if p.current) >= replicas:
            return
        if loop.time() > deadline:
            raise BusSetupError(f"stream {stream} did not reach {replicas} current copies within {timeout_s:.0f}s: "
                                "are all the cluster's nodes up?")
        await asyncio.sleep(0.25)


def _refuse_replicas(exc: APIError, replicas: int) -> None:
    if replicas > 1 and exc.err_code == JS_CLUSTER_REQUIRED:
        raise BusSetupError(f"{replicas} replicas need a JetStream cluster of at least {replicas} nodes "
                            f"(nats-server: {exc.description}); use --replicas 1 on a single server") from None
