"""Human approvals: bound to one call (run, tool, argument hash, idempotency key), decided once by an authenticated
person holding the role asked for (never the requester), used by exactly one execution, and expiring.

Every state change is a compare-and-set on the row's status, so two adjusters (or an adjuster and the expiry
sweep) cannot both decide one approval, and two executions cannot both use it.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from guardrails.contracts import Principal

Status = Literal["pending", "approved", "denied", "expired"]
OVERRIDE_ROLES = ("admin",)


class ApprovalError(ValueError):
    """An approval that does not exist, may not be decided by this person, or can no longer be used.

    Messages never echo caller-supplied text (an approval id is the caller's)."""


class Approval(BaseModel):
    id: str
    run_id: str
    graph: str
    tool: str
    role: str
    reason: str
    args: dict[str, Any]  # redacted: what the approver may see
    args_hash: str
    idempotency_key: str = ""
    requested_by: str = ""
    facts: dict[str, Any] = Field(default_factory=dict)  # what the approver needs to decide (no raw PII)
    policy_bundle: str
    status: Status
    created_at: float
    expires_at: float
    decided_by: str | None = None
    decided_role: str | None = None  # the role the approver held that satisfied the request
    used_key: str | None = None  # the idempotency key of the one execution that used it
    announced: bool = False  # the answer was published to the waiting run (see GateService.announce_decisions)

    @property
    def effective_status(self) -> Status:
        """Pending and approved approvals expire at `expires_at`: an approval is not a standing permission."""
        if self.status in ("pending", "approved") and time.time() > self.expires_at and self.used_key is None:
            return "expired"
        return self.status


def args_hash(tool: str, args: dict[str, Any]) -> str:
    """The fingerprint an approval is bound to: changing any argument invalidates the approval."""
    canonical = json.dumps({"tool": tool, "args": args}, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def approving_role(approval: Approval, approver: Principal) -> str:
    """The role under which `approver` may decide `approval`; ApprovalError when none."""
    if approver.id == approval.requested_by:
        raise ApprovalError("an approval cannot be decided by the principal that requested it")
    if approval.role in approver.roles:
        return approval.role
    for role in OVERRIDE_ROLES:
        if role in approver.roles:
            return role
    raise ApprovalError(f"deciding this approval needs the {approval.role} role")


def decided(approval: Approval, *, approve: bool, approver: Principal) -> Approval:
    """The approval as `approver` decides it, before any store writes it (compare-and-set on `pending`): refused
    unless it is still pending and the approver may answer it."""
    if approval.status != "pending":
        raise ApprovalError(f"approval is {approval.status}, not pending")
    role = approving_role(approval, approver)
    approval.status = "approved" if approve else "denied"
    approval.decided_by = approver.id
    approval.decided_role = role
    return approval


class ApprovalStore:
    """SQLite-backed queue (status in its own column for compare-and-set)."""

    def __init__(self, db_path, ttl_s: float = 24 * 3600.0) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute("CREATE TABLE IF NOT EXISTS approvals_v2 (id TEXT PRIMARY KEY, status TEXT NOT NULL, "
                         "used_key TEXT, body TEXT NOT NULL)")
        self._lock = threading.Lock()

    def create(self, *, run_id: str, graph: str, tool: str, role: str, reason: str, redacted_args: dict[str, Any],
               hash_: str, policy_bundle: str, idempotency_key: str = "", requested_by: str = "",
               facts: dict[str, Any] | None = None) -> Approval:
        now = time.time()
        approval = Approval(id="apr-" + uuid.uuid4().hex[:12], run_id=run_id, graph=graph, tool=tool, role=role,
                            reason=reason, args=redacted_args, args_hash=hash_, idempotency_key=idempotency_key,
                            requested_by=requested_by, facts=facts or {}, policy_bundle=policy_bundle,
                            status="pending", created_at=now, expires_at=now + self.ttl_s)
        with self._lock:
            self._db.execute("INSERT INTO approvals_v2 VALUES (?,?,?,?)",
                             (approval.id, approval.status, None, approval.model_dump_json()))
        return approval

    def get(self, approval_id: str) -> Approval:
        with self._lock:
            row = self._db.execute("SELECT body FROM approvals_v2 WHERE id = ?", (approval_id,)).fetchone()
        if not row:
            raise ApprovalError("no such approval")
        approval = Approval.model_validate_json(row[0])
        approval.status = approval.effective_status
        return approval

    def list(self, status: Status | None = "pending") -> list[Approval]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM approvals_v2").fetchall()
        items = []
        for (body,) in rows:
            a = Approval.model_validate_json(body)
            a.status = a.effective_status
            if status is None or a.status == status:
                items.append(a)
        return sorted(items, key=lambda a: a.created_at)

    def expire_due(self, now: float | None = None) -> list[Approval]:
        """Mark pending approvals past their deadline as expired (a denial) and return them."""
        now = now or time.time()
        expired = []
        for approval in self._stored_with("status = 'pending'"):
            if now > approval.expires_at:
                approval.status = "expired"
                if self._cas(approval, expect="pending"):
                    expired.append(approval)
        return expired

    def unannounced(self) -> list[Approval]:
        """Answered (approved, denied or expired) but not yet delivered to the waiting run."""
        return [a for a in self._stored_with("status != 'pending'") if not a.announced]

    def mark_announced(self, approval_id: str) -> None:
        approval = self._stored(approval_id)
        approval.announced = True
        self._cas(approval, expect=approval.status)

    def decide(self, approval_id: str, *, approve: bool, approver: Principal) -> Approval:
        """Approve or deny, once, as an authenticated person holding the role asked for (compare-and-set)."""
        approval = decided(self.get(approval_id), approve=approve, approver=approver)
        if not self._cas(approval, expect="pending"):
            raise ApprovalError("approval was decided by someone else meanwhile")
        return approval

    def use(self, approval_id: str, idempotency_key: str) -> None:
        """Spend an approval on one execution; the same execution retried (same key) may use it again."""
        with self._lock:
            cur = self._db.execute("UPDATE approvals_v2 SET used_key = ? WHERE id = ? AND status = 'approved' "
                                   "AND (used_key IS NULL OR used_key = ?)", (idempotency_key, approval_id, idempotency_key))
            if cur.rowcount != 1:
                raise ApprovalError("approval was already used by another call")
            row = self._db.execute("SELECT body FROM approvals_v2 WHERE id = ?", (approval_id,)).fetchone()
            approval = Approval.model_validate_json(row[0])
            approval.used_key = idempotency_key
            self._db.execute("UPDATE approvals_v2 SET body = ? WHERE id = ?", (approval.model_dump_json(), approval_id))

    def _stored_with(self, condition: str) -> list[Approval]:
        """Approvals as stored (no expiry applied) whose row matches a fixed SQL condition on `status`."""
        with self._lock:
            rows = self._db.execute(f"SELECT body FROM approvals_v2 WHERE {condition}").fetchall()
        return [Approval.model_validate_json(body) for (body,) in rows]

    def _stored(self, approval_id: str) -> Approval:
        with self._lock:
            row = self._db.execute("SELECT body FROM approvals_v2 WHERE id = ?", (approval_id,)).fetchone()
        if not row:
            raise ApprovalError("no such approval")
        return Approval.model_validate_json(row[0])

    def _cas(self, approval: Approval, *, expect: str) -> bool:
        """Write `approval` only if its stored status is still `expect`."""
        with self._lock:
            cur = self._db.execute("UPDATE approvals_v2 SET status = ?, body = ? WHERE id = ? AND status = ?",
                                   (approval.status, approval.model_dump_json(), approval.id, expect))
        return cur.rowcount == 1
