"""What fills the run journal: the gate's audit trail (read-only, polled), and `runs.completed` from the bus.

The audit trail is the record of truth for what each run asked and what the gate decided; reading it by its
own sequence number (cursor kept in the journal) means a restart of the API misses nothing and repeats nothing.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from api.journal import RunJournal

log = logging.getLogger(__name__)
AUDIT_CURSOR = "audit_seq"
AUDIT_FIELDS = ("tool", "step", "principal", "decision", "reasons", "args", "redactions", "result_status",
                "approval_id", "policy_bundle")


class AuditTail:
    """Copies new audit records into the journal as `tool.decision` events of their run, every `interval_s`."""

    def __init__(self, audit_db: Path, journal: RunJournal, *, interval_s: float = 0.2, audit: Any = None) -> None:
        """`audit`: the gate's trail object; one with `since(after_seq, limit)` (any backend) is read through it,
        else the SQLite file `audit_db` is read directly, read-only."""
        self.audit_db = audit_db
        self.audit = audit if callable(getattr(audit, "since", None)) else None
        self.journal = journal
        self.interval_s = interval_s
        self._task: asyncio.Task | None = None
        self._db: sqlite3.Connection | None = None
        self._polling = asyncio.Lock()
        # A cancelled catch_up leaves its poll running in its worker thread: closing the connection under it
        # crashed the process (SIGSEGV in sqlite). The connection is used and closed under this lock only.
        self._db_lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="api:audit-tail")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._db_lock:  # waits for a poll still running in its thread
            self._closed = True
            if self._db is not None:
                self._db.close()
                self._db = None

    async def catch_up(self) -> None:
        """Copy everything the trail holds now (one poller at a time, so the cursor only moves forward)."""
        async with self._polling:
            while await asyncio.to_thread(self.poll) >= 200:
                pass  # a full page: more may follow at once

    async def _loop(self) -> None:
        while True:
            try:
                await self.catch_up()
            except Exception as exc:  # the trail is not there yet, or busy: try again next tick
                log.debug("audit tail: %s", exc)
            await asyncio.sleep(self.interval_s)

    def poll(self, page: int = 200) -> int:
        """Copy up to `page` records after the cursor; returns how many were read (0 once stopped)."""
        with self._db_lock:
            return 0 if self._closed else self._poll(page)

    def _poll(self, page: int) -> int:
        after = self.journal.cursor(AUDIT_CURSOR)
        if self.audit is not None:
            rows = [(r["seq"], r) for r in self.audit.since(after, page)]
        else:
            if self._db is None:
                if not self.audit_db.exists():
                    return 0
                self._db = sqlite3.connect(f"file:{self.audit_db}?mode=ro", uri=True, check_same_thread=False)
            rows = [(seq, json.loads(body)) for seq, body in
                    self._db.execute("SELECT seq, body FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, page))]
        for seq, record in rows:
            if record.get("run_id"):
                self.journal.record(record["run_id"], "tool.decision", audit_event(seq, record),
                                    source_key=f"audit:{seq}", graph=record.get("graph", ""), at=record.get("at"))
            self.journal.set_cursor(AUDIT_CURSOR, seq)
        return len(rows)


def audit_event(seq: int, record: dict[str, Any]) -> dict[str, Any]:
    """What a run's timeline shows of one gate decision: redacted arguments, reasons, the approval it opened."""
    return {"audit_seq": seq, **{k: record.get(k) for k in AUDIT_FIELDS}}


async def follow_runs_completed(nc: Any, journal: RunJournal, tail: AuditTail | None = None) -> Any:
    """Subscribe to `runs.completed`; each announcement becomes a `run.<status>` event and the run's status.

    The audit trail is read up to now first, so a run's last decisions come before its end in the timeline."""

    async def on_msg(msg: Any) -> None:
        if tail is not None:
            try:
                await tail.catch_up()
            except Exception as exc:
                log.debug("audit tail before run end: %s", exc)
        try:
            data = json.loads(msg.data)
            run_id, status = str(data["run_id"]), str(data.get("status", ""))
        except (ValueError, KeyError, TypeError):
            return
        decision = data.get("decision")
        keep = status if status in ("completed", "failed", "waiting") else None  # "skipped" changes nothing
        journal.record(run_id, f"run.{status or 'unknown'}", {"status": status, "decision": decision, "key": data.get("key")},
                       source_key=f"run:{run_id}:{status}:{decision}", graph=str(data.get("graph", "")),
                       key=data.get("key"), status=keep, decision=decision if keep else None)

    return await nc.subscribe("runs.completed", cb=on_msg)
