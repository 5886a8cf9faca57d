"""Telling a waiting run that a human (or the clock) has answered its approval."""
from __future__ import annotations

import json

from guardrails.approvals import Approval
from warden.trace_context import publishing

DECIDED_PREFIX = "events.approvals.decided"


def decided_subject(graph: str) -> str:
    return f"{DECIDED_PREFIX}.{graph}"


async def announce(js, approval: Approval) -> None:
    """Publish the answer as a durable event; the runtime resumes the run from its checkpoint."""
    payload = {"run_id": approval.run_id,
               "resume": {"approved": approval.status == "approved", "by": approval.decided_by or approval.status,
                          "approval_id": approval.id, "status": approval.status}}
    subject = decided_subject(approval.graph)
    with publishing(subject, {"Nats-Msg-Id": f"{approval.id}:{approval.status}"}) as headers:
        await js.publish(subject, json.dumps(payload).encode(), headers=headers)
