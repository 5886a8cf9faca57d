"""The facts of a run, read by the gate from the stored event that started it, never from the caller.

A run on the bus is named after its event's sequence in the EVENTS stream (`run-<graph>-<seq>`). Only the
`ingest` user may publish trigger events, so the gate fetches that stored event, checks it is a trigger of the
calling graph, opens its sealed fields and derives the record the policy reads (`input.context`). A caller
that names a run of another graph, a sequence that is not a trigger event, or a forged context gets a deny.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

RUN_ID = re.compile(r"^run-([a-z][a-z0-9_]{0,40})-([0-9]{1,19})$")

StoredEvent = tuple[str, bytes]
"""(subject, data) of one message of the EVENTS stream."""


class UnknownRun(LookupError):
    """The run id names no trigger event of the calling graph; the message is safe to show and audit."""


@dataclass(frozen=True)
class RunFacts:
    """What the gate knows of a run: which graph, which stored event, and the record derived from it."""

    graph: str
    run_id: str
    seq: int
    subject: str
    event: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str | None:
        """The business key of the run's subject (a claim id), when the record has one."""
        claim = self.context.get("claim") or {}
        return claim.get("claim_id")


def claim_view(event: dict[str, Any]) -> dict[str, Any]:
    """The claim record the payment and notification rules read: the claims system's fields, never the document."""
    claimant = event.get("claimant") if isinstance(event.get("claimant"), dict) else {}
    return {"claim": {
        "claim_id": event.get("claim_id"), "claim_type": event.get("claim_type"),
        "payee_account_on_file": event.get("payee_account_on_file"),
        "claimant_email": claimant.get("email"), "claimant_phone": claimant.get("phone"),
        "claimant_name": claimant.get("name"),
        "amount_claimed": event.get("amount_claimed"), "currency": event.get("currency"),
        "incident_date": event.get("incident_date"), "policy_start": event.get("policy_start"),
        "submitted_at": event.get("submitted_at"), "prior_claims": event.get("prior_claims"),
        "attachments": event.get("attachments") if isinstance(event.get("attachments"), dict) else {},
    }}


RECORD_VIEWS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"events.claims.submitted": claim_view}
"""Trigger subject -> the record view of its events. Subjects without a view give the policy no record."""


def parse_run_id(run_id: str) -> tuple[str, int]:
    match = RUN_ID.match(run_id)
    if not match:
        raise UnknownRun("run id does not name a stored event (run-<graph>-<sequence>)")
    return match.group(1), int(match.group(2))


class RunRecords:
    """Reads run facts from the EVENTS stream, with a bounded cache (events are immutable once stored)."""

    def __init__(self, fetch: Callable[[int], Awaitable[StoredEvent]], triggers: dict[str, str],
                 open_event: Callable[[dict[str, Any]], dict[str, Any]] | None = None, cache_size: int = 4096) -> None:
        self._fetch = fetch
        self.triggers = dict(triggers)
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
        subject = self.triggers.get(graph)
        if subject is None:
            raise UnknownRun("graph has no trigger subject")
        try:
            stored_subject, data = await self._fetch(seq)
        except Exception:
            raise UnknownRun("no stored event for this run") from None
        if stored_subject != subject:
            raise UnknownRun(f"the run's stored event is not on {subject}")
        event = self._decode(data)
        facts = RunFacts(graph=graph, run_id=run_id, seq=seq, subject=subject, event=event,
                         context=RECORD_VIEWS.get(subject, lambda e: {})(event))
        self._cache[run_id] = facts
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return facts

    def _decode(self, data: bytes) -> dict[str, Any]:
        import json

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
