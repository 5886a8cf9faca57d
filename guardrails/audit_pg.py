"""The audit trail (guardrails/audit.py) in Postgres: one hash chain shared by every gate on the database.

Same public methods and records as the SQLite `AuditLog`. Appending reads the chain's head and inserts the next
record under one advisory lock held to commit, so two gates appending at once extend the chain one after the
other, never both from the same head, and sequence numbers follow the chain's order.
"""
from __future__ import annotations

import json
from typing import Any

from psycopg_pool import ConnectionPool

from guardrails.audit import GENESIS, AuditRecord, ChainBroken, _digest
from guardrails.stores_pg import apply_schema

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gate_audit (seq BIGSERIAL PRIMARY KEY, run_id TEXT, body TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_audit_run ON gate_audit(run_id)",
)
HEAD_LOCK = 0x5741_5241  # the chain's head: one appender at a time across every gate


class PgAuditLog:
    """Hash-chained, append-only, shared. `verify` recomputes the chain and names the first broken record."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        apply_schema(pool, SCHEMA)

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Append one record; returns it as stored (with seq, prev_hash, hash) for publishing on `audit.>`."""
        body = record.model_dump_json()
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (HEAD_LOCK,))
            row = conn.execute("SELECT hash FROM gate_audit ORDER BY seq DESC LIMIT 1").fetchone()
            prev = row[0] if row else GENESIS
            digest = _digest(prev, body)
            (seq,) = conn.execute("INSERT INTO gate_audit (run_id, body, prev_hash, hash) VALUES (%s,%s,%s,%s)"
                                  " RETURNING seq", (record.run_id, body, prev, digest)).fetchone()
        return {"seq": seq, **json.loads(body), "prev_hash": prev, "hash": digest}

    def records(self, run_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT seq, body, prev_hash, hash FROM gate_audit", ()
        if run_id:
            sql, params = sql + " WHERE run_id = %s", (run_id,)
        sql += " ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self.pool.connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [{"seq": s, **json.loads(b), "prev_hash": p, "hash": h} for s, b, p, h in rows]

    def since(self, after_seq: int, limit: int = 200) -> list[dict[str, Any]]:
        """Records after `after_seq`, oldest first (the staff API's run timelines tail the trail with this).
        Appends commit in seq order (the head lock is held to commit), so a reader never skips a late commit."""
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT seq, body, prev_hash, hash FROM gate_audit WHERE seq > %s ORDER BY seq LIMIT %s",
                                (after_seq, int(limit))).fetchall()
        return [{"seq": s, **json.loads(b), "prev_hash": p, "hash": h} for s, b, p, h in rows]

    def verify(self) -> int:
        """Recompute the chain; returns the number of records, or raises ChainBroken at the first bad one."""
        prev, count = GENESIS, 0
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT seq, body, prev_hash, hash FROM gate_audit ORDER BY seq").fetchall()
        for seq, body, stored_prev, stored_hash in rows:
            if stored_prev != prev:
                raise ChainBroken(f"record {seq}: does not follow the record before it (deleted or reordered)")
            if _digest(prev, body) != stored_hash:
                raise ChainBroken(f"record {seq}: contents do not match its hash (modified)")
            prev = stored_hash
            count += 1
        return count

    def close(self) -> None:
        """Nothing of its own to close: the pool is shared with the gate's other stores."""
