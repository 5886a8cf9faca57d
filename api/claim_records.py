"""A claim's record for the assistant: the stored trigger event of the claim's latest run, as the gate reads it.

The EVENTS stream is the record of truth (only `ingest` can publish it); the run journal says which stream
message a claim's run came from (`run-<graph>-<seq>`). Events sealed at rest are opened with the event key.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from api.journal import RunJournal

log = logging.getLogger(__name__)
FetchEvent = Callable[[int], Awaitable[bytes]]


class StoredClaims:
    """Looks a claim up by its id: newest run with that key in the journal -> its stored event."""

    def __init__(self, journal: RunJournal, fetch: FetchEvent, event_key: bytes | None = None,
                 graph: str = "claims_triage") -> None:
        self.journal = journal
        self.fetch = fetch
        self.event_key = event_key
        self.graph = graph

    async def get(self, claim_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(the claim event, its latest run) or None when no run of this claim is known."""
        runs = self.journal.runs(graph=self.graph, key=claim_id, limit=1)
        if not runs:
            return None
        seq = runs[0]["run_id"].rsplit("-", 1)[-1]
        if not seq.isdigit():
            return None
        try:
            payload = json.loads(await self.fetch(int(seq)))
            if self.event_key:
                from guardrails.event_seal import open_event

                payload = open_event(payload, self.event_key, allow_plain=True)
        except Exception as exc:  # gone from the stream, or unreadable: the assistant says it has no record
            log.warning("claim %s: stored event unreadable: %s", claim_id, type(exc).__name__)
            return None
        return (payload, runs[0]) if isinstance(payload, dict) else None


def claim_documents(event: dict[str, Any], run: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(doc id, title, text, trusted) for a claim: its record (trusted) and the claimant's statement (untrusted).
    Raw text: the caller redacts before anything is indexed or prompted."""
    cid = str(event.get("claim_id", "?"))
    attachments = event.get("attachments") or {}
    record = (f"Claim {cid} is a {event.get('claim_type', 'unknown')} claim under policy {event.get('policy_number', '?')} "
              f"for {event.get('amount_claimed', '?')} {event.get('currency', '')}, incident on {event.get('incident_date', '?')}, "
              f"submitted on {event.get('submitted_at', '?')}, with {event.get('prior_claims', 0)} prior claims. "
              f"Receipts attached: {'yes' if attachments.get('receipts') else 'no'}; police report attached: "
              f"{'yes' if attachments.get('police_report') else 'no'}. Its run {run['run_id']} is {run['status']}"
              + (f" with decision {run['decision']}." if run.get("decision") else "."))
    docs = [(f"claim:{cid}", f"Claim record {cid}", record, True)]
    if event.get("document"):
        docs.append((f"claim:{cid}:statement", f"Claimant's statement for {cid} (untrusted)", str(event["document"]), False))
    return docs
