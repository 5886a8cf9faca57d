"""The gate's own memory of past effects: totals paid per claim, purchase spend per day, units reserved and
who owns each reservation, calls per minute.

Everything lives in one SQLite file (WAL), so gate processes that share the data folder share the state:
the totals, the holds and the rate-limit counters hold across replicas of the gate, not only within one.

Payments in flight count too: the gate holds a payment's amount before judging it and keeps the hold until
the tool answers, so concurrent calls for one claim (in one gate process or several) cannot each see the
old total and together pass the per-claim limit. A call's own idempotency key is left out of the total it
is judged against, so a retry of a payment already made is judged as that payment, not as a second one.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from guardrails.sqlite_tx import write_transaction
from guardrails.wal_checkpoints import checkpoint_in_background


RATE_WINDOW_S = 60.0
"""The rate limits count calls in this sliding window (data.rate_limit: per run or person, per business key, per
agent across the fleet)."""


def utc_day(now: float | None = None) -> str:
    """The gate's day for daily limits: UTC, from its own clock."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))


class GateStore:
    """State the policy needs as input. Kept by the gate, never by the agent, so a model cannot reset it."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        checkpoint_in_background(self, self._db, db_path)
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS paid_minor (idempotency_key TEXT PRIMARY KEY, claim_id TEXT, amount_minor INTEGER,"
            " currency TEXT);"
            "CREATE INDEX IF NOT EXISTS paid_minor_claim ON paid_minor(claim_id);"
            "CREATE TABLE IF NOT EXISTS held_minor (idempotency_key TEXT PRIMARY KEY, claim_id TEXT, amount_minor INTEGER,"
            " currency TEXT);"
            "CREATE INDEX IF NOT EXISTS held_minor_claim ON held_minor(claim_id);"
            "CREATE TABLE IF NOT EXISTS fraud (claim_id TEXT PRIMARY KEY, band TEXT, score REAL);"
            "CREATE TABLE IF NOT EXISTS calls (principal TEXT, tool TEXT, at REAL);"
            "CREATE INDEX IF NOT EXISTS calls_key ON calls(principal, tool, at);"
            "CREATE TABLE IF NOT EXISTS reserved (idempotency_key TEXT PRIMARY KEY, principal TEXT, quantity INTEGER);"
            "CREATE INDEX IF NOT EXISTS reserved_principal ON reserved(principal);"
            "CREATE TABLE IF NOT EXISTS reservation_owner (reservation_id TEXT PRIMARY KEY, idempotency_key TEXT,"
            " principal TEXT, released INTEGER NOT NULL DEFAULT 0);"
            "CREATE TABLE IF NOT EXISTS spend_minor (idempotency_key TEXT PRIMARY KEY, day TEXT, supplier_id TEXT,"
            " amount_minor INTEGER, currency TEXT, held INTEGER NOT NULL);"
            "CREATE INDEX IF NOT EXISTS spend_minor_day ON spend_minor(day, currency);"
            "CREATE TABLE IF NOT EXISTS sends (idempotency_key TEXT PRIMARY KEY, recipient TEXT, at REAL);"
            "CREATE INDEX IF NOT EXISTS sends_recipient ON sends(recipient, at);"
        )
        self._lock = threading.Lock()
        self._counted = 0

    def claim_paid_minor(self, claim_id: str, currency: str, *, excluding: str | None = None) -> int:
        """Paid plus held (in flight) for the claim in `currency`, in minor units, leaving out key `excluding`."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM ("
                " SELECT idempotency_key, amount_minor, currency FROM paid_minor WHERE claim_id = ?"
                " UNION ALL SELECT idempotency_key, amount_minor, currency FROM held_minor WHERE claim_id = ?"
                ") WHERE idempotency_key IS NOT ? AND currency = ?", (claim_id, claim_id, excluding, currency)).fetchone()
        return int(row[0])

    def claim_currencies(self, claim_id: str, *, excluding: str | None = None) -> list[str]:
        """Currencies already paid or held on the claim (a claim is paid in one currency)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT currency FROM (SELECT idempotency_key, currency FROM paid_minor WHERE claim_id = ?"
                " UNION ALL SELECT idempotency_key, currency FROM held_minor WHERE claim_id = ?)"
                " WHERE idempotency_key IS NOT ?", (claim_id, claim_id, excluding)).fetchall()
        return sorted(r[0] for r in rows)

    def hold_payment(self, idempotency_key: str, claim_id: str, amount_minor: int, currency: str) -> bool:
        """Count a payment toward its claim's total until the tool answers. False when that key is already
        held (a retry while the first attempt is in flight), so the retry must not release it."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO held_minor VALUES (?,?,?,?)",
                                      (idempotency_key, claim_id, amount_minor, currency))
        return cursor.rowcount == 1

    def release_payment(self, idempotency_key: str) -> None:
        """The payment was denied, or the tool refused it outright: it no longer counts."""
        with self._lock:
            self._db.execute("DELETE FROM held_minor WHERE idempotency_key = ?", (idempotency_key,))

    def record_payment(self, idempotency_key: str, claim_id: str, amount_minor: int, currency: str) -> None:
        """The tool paid: the hold (if any) becomes a payment."""
        with self._lock, write_transaction(self._db):
            self._db.execute("INSERT OR IGNORE INTO paid_minor VALUES (?,?,?,?)",
                             (idempotency_key, claim_id, amount_minor, currency))
            self._db.execute("DELETE FROM held_minor WHERE idempotency_key = ?", (idempotency_key,))

    def record_fraud(self, claim_id: str, band: str, score: float) -> str:
        """A score the gate relayed for the claim's own run. A later score may raise the band, never lower it
        (lowering is an adjuster's call): a rescore cannot talk a risky claim into an automatic payment.
        Returns the band now on record."""
        rank = {"low": 0, "medium": 1, "high": 2}
        with self._lock, write_transaction(self._db):
            row = self._db.execute("SELECT band FROM fraud WHERE claim_id = ?", (claim_id,)).fetchone()
            if row is not None and rank.get(row[0], 3) >= rank.get(band, 3):
                return row[0]
            self._db.execute("INSERT OR REPLACE INTO fraud VALUES (?,?,?)", (claim_id, band, score))
        return band

    def fraud_band(self, claim_id: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT band FROM fraud WHERE claim_id = ?", (claim_id,)).fetchone()
        return row[0] if row else "unscored"

    def principal_reserved_total(self, principal: str) -> int:
        """Units the principal holds: reserved through this gate and not yet released (the quota shrinks on release)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(quantity), 0) FROM reserved r WHERE principal = ? AND NOT EXISTS ("
                " SELECT 1 FROM reservation_owner o WHERE o.idempotency_key = r.idempotency_key AND o.released = 1)",
                (principal,)).fetchone()
        return int(row[0])

    def record_reservation(self, idempotency_key: str, principal: str, quantity: int,
                           reservation_id: str | None = None) -> None:
        """The tool reserved: count it toward the principal and remember who owns the reservation (first one wins)."""
        with self._lock, write_transaction(self._db):
            self._db.execute("INSERT OR IGNORE INTO reserved VALUES (?,?,?)", (idempotency_key, principal, quantity))
            if reservation_id:
                self._db.execute("INSERT OR IGNORE INTO reservation_owner (reservation_id, idempotency_key, principal)"
                                 " VALUES (?,?,?)", (reservation_id, idempotency_key, principal))

    def record_send(self, idempotency_key: str, recipient: str, now: float | None = None) -> None:
        """A message the gate relayed to `recipient` (the caller passes a keyed digest, never the address): frequency caps."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO sends VALUES (?,?,?)",
                             (idempotency_key, recipient.lower(), time.time() if now is None else now))

    def sends_since(self, recipient: str, since: float) -> int:
        """Messages relayed to `recipient` since `since` (wall clock, shared by every gate on the file)."""
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM sends WHERE recipient = ? AND at > ?",
                                        (recipient.lower(), since)).fetchone()
        return int(count)

    def reservation_owner(self, reservation_id: str) -> dict[str, object] | None:
        """Who reserved `reservation_id` through this gate, and whether it is released; None if the gate never saw it."""
        with self._lock:
            row = self._db.execute("SELECT principal, released FROM reservation_owner WHERE reservation_id = ?",
                                   (reservation_id,)).fetchone()
        return {"principal": row[0], "released": bool(row[1])} if row else None

    def record_release(self, reservation_id: str) -> None:
        """The tool released: its units no longer count toward the owner's quota."""
        with self._lock:
            self._db.execute("UPDATE reservation_owner SET released = 1 WHERE reservation_id = ?", (reservation_id,))

    # Purchase spend per UTC day (the gate's clock, never the caller's), held before judging like payments.
    def spend_today(self, supplier_id: str, currency: str, *, excluding: str | None = None,
                    day: str | None = None) -> tuple[int, int]:
        """(spent and held with this supplier, spent and held in total) today in `currency`, minor units."""
        day = day or utc_day()
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(CASE WHEN supplier_id = ? THEN amount_minor END), 0), COALESCE(SUM(amount_minor), 0)"
                " FROM spend_minor WHERE day = ? AND currency = ? AND idempotency_key IS NOT ?",
                (supplier_id, day, currency, excluding)).fetchone()
        return int(row[0]), int(row[1])

    def hold_spend(self, idempotency_key: str, supplier_id: str, amount_minor: int, currency: str) -> bool:
        """Count an order toward today's spend until the tool answers; False when that key is already counted."""
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO spend_minor VALUES (?,?,?,?,?,1)",
                                      (idempotency_key, utc_day(), supplier_id, amount_minor, currency))
        return cursor.rowcount == 1

    def release_spend(self, idempotency_key: str) -> None:
        """The order was denied or refused: a hold no longer counts (a placed order always does)."""
        with self._lock:
            self._db.execute("DELETE FROM spend_minor WHERE idempotency_key = ? AND held = 1", (idempotency_key,))

    def record_spend(self, idempotency_key: str, supplier_id: str, amount_minor: int, currency: str) -> None:
        """The tool placed the order: the hold (if any) becomes spend."""
        with self._lock, write_transaction(self._db):
            self._db.execute("INSERT OR IGNORE INTO spend_minor VALUES (?,?,?,?,?,0)",
                             (idempotency_key, utc_day(), supplier_id, amount_minor, currency))
            self._db.execute("UPDATE spend_minor SET held = 0 WHERE idempotency_key = ?", (idempotency_key,))

    def count_call(self, principal: str, tool: str, now: float | None = None) -> int:
        """Record a call and return how many this principal made to this tool in the minute before it.

        Wall-clock time, so that every gate process sharing the file counts in the same window."""
        return self.count_calls([principal], tool, now)[0]

    def count_calls(self, scopes: Sequence[str], tool: str, now: float | None = None) -> list[int]:
        """Record one call to `tool` under each scope (a run, a business key, a principal) and return, per scope,
        how many calls it made to the tool in the minute before; one transaction for all of them."""
        now = time.time() if now is None else now
        since = now - RATE_WINDOW_S
        counts = []
        with self._lock, write_transaction(self._db):
            for scope in scopes:
                self._db.execute("DELETE FROM calls WHERE principal = ? AND tool = ? AND at <= ?", (scope, tool, since))
                (before,) = self._db.execute("SELECT COUNT(*) FROM calls WHERE principal = ? AND tool = ?",
                                             (scope, tool)).fetchone()
                self._db.execute("INSERT INTO calls VALUES (?,?,?)", (scope, tool, now))
                counts.append(int(before))
            self._counted += 1
            if self._counted % 1000 == 0:  # pairs that stopped calling leave rows behind
                self._db.execute("DELETE FROM calls WHERE at <= ?", (since,))
        return counts
