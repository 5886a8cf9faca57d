"""Telling a waiting run that a human (or the clock) has answered its approval."""
from __future__ import annotations

import json

from guardrails.approvals import Approval
from warden.keyed_subjects import DECIDED_PREFIX, decided_subject, parse_stored
from warden.trace_context import publishing

__all__ = ["DECIDED_PREFIX", "announce", "decided_subject", "run_partition"]


async def run_partition(js, run_id: str) -> int | None:
    """The partition of the run's stored event when it came keyed (its answer queues behind that key's events),
    else None. A run id names its event (`run-<graph>-<sequence>`); a lookup the bus refuses for a while raises,
    so the sweep delivers the answer later rather than out of order."""
    from nats.js.errors import NotFoundError

    _, _, seq = run_id.rpartition("-")
    if not run_id.startswith("run-") or not seq.isdigit():
        return None
    try:
        stored = await js.get_msg("EVENTS", int(seq))
    except NotFoundError:  # the event aged out of the stream: no key to queue behind
        return None
    keyed = parse_stored(stored.subject or "")
    return keyed.partition if keyed else None


async def announce(js, approval: Approval) -> None:
    """Publish the answer as a durable event; the runtime resumes the run from its checkpoint."""
    payload = {"run_id": approval.run_id,
               "resume": {"approved": approval.status == "approved", "by": approval.decided_by or approval.status,
                          "approval_id": approval.id, "status": approval.status}}
    partition = await run_partition(js, approval.run_id)
    subject = decided_subject(approval.graph, partition)
    with publishing(subject, {"Nats-Msg-Id": f"{approval.id}:{approval.status}"}) as headers:
        await js.publish(subject, json.dumps(payload).encode(), headers=headers)
