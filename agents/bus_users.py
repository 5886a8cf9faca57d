"""Who may say what on the bus: one NATS user per component (one per graph for the runtime), least privilege.

The bus is the first wall of the sandbox: a runtime user can reach nothing but its own gate subjects, its
own durable consumers and its own reply inbox. It cannot create, update or delete a stream or a consumer
(a consumer's `deliver_subject` could relay stored events into `tools.>`), cannot read AUDIT, cannot publish
events, and cannot see other components' replies. The same table configures the embedded server and the
file `warden nats-config` writes for an external one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from warden.keyed_subjects import MAX_PARTITIONS, is_partitionable, keyed_pattern, partition_consumer

EVENTS_STREAM = "EVENTS"
AUDIT_STREAM = "AUDIT"

INGEST_SUBJECTS = ("events.records.incoming",)
"""Events only the `ingest` user may publish besides the triggers of the graphs a deployment runs: what they
say is a fact the gate reads back from the stream."""

RESUME_PREFIX = "events.approvals.decided"
RECORD_OUTCOMES = ("events.records.quarantined", "events.records.clean", "events.records.rejected")
QUARANTINE_CONSUMER = "quarantine"
FIXED_USERS = ("admin", "ingest", "gate", "tools")

_GRAPH_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class BusUserError(ValueError):
    """A graph name that cannot become a bus user or subject token."""


def runtime_user(graph: str) -> str:
    """The NATS user a runtime uses for one graph; the gate reads the graph from the subject it may publish."""
    if not _GRAPH_NAME.match(graph):
        raise BusUserError(f"graph name {graph!r} must match {_GRAPH_NAME.pattern}")
    return f"rt-{graph}"


def inbox_prefix(user: str) -> str:
    """Replies to `user` go here, and only `user` may subscribe to it."""
    return f"_INBOX.{user}"


def graph_consumer(graph: str) -> str:
    return f"graph-{graph}"


def resume_consumer(graph: str) -> str:
    return f"resume-{graph}"


def gate_subject(graph: str, tool: str) -> str:
    """Where graph `graph` asks the gate about `tool`: the subject itself names the caller."""
    return f"gate.{graph}.call.{tool}"


def tokens_subject(graph: str) -> str:
    """Where graph `graph` hands the gate the PII it tokenized at intake (the vault lives with the gate)."""
    return f"gate.{graph}.tokens"


def _consumer_api(graph: str) -> list[str]:
    """Fetch and ack on the graph's own durable consumers (its trigger, its resumes, each possible partition of its
    keyed events): nothing else of JetStream."""
    subjects = []
    partitions = [partition_consumer(graph, i) for i in range(MAX_PARTITIONS)]
    for name in (graph_consumer(graph), resume_consumer(graph), *partitions):
        subjects += [f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{name}", f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.{name}",
                     f"$JS.ACK.{EVENTS_STREAM}.{name}.>"]
    return subjects


def trigger_subjects(graphs: Mapping[str, str] | Iterable[str]) -> list[str]:
    """What `ingest` may publish: each graph's trigger subject (`graphs` maps a graph to it), its keyed form
    (`events.keyed.<domain>.<verb>.<key>`, one token for the key: never a partition of its choosing) and
    INGEST_SUBJECTS. Given graph names alone, no graph's events can be published."""
    triggers = list(graphs.values()) if isinstance(graphs, Mapping) else []
    triggers += [keyed_pattern(t) for t in list(triggers) if is_partitionable(t)]
    return list(dict.fromkeys([*triggers, *INGEST_SUBJECTS]))


def permissions(graphs: Mapping[str, str] | Iterable[str]) -> dict[str, dict[str, Any]]:
    """Every user's publish/subscribe permissions, for the graphs this deployment runs (graph -> its trigger)."""
    users: dict[str, dict[str, Any]] = {
        "admin": {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}},
        # The event source: publishes triggers (JetStream publish = request with a reply to its own inbox).
        "ingest": {"publish": {"allow": trigger_subjects(graphs)},
                   "subscribe": {"allow": [f"{inbox_prefix('ingest')}.>", "runs.completed"]}},
        "gate": {
            "publish": {"allow": ["tools.>", "audit.>", "approvals.pending", f"{RESUME_PREFIX}.>", *RECORD_OUTCOMES,
                                  f"$JS.API.STREAM.MSG.GET.{EVENTS_STREAM}", f"$JS.API.DIRECT.GET.{EVENTS_STREAM}",
                                  # the quarantine erases a raw incoming record once its safe copy is published
                                  f"$JS.API.STREAM.MSG.DELETE.{EVENTS_STREAM}",
                                  f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{QUARANTINE_CONSUMER}",
                                  f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.{QUARANTINE_CONSUMER}",
                                  f"$JS.ACK.{EVENTS_STREAM}.{QUARANTINE_CONSUMER}.>"]},
            "subscribe": {"allow": ["gate.*.call.>", "gate.*.tokens", f"{inbox_prefix('gate')}.>"]},
            "allow_responses": True,
        },
        "tools": {
            "publish": {"allow": ["$SRV.>", "notifications.>"]},
            "subscribe": {"allow": ["tools.>", "$SRV.>", f"{inbox_prefix('tools')}.>"]},
            "allow_responses": True,
        },
    }
    for graph in graphs:
        user = runtime_user(graph)
        users[user] = {
            "publish": {"allow": [f"gate.{graph}.>", "runs.completed", "events.deadletter", *_consumer_api(graph)]},
            "subscribe": {"allow": [f"{inbox_prefix(user)}.>"]},
        }
    return users


def server_users(passwords: dict[str, str], graphs: Mapping[str, str] | Iterable[str]) -> list[dict[str, Any]]:
    """The `authorization.users` list of a nats-server config; `passwords` may hold bcrypt hashes."""
    table = permissions(graphs)
    missing = sorted(set(table) - set(passwords))
    if missing:
        raise BusUserError(f"no password for bus users {', '.join(missing)}")
    out = []
    for user, perms in table.items():
        perms = dict(perms)
        entry: dict[str, Any] = {"user": user, "password": passwords[user]}
        allow_responses = perms.pop("allow_responses", False)
        if allow_responses:
            perms["allow_responses"] = True
        entry["permissions"] = perms
        out.append(entry)
    return out
