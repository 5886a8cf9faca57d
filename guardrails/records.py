"""The facts of a run, read by the gate from the stored event that started it, never from the caller.

A run on the bus is named after its event's sequence in the EVENTS stream (`run-<graph>-<seq>`). Only the
`ingest` user may publish trigger events, so the gate fetches that stored event, checks it is a trigger of the
calling graph, opens its sealed fields and derives the record the policy reads (`input.context`). A caller
that names a run of another graph, a sequence that is not a trigger event, or a forged context gets a deny.
"""
from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from warden.keyed_subjects import parse_stored

RUN_ID = re.compile(r"^run-([a-z][a-z0-9_]{0,40})-([0-9]{1,19})$")

StoredEvent = tuple[str, bytes]
"""(subject, data) of one message of the EVENTS stream."""


class UnknownRun(LookupError):
    """The run id names no trigger event of the calling graph; the message is safe to show and audit."""


RecordView = Callable[[dict[str, Any]], dict[str, Any]]
"""A stored trigger event -> the record the policy reads as `input.context` (the trusted system's fields only)."""

FactCheck = Callable[[dict[str, Any], dict[str, Any]], list[str]]
"""(a call's resolved arguments, the run's record) -> names of arguments that disagree with the record. Raises
ValueError when the record cannot decide; either way the gate denies the call."""


def no_record(event: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class RecordSpec:
    """How the gate reads one graph's trigger events. The application hands these in (from the graph packages);
    the gate itself names no graph."""

    subject: str
    key_field: str | None = None
    view: RecordView = no_record
    record_name: str = "run"
    """What the record is called in a deny reason ("the claim record")."""
    checks: Mapping[str, FactCheck] = field(default_factory=dict)
    tools: frozenset[str] | None = None
    """The tools the graph declares; a run calling any other is denied. None: whatever the policy grants."""


@dataclass(frozen=True)
class RunFacts:
    """What the gate knows of a run: which graph, which stored event, and the record derived from it."""

    graph: str
    run_id: str
    seq: int
    subject: str
    event: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    """The business key of the run (its event's key field: a claim id), when the event has one."""
    checks: Mapping[str, FactCheck] = field(default_factory=dict)
    """Tool -> how its arguments are checked against this run's record."""
    record_name: str = "run"
    tools: frozenset[str] | None = None


def parse_run_id(run_id: str) -> tuple[str, int]:
    match = RUN_ID.match(run_id)
    if not match:
        raise UnknownRun("run id does not name a stored event (run-<graph>-<sequence>)")
    return match.group(1), int(match.group(2))


class RunRecords:
    """Reads run facts from the EVENTS stream, with a bounded cache (events are immutable once stored)."""

    def __init__(self, fetch: Callable[[int], Awaitable[StoredEvent]], graphs: Mapping[str, RecordSpec | str],
                 open_event: Callable[[dict[str, Any]], dict[str, Any]] | None = None, cache_size: int = 4096) -> None:
        """`graphs`: graph name -> how to read its trigger events (a bare subject: events with no record)."""
        self._fetch = fetch
        self.specs = {name: spec if isinstance(spec, RecordSpec) else RecordSpec(spec) for name, spec in graphs.items()}
        self.triggers = {name: spec.subject for name, spec in self.specs.items()}
        self._open = open_event
        self._cache: OrderedDict[str, RunFacts] = OrderedDict()
        self._cache_size = cache_size

    async def facts(self, graph: str, run_id: str) -> RunFacts:
        """The facts of `run_id`, which must be a run of `graph`."""
        cached = self._cache.get(run_id)
        if cached is not None:
            if cached.graph != graph:
                raise UnknownRun("run belongs to another graph")
            return cached
        run_graph, seq = parse_run_id(run_id)
        if run_graph != graph:
            raise UnknownRun("run belongs to another graph")
        spec = self.specs.get(graph)
        if spec is None:
            raise UnknownRun("graph has no trigger subject")
        subject = spec.subject
        try:
            stored_subject, data = await self._fetch(seq)
        except Exception:
            raise UnknownRun("no stored event for this run") from None
        keyed = parse_stored(stored_subject)
        if stored_subject != subject and (keyed is None or keyed.trigger != subject):
            raise UnknownRun(f"the run's stored event is not on {subject}")
        event = self._decode(data)
        key = event.get(spec.key_field) if spec.key_field else None
        if keyed is not None and keyed.key != key:  # the runtime refuses such an event: no run of it can exist
            raise UnknownRun("the run's stored event names another key in its subject than in its body")
        facts = RunFacts(graph=graph, run_id=run_id, seq=seq, subject=subject, event=event, context=spec.view(event),
                         key=key if isinstance(key, str) else None, checks=spec.checks,
                         record_name=spec.record_name, tools=spec.tools)
        self._cache[run_id] = facts
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return facts

    def _decode(self, data: bytes) -> dict[str, Any]:
        try:
            event = json.loads(data)
        except ValueError:
            raise UnknownRun("the run's stored event is not JSON") from None
        if not isinstance(event, dict):
            raise UnknownRun("the run's stored event is not an object")
        if self._open is not None:
            try:
                event = self._open(event)
            except Exception:
                raise UnknownRun("the run's stored event cannot be opened (sealed under another key?)") from None
        return event
