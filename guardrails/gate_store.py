"""The gate's own memory of past effects: totals paid per claim, units reserved, calls per minute.

Payments in flight count too: the gate holds a payment's amount from the moment it allows the call until
the tool answers, so concurrent calls for one claim cannot each see the old total and together pass the
per-claim limit. A call's own idempotency key is left out of the total it is judged against, so a retry
of a payment already made is judged as that payment, not as a second one.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path


class GateStore:
    """State the policy needs as input. Kept by the gate, never by the agent, so a model cannot reset it."""

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS paid (idempotency_key TEXT PRIMARY KEY, claim_id TEXT, amount REAL);"
            "CREATE INDEX IF NOT EXISTS paid_claim ON paid(claim_id);"
            "CREATE TABLE IF NOT EXISTS held (idempotency_key TEXT PRIMARY KEY, claim_id TEXT, amount REAL);"
            "CREATE INDEX IF NOT EXISTS held_claim ON held(claim_id);"
            "CREATE TABLE IF NOT EXISTS fraud (claim_id TEXT PRIMARY KEY, band TEXT, score REAL);"
            "CREATE TABLE IF NOT EXISTS reserved (idempotency_key TEXT PRIMARY KEY, principal TEXT, quantity INTEGER);"
            "CREATE INDEX IF NOT EXISTS reserved_principal ON reserved(principal);"
        )
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], list[float]] = {}

    def claim_paid_total(self, claim_id: str, *, excluding: str | None = None) -> float:
        """Paid plus held (in flight) for the claim, leaving out the payment with idempotency key `excluding`."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM ("
                " SELECT idempotency_key, amount FROM paid WHERE claim_id = ?"
                " UNION ALL SELECT idempotency_key, amount FROM held WHERE claim_id = ?"
                ") WHERE idempotency_key IS NOT ?", (claim_id, claim_id, excluding)).fetchone()
        return float(row[0])

    def hold_payment(self, idempotency_key: str, claim_id: str, amount: float) -> None:
        """Count an allowed payment toward its claim's total before the tool is called."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO held VALUES (?,?,?)", (idempotency_key, claim_id, amount))

    def release_payment(self, idempotency_key: str) -> None:
        """The tool refused the payment outright: it no longer counts."""
        with self._lock:
            self._db.execute("DELETE FROM held WHERE idempotency_key = ?", (idempotency_key,))

    def record_payment(self, idempotency_key: str, claim_id: str, amount: float) -> None:
        """The tool paid: the hold (if any) becomes a payment."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT OR IGNORE INTO paid VALUES (?,?,?)", (idempotency_key, claim_id, amount))
                self._db.execute("DELETE FROM held WHERE idempotency_key = ?", (idempotency_key,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record_fraud(self, claim_id: str, band: str, score: float) -> None:
        """The last score the gate itself saw for a claim; payments policy reads it."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO fraud VALUES (?,?,?)", (claim_id, band, score))

    def fraud_band(self, claim_id: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT band FROM fraud WHERE claim_id = ?", (claim_id,)).fetchone()
        return row[0] if row else "unscored"

    def principal_reserved_total(self, principal: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(SUM(quantity), 0) FROM reserved WHERE principal = ?", (principal,)).fetchone()
        return int(row[0])

    def record_reservation(self, idempotency_key: str, principal: str, quantity: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO reserved VALUES (?,?,?)", (idempotency_key, principal, quantity))

    def count_call(self, principal: str, tool: str, now: float | None = None) -> int:
        """Record a call and return how many this principal made to this tool in the minute before it."""
        now = now or time.monotonic()
        with self._lock:
            window = [t for t in self._calls.get((principal, tool), []) if now - t < 60.0]
            before = len(window)
            window.append(now)
            self._calls[(principal, tool)] = window
        return before
