"""Human approvals (guardrails/approvals.py) in Postgres, shared by every gate and staff API on the database.

Same public methods and meaning as the SQLite `ApprovalStore`. Each state change is one `UPDATE ... WHERE
status = ... RETURNING`, so two adjusters on two machines cannot both decide an approval, the expiry sweep of
one gate cannot overwrite another's decision, and two executions cannot both use it.
"""
from __future__ import annotations

import time
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from guardrails.approvals import Approval, ApprovalError, Status, decided
from guardrails.contracts import Principal
from guardrails.stores_pg import apply_schema

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gate_approvals (id TEXT PRIMARY KEY, status TEXT NOT NULL, used_key TEXT,"
    " expires_at DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL, body JSONB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_approvals_status ON gate_approvals(status)",
)


def _approval(body: dict[str, Any]) -> Approval:
    """A stored approval with expiry applied: pending and approved ones lapse at `expires_at`."""
    approval = Approval.model_validate(body)
    approval.status = approval.effective_status
    return approval


class PgApprovalStore:
    """The approvals queue in Postgres (status and use in their own columns for compare-and-set)."""

    def __init__(self, pool: ConnectionPool, ttl_s: float = 24 * 3600.0) -> None:
        self.pool = pool
        self.ttl_s = ttl_s
        apply_schema(pool, SCHEMA)

    def create(self, *, run_id: str, graph: str, tool: str, role: str, reason: str, redacted_args: dict[str, Any],
               hash_: str, policy_bundle: str, idempotency_key: str = "", requested_by: str = "",
               facts: dict[str, Any] | None = None) -> Approval:
        now = time.time()
        approval = Approval(id="apr-" + uuid.uuid4().hex[:12], run_id=run_id, graph=graph, tool=tool, role=role,
                            reason=reason, args=redacted_args, args_hash=hash_, idempotency_key=idempotency_key,
                            requested_by=requested_by, facts=facts or {}, policy_bundle=policy_bundle,
                            status="pending", created_at=now, expires_at=now + self.ttl_s)
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO gate_approvals VALUES (%s,%s,NULL,%s,%s,%s)",
                         (approval.id, approval.status, approval.expires_at, approval.created_at,
                          Jsonb(approval.model_dump(mode="json"))))
        return approval

    def get(self, approval_id: str) -> Approval:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT body FROM gate_approvals WHERE id = %s", (approval_id,)).fetchone()
        if not row:
            raise ApprovalError("no such approval")
        return _approval(row[0])

    def list(self, status: Status | None = "pending") -> list[Approval]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT body FROM gate_approvals ORDER BY created_at").fetchall()
        items = [_approval(body) for (body,) in rows]
        return [a for a in items if status is None or a.status == status]

    def expire_due(self, now: float | None = None) -> list[Approval]:
        """Mark pending approvals past their deadline as expired (a denial) and return them."""
        now = now or time.time()
        with self.pool.connection() as conn:
            rows = conn.execute(
                "UPDATE gate_approvals SET status = 'expired', body = body || '{\"status\": \"expired\"}'::jsonb"
                " WHERE status = 'pending' AND expires_at < %s RETURNING body", (now,)).fetchall()
        return [Approval.model_validate(body) for (body,) in rows]

    def unannounced(self) -> list[Approval]:
        """Answered (approved, denied or expired) but not yet delivered to the waiting run."""
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT body FROM gate_approvals WHERE status <> 'pending'"
                                " AND NOT COALESCE((body->>'announced')::boolean, FALSE) ORDER BY created_at").fetchall()
        return [Approval.model_validate(body) for (body,) in rows]

    def mark_announced(self, approval_id: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE gate_approvals SET body = body || '{\"announced\": true}'::jsonb WHERE id = %s",
                         (approval_id,))

    def decide(self, approval_id: str, *, approve: bool, approver: Principal) -> Approval:
        """Approve or deny, once, as an authenticated person holding the role asked for (compare-and-set)."""
        approval = decided(self.get(approval_id), approve=approve, approver=approver)
        with self.pool.connection() as conn:
            row = conn.execute("UPDATE gate_approvals SET status = %s, body = %s WHERE id = %s AND status = 'pending'"
                               " AND expires_at >= %s RETURNING id",
                               (approval.status, Jsonb(approval.model_dump(mode="json")), approval_id,
                                time.time())).fetchone()
        if row is None:
            raise ApprovalError("approval was decided by someone else meanwhile")
        return approval

    def use(self, approval_id: str, idempotency_key: str) -> None:
        """Spend an approval on one execution; the same execution retried (same key) may use it again."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "UPDATE gate_approvals SET used_key = %s, body = jsonb_set(body, '{used_key}', to_jsonb(%s::text))"
                " WHERE id = %s AND status = 'approved' AND (used_key IS NULL OR used_key = %s) RETURNING id",
                (idempotency_key, idempotency_key, approval_id, idempotency_key)).fetchone()
        if row is None:
            raise ApprovalError("approval was already used by another call")
