"""Pending human approvals, bound to the exact arguments and policy bundle they were asked for."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

Status = Literal["pending", "approved", "denied", "expired"]


class ApprovalError(ValueError):
    """An approval that does not exist or can no longer be decided."""


class Approval(BaseModel):
    id: str
    run_id: str
    graph: str
    tool: str
    role: str
    reason: str
    args: dict[str, Any]  # redacted: what the approver may see
    args_hash: str
    policy_bundle: str
    status: Status
    created_at: float
    expires_at: float
    decided_by: str | None = None
    announced: bool = False  # the answer was published to the waiting run (see GateService.announce_decisions)


def args_hash(tool: str, args: dict[str, Any]) -> str:
    """The fingerprint an approval is bound to: changing any argument invalidates the approval."""
    canonical = json.dumps({"tool": tool, "args": args}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class ApprovalStore:
    """SQLite-backed queue; expired approvals read as `expired` (and so deny)."""

    def __init__(self, db_path: Path, ttl_s: float = 24 * 3600.0) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        self._lock = threading.Lock()

    def create(self, *, run_id: str, graph: str, tool: str, role: str, reason: str, redacted_args: dict[str, Any],
               hash_: str, policy_bundle: str) -> Approval:
        now = time.time()
        approval = Approval(id="apr-" + uuid.uuid4().hex[:12], run_id=run_id, graph=graph, tool=tool, role=role,
                            reason=reason, args=redacted_args, args_hash=hash_, policy_bundle=policy_bundle,
                            status="pending", created_at=now, expires_at=now + self.ttl_s)
        with self._lock:
            self._db.execute("INSERT INTO approvals VALUES (?,?)", (approval.id, approval.model_dump_json()))
        return approval

    def get(self, approval_id: str) -> Approval:
        with self._lock:
            row = self._db.execute("SELECT body FROM approvals WHERE id = ?", (approval_id,)).fetchone()
        if not row:
            raise ApprovalError(f"no approval {approval_id!r}")
        approval = Approval.model_validate_json(row[0])
        if approval.status == "pending" and time.time() > approval.expires_at:
            approval.status = "expired"
        return approval

    def list(self, status: Status | None = "pending") -> list[Approval]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM approvals").fetchall()
        items = []
        for (body,) in rows:
            a = Approval.model_validate_json(body)
            if a.status == "pending" and time.time() > a.expires_at:
                a.status = "expired"
            if status is None or a.status == status:
                items.append(a)
        return sorted(items, key=lambda a: a.created_at)

    def expire_due(self, now: float | None = None) -> list[Approval]:
        """Mark pending approvals past their deadline as expired (a denial) and return them."""
        now = now or time.time()
        expired = []
        with self._lock:
            rows = self._db.execute("SELECT body FROM approvals").fetchall()
            for (body,) in rows:
                approval = Approval.model_validate_json(body)
                if approval.status == "pending" and now > approval.expires_at:
                    approval.status = "expired"
                    self._write(approval)
                    expired.append(approval)
        return expired

    def unannounced(self) -> list[Approval]:
        """Answered (approved, denied or expired) but not yet delivered to the waiting run."""
        return [a for a in self.list(None) if a.status != "pending" and not a.announced]

    def mark_announced(self, approval_id: str) -> None:
        approval = self.get(approval_id)
        approval.announced = True
        with self._lock:
            self._write(approval)

    def decide(self, approval_id: str, *, approve: bool, by: str) -> Approval:
        approval = self.get(approval_id)
        if approval.status != "pending":
            raise ApprovalError(f"approval {approval_id} is {approval.status}, not pending")
        approval.status = "approved" if approve else "denied"
        approval.decided_by = by
        with self._lock:
            self._write(approval)
        return approval

    def _write(self, approval: Approval) -> None:
        """Store the approval's current state (the caller holds the lock)."""
        self._db.execute("UPDATE approvals SET body = ? WHERE id = ?", (approval.model_dump_json(), approval.id))
