"""The run journal: every run the staff API knows of, and each run's events in one durable, numbered sequence.

Events come from durable sources (the gate's audit trail, approvals, `runs.completed`) and are written here once
each (`source_key` is unique), so a replayed source adds nothing. The sequence number is the SSE event id: a
client that reconnects with `Last-Event-ID: N` is sent exactly the events after N, from disk, not from memory.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from guardrails.audit import DISPATCHED

TERMINAL = ("completed", "failed")


class RunJournal:
    """SQLite (`<data_dir>/api.db`): the `runs` index and the `run_events` log, plus feed cursors."""

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, graph TEXT NOT NULL DEFAULT '', "
                         "key TEXT, status TEXT NOT NULL, decision TEXT, started_at REAL NOT NULL, updated_at REAL NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS run_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, "
                         "kind TEXT NOT NULL, body TEXT NOT NULL, at REAL NOT NULL, source_key TEXT UNIQUE)")
        self._db.execute("CREATE INDEX IF NOT EXISTS run_events_run ON run_events(run_id, seq)")
        self._db.execute("CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        self._lock = threading.Lock()
        self._waiters: set[asyncio.Future] = set()

    # -- writing ----------------------------------------------------------------------------------------
    def record(self, run_id: str, kind: str, body: dict[str, Any], *, source_key: str, graph: str = "",
               key: str | None = None, status: str | None = None, decision: str | None = None,
               at: float | None = None) -> int | None:
        """Append one event (once per `source_key`) and update the run's row; returns its seq, or None if seen."""
        at = at or time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute("INSERT OR IGNORE INTO run_events(run_id, kind, body, at, source_key) "
                                       "VALUES (?,?,?,?,?)", (run_id, kind, json.dumps(body, default=str), at, source_key))
                seq = cur.lastrowid if cur.rowcount == 1 else None
                if seq is not None:
                    self._upsert_run(run_id, graph, key, status, decision, at)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if seq is not None:
            self._wake()
        return seq

    def _upsert_run(self, run_id: str, graph: str, key: str | None, status: str | None, decision: str | None,
                    at: float) -> None:
        row = self._db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            self._db.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?)",
                             (run_id, graph, key, status or "running", decision, at, at))
            return
        # a late gate event never reopens a finished run; a status from runs.completed always wins
        new_status = status or (row[0] if row[0] in TERMINAL or row[0] == "waiting" else "running")
        self._db.execute("UPDATE runs SET graph = CASE WHEN ? != '' THEN ? ELSE graph END, key = COALESCE(?, key), "
                         "status = ?, decision = COALESCE(?, decision), updated_at = ? WHERE run_id = ?",
                         (graph, graph, key, new_status, decision, at, run_id))

    def cursor(self, name: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def set_cursor(self, name: str, value: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (name, value))

    # -- reading ----------------------------------------------------------------------------------------
    def events(self, run_id: str, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        """The run's events with seq > `after`, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT seq, kind, body, at FROM run_events WHERE run_id = ? AND seq > ? "
                                    "ORDER BY seq LIMIT ?", (run_id, after, limit)).fetchall()
        return [{"seq": s, "kind": k, "data": json.loads(b), "at": a} for s, k, b, a in rows]

    def run(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return _run_row(row) if row else None

    def runs(self, *, graph: str | None = None, status: str | None = None, key: str | None = None,
             since: float | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Runs, newest first, filtered by graph, status, business key and start time."""
        sql, params = "SELECT * FROM runs WHERE 1=1", []
        for column, value in (("graph", graph), ("status", status), ("key", key)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if since is not None:
            sql += " AND started_at >= ?"
            params.append(since)
        sql += " ORDER BY started_at DESC, run_id LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_run_row(r) for r in rows]

    def counts(self) -> dict[str, list[tuple[str, str, int]]]:
        """Runs by (graph, status) and gate decisions by (tool, decision), for /metrics.

        An allowed call has two records (`dispatched` before the effect, its result after): counted once, by its
        result record."""
        with self._lock:
            runs = self._db.execute("SELECT graph, status, COUNT(*) FROM runs GROUP BY graph, status").fetchall()
            calls = self._db.execute("SELECT json_extract(body, '$.tool'), json_extract(body, '$.decision'), COUNT(*) "
                                     "FROM run_events WHERE kind = 'tool.decision'"
                                     " AND COALESCE(json_extract(body, '$.result_status'), '') <> ?"
                                     " GROUP BY 1, 2", (DISPATCHED,)).fetchall()
        return {"runs": runs, "decisions": calls}

    # -- waiting for news -------------------------------------------------------------------------------
    async def wait(self, timeout_s: float) -> bool:
        """True when any event is recorded (in this process) before `timeout_s` has passed."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.add(future)
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout_s)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiters.discard(future)

    def _wake(self) -> None:
        for future in list(self._waiters):
            loop = future.get_loop()
            loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))

    def close(self) -> None:
        self._db.close()


def _run_row(row: tuple) -> dict[str, Any]:
    run_id, graph, key, status, decision, started, updated = row
    return {"run_id": run_id, "graph": graph, "key": key, "status": status, "decision": decision,
            "started_at": started, "updated_at": updated}
