"""The audit trail: append-only SQLite, each record carrying the hash of the one before it."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from guardrails.sqlite_tx import write_transaction
from guardrails.wal_checkpoints import checkpoint_in_background

GENESIS = "sha256:" + "0" * 64
DISPATCHED = "dispatched"
"""`result_status` of the record an allowed call gets before its effect; the call's result follows in a record of
its own, chained after it. Readers that want one line per call skip these (`per_call`)."""


def per_call(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per call: an executed call's decision record is left out (its result record repeats it)."""
    return [r for r in records if r.get("result_status") != DISPATCHED]


class AuditRecord(BaseModel):
    """One gate decision as a reviewer sees it: redacted arguments only, never raw values."""

    tool: str
    run_id: str
    graph: str = ""
    step: int = 0
    principal: str = ""
    decision: str
    reasons: list[str] = Field(default_factory=list)
    args: dict[str, Any] = Field(default_factory=dict)
    redactions: list[dict[str, str]] = Field(default_factory=list)
    policy_engine: str = ""
    policy_bundle: str = ""
    result_status: str = "not_executed"
    approval_id: str | None = None
    idempotency_key: str = ""
    timing_ms: dict[str, float] = Field(default_factory=dict)
    trace_id: str = ""
    at: float = Field(default_factory=time.time)


class ChainBroken(RuntimeError):
    """A record was modified, reordered or deleted."""


def _digest(prev_hash: str, body: str) -> str:
    return "sha256:" + hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class AuditLog:
    """Hash-chained, append-only. `verify` recomputes the chain and names the first broken record."""

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        checkpoint_in_background(self, self._db, db_path)
        self._db.execute("CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, run_id TEXT, body TEXT NOT NULL,"
                         " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS audit_run ON audit(run_id)")
        self._lock = threading.Lock()

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Append one record; returns it as stored (with seq, prev_hash, hash) for publishing on `audit.>`."""
        body = record.model_dump_json()
        with self._lock:
            # Read the head inside a write transaction: several gate processes may share one trail.
            with write_transaction(self._db):
                row = self._db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                prev = row[0] if row else GENESIS
                digest = _digest(prev, body)
                cur = self._db.execute("INSERT INTO audit(run_id, body, prev_hash, hash) VALUES (?,?,?,?)",
                                       (record.run_id, body, prev, digest))
        return {"seq": cur.lastrowid, **json.loads(body), "prev_hash": prev, "hash": digest}

    def records(self, run_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT seq, body, prev_hash, hash FROM audit"
        params: tuple = ()
        if run_id:
            sql, params = sql + " WHERE run_id = ?", (run_id,)
        sql += " ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [{"seq": s, **json.loads(b), "prev_hash": p, "hash": h} for s, b, p, h in rows]

    def verify(self) -> int:
        """Recompute the chain; returns the number of records, or raises ChainBroken at the first bad one."""
        prev = GENESIS
        count = 0
        with self._lock:
            rows = self._db.execute("SELECT seq, body, prev_hash, hash FROM audit ORDER BY seq").fetchall()
        for seq, body, stored_prev, stored_hash in rows:
            if stored_prev != prev:
                raise ChainBroken(f"record {seq}: does not follow the record before it (deleted or reordered)")
            if _digest(prev, body) != stored_hash:
                raise ChainBroken(f"record {seq}: contents do not match its hash (modified)")
            prev = stored_hash
            count += 1
        return count

    def close(self) -> None:
        self._db.close()
