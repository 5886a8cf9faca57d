"""The gate's memory of past effects (guardrails/gate_store.py) in Postgres, shared by every gate process that
points at the same database, on any machine.

Same public methods and meaning as the SQLite `GateStore`. What makes it safe with several gates:
- a payment's hold is placed under a per-claim advisory lock, committed before the gate reads the claim's
  total; of two concurrent calls on one claim, whichever reads second sees the other's hold, so together
  they cannot pass the per-claim limit (at worst both are refused and retried);
- the rate-limit counts (delete old, count, insert) run under an advisory lock per scope (run, business key,
  principal) and tool, so two gates counting at once see each other's calls;
- every record of an effect is idempotent by the call's idempotency key (`ON CONFLICT DO NOTHING`).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from psycopg import Connection
from psycopg_pool import ConnectionPool

from guardrails.gate_store import RATE_WINDOW_S, utc_day
from guardrails.stores_pg import apply_schema

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gate_paid_minor (idempotency_key TEXT PRIMARY KEY, claim_id TEXT NOT NULL,"
    " amount_minor BIGINT NOT NULL, currency TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_paid_minor_claim ON gate_paid_minor(claim_id)",
    "CREATE TABLE IF NOT EXISTS gate_held_minor (idempotency_key TEXT PRIMARY KEY, claim_id TEXT NOT NULL,"
    " amount_minor BIGINT NOT NULL, currency TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_held_minor_claim ON gate_held_minor(claim_id)",
    "CREATE TABLE IF NOT EXISTS gate_fraud (claim_id TEXT PRIMARY KEY, band TEXT NOT NULL, score DOUBLE PRECISION)",
    "CREATE TABLE IF NOT EXISTS gate_calls (principal TEXT NOT NULL, tool TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_calls_key ON gate_calls(principal, tool, at)",
    "CREATE TABLE IF NOT EXISTS gate_reserved (idempotency_key TEXT PRIMARY KEY, principal TEXT NOT NULL,"
    " quantity BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_reserved_principal ON gate_reserved(principal)",
    "CREATE TABLE IF NOT EXISTS gate_reservation_owner (reservation_id TEXT PRIMARY KEY, idempotency_key TEXT,"
    " principal TEXT NOT NULL, released BOOLEAN NOT NULL DEFAULT FALSE)",
    "CREATE TABLE IF NOT EXISTS gate_spend_minor (idempotency_key TEXT PRIMARY KEY, day TEXT NOT NULL,"
    " supplier_id TEXT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, held BOOLEAN NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_spend_minor_day ON gate_spend_minor(day, currency)",
    "CREATE TABLE IF NOT EXISTS gate_sends (idempotency_key TEXT PRIMARY KEY, recipient TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS gate_sends_recipient ON gate_sends(recipient, at)",
)
_RANK = "CASE {} WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END"


def _lock(conn: Connection, scope: str, key: str) -> None:
    """A transaction-scoped advisory lock on `scope:key`, held by one connection in the whole cluster."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{scope}:{key}",))


class PgGateStore:
    """State the policy needs as input, in Postgres. Kept by the gate, never by the agent."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        apply_schema(pool, SCHEMA)
        self._counted = 0
        self._count_lock = threading.Lock()

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self.pool.connection() as conn:
            return conn.execute(sql, params).fetchone()

    def close(self) -> None:
        """Give the pool's connections back (the process is stopping)."""
        self.pool.close()

    # -- payments per claim ----------------------------------------------------------------------------
    def claim_paid_minor(self, claim_id: str, currency: str, *, excluding: str | None = None) -> int:
        """Paid plus held (in flight) for the claim in `currency`, in minor units, leaving out key `excluding`."""
        row = self._one(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM ("
            " SELECT idempotency_key, amount_minor, currency FROM gate_paid_minor WHERE claim_id = %s"
            " UNION ALL SELECT idempotency_key, amount_minor, currency FROM gate_held_minor WHERE claim_id = %s"
            ") t WHERE idempotency_key IS DISTINCT FROM %s AND currency = %s", (claim_id, claim_id, excluding, currency))
        return int(row[0])

    def claim_currencies(self, claim_id: str, *, excluding: str | None = None) -> list[str]:
        """Currencies already paid or held on the claim (a claim is paid in one currency)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT currency FROM (SELECT idempotency_key, currency FROM gate_paid_minor WHERE claim_id = %s"
                " UNION ALL SELECT idempotency_key, currency FROM gate_held_minor WHERE claim_id = %s) t"
                " WHERE idempotency_key IS DISTINCT FROM %s", (claim_id, claim_id, excluding)).fetchall()
        return sorted(r[0] for r in rows)

    def hold_payment(self, idempotency_key: str, claim_id: str, amount_minor: int, currency: str) -> bool:
        """Count a payment toward its claim until the tool answers; False when that key is already held."""
        with self.pool.connection() as conn, conn.transaction():
            _lock(conn, "claim", claim_id)
            cur = conn.execute("INSERT INTO gate_held_minor VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                               (idempotency_key, claim_id, amount_minor, currency))
            return cur.rowcount == 1

    def release_payment(self, idempotency_key: str) -> None:
        """The payment was denied, or the tool refused it outright: it no longer counts."""
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM gate_held_minor WHERE idempotency_key = %s", (idempotency_key,))

    def record_payment(self, idempotency_key: str, claim_id: str, amount_minor: int, currency: str) -> None:
        """The tool paid: the hold (if any) becomes a payment, in one transaction."""
        with self.pool.connection() as conn, conn.transaction():
            _lock(conn, "claim", claim_id)
            conn.execute("INSERT INTO gate_paid_minor VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                         (idempotency_key, claim_id, amount_minor, currency))
            conn.execute("DELETE FROM gate_held_minor WHERE idempotency_key = %s", (idempotency_key,))

    # -- fraud band ------------------------------------------------------------------------------------
    def record_fraud(self, claim_id: str, band: str, score: float) -> str:
        """A relayed score may raise the claim's band, never lower it. Returns the band now on record."""
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "INSERT INTO gate_fraud VALUES (%s,%s,%s) ON CONFLICT (claim_id) DO UPDATE"
                " SET band = EXCLUDED.band, score = EXCLUDED.score"
                f" WHERE {_RANK.format('gate_fraud.band')} < {_RANK.format('EXCLUDED.band')} RETURNING band",
                (claim_id, band, score)).fetchone()
            if row is None:  # the band on record ranks as high or higher: it stands
                row = conn.execute("SELECT band FROM gate_fraud WHERE claim_id = %s", (claim_id,)).fetchone()
        return row[0]

    def fraud_band(self, claim_id: str) -> str:
        row = self._one("SELECT band FROM gate_fraud WHERE claim_id = %s", (claim_id,))
        return row[0] if row else "unscored"

    # -- provisioning ----------------------------------------------------------------------------------
    def principal_reserved_total(self, principal: str) -> int:
        """Units the principal holds: reserved through a gate and not yet released."""
        row = self._one(
            "SELECT COALESCE(SUM(quantity), 0) FROM gate_reserved r WHERE principal = %s AND NOT EXISTS ("
            " SELECT 1 FROM gate_reservation_owner o WHERE o.idempotency_key = r.idempotency_key AND o.released)",
            (principal,))
        return int(row[0])

    def record_reservation(self, idempotency_key: str, principal: str, quantity: int,
                           reservation_id: str | None = None) -> None:
        """The tool reserved: count it toward the principal and remember who owns it (first one wins)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("INSERT INTO gate_reserved VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                         (idempotency_key, principal, quantity))
            if reservation_id:
                conn.execute("INSERT INTO gate_reservation_owner (reservation_id, idempotency_key, principal)"
                             " VALUES (%s,%s,%s) ON CONFLICT DO NOTHING", (reservation_id, idempotency_key, principal))

    def reservation_owner(self, reservation_id: str) -> dict[str, object] | None:
        """Who reserved `reservation_id` through a gate, and whether it is released; None if no gate saw it."""
        row = self._one("SELECT principal, released FROM gate_reservation_owner WHERE reservation_id = %s",
                        (reservation_id,))
        return {"principal": row[0], "released": bool(row[1])} if row else None

    def record_release(self, reservation_id: str) -> None:
        """The tool released: its units no longer count toward the owner's quota."""
        with self.pool.connection() as conn:
            conn.execute("UPDATE gate_reservation_owner SET released = TRUE WHERE reservation_id = %s", (reservation_id,))

    # -- messages --------------------------------------------------------------------------------------
    def record_send(self, idempotency_key: str, recipient: str, now: float | None = None) -> None:
        """A message relayed to `recipient` (compared lower-cased): frequency caps."""
        with self.pool.connection() as conn:
            conn.execute("INSERT INTO gate_sends VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                         (idempotency_key, recipient.lower(), time.time() if now is None else now))

    def sends_since(self, recipient: str, since: float) -> int:
        """Messages relayed to `recipient` since `since` (wall clock, shared by every gate on the database)."""
        row = self._one("SELECT COUNT(*) FROM gate_sends WHERE recipient = %s AND at > %s", (recipient.lower(), since))
        return int(row[0])

    # -- purchase spend per UTC day --------------------------------------------------------------------
    def spend_today(self, supplier_id: str, currency: str, *, excluding: str | None = None,
                    day: str | None = None) -> tuple[int, int]:
        """(spent and held with this supplier, spent and held in total) today in `currency`, minor units."""
        row = self._one(
            "SELECT COALESCE(SUM(CASE WHEN supplier_id = %s THEN amount_minor END), 0), COALESCE(SUM(amount_minor), 0)"
            " FROM gate_spend_minor WHERE day = %s AND currency = %s AND idempotency_key IS DISTINCT FROM %s",
            (supplier_id, day or utc_day(), currency, excluding))
        return int(row[0]), int(row[1])

    def hold_spend(self, idempotency_key: str, supplier_id: str, amount_minor: int, currency: str) -> bool:
        """Count an order toward today's spend until the tool answers; False when that key is already counted."""
        with self.pool.connection() as conn, conn.transaction():
            _lock(conn, "spend", currency)
            cur = conn.execute("INSERT INTO gate_spend_minor VALUES (%s,%s,%s,%s,%s,TRUE) ON CONFLICT DO NOTHING",
                               (idempotency_key, utc_day(), supplier_id, amount_minor, currency))
            return cur.rowcount == 1

    def release_spend(self, idempotency_key: str) -> None:
        """The order was denied or refused: a hold no longer counts (a placed order always does)."""
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM gate_spend_minor WHERE idempotency_key = %s AND held", (idempotency_key,))

    def record_spend(self, idempotency_key: str, supplier_id: str, amount_minor: int, currency: str) -> None:
        """The tool placed the order: the hold (if any) becomes spend."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("INSERT INTO gate_spend_minor VALUES (%s,%s,%s,%s,%s,FALSE) ON CONFLICT DO NOTHING",
                         (idempotency_key, utc_day(), supplier_id, amount_minor, currency))
            conn.execute("UPDATE gate_spend_minor SET held = FALSE WHERE idempotency_key = %s", (idempotency_key,))

    # -- rate limits -----------------------------------------------------------------------------------
    def count_call(self, principal: str, tool: str, now: float | None = None) -> int:
        """Record a call and return how many this principal made to this tool in the minute before it,
        counted across every gate on the database (wall clock)."""
        return self.count_calls([principal], tool, now)[0]

    def count_calls(self, scopes: Sequence[str], tool: str, now: float | None = None) -> list[int]:
        """Record one call to `tool` under each scope and return, per scope, the calls in the minute before it,
        across every gate on the database: one transaction, each scope under its advisory lock (taken in sorted
        order, so two gates counting overlapping scopes cannot deadlock)."""
        now = time.time() if now is None else now
        since = now - RATE_WINDOW_S
        with self._count_lock:
            self._counted += 1
            sweep = self._counted % 1000 == 0  # pairs that stopped calling leave rows behind
        counts: dict[str, int] = {}
        with self.pool.connection() as conn, conn.transaction():
            for scope in sorted(set(scopes)):
                _lock(conn, "calls", f"{scope}|{tool}")
                conn.execute("DELETE FROM gate_calls WHERE principal = %s AND tool = %s AND at <= %s", (scope, tool, since))
                (before,) = conn.execute("SELECT COUNT(*) FROM gate_calls WHERE principal = %s AND tool = %s",
                                         (scope, tool)).fetchone()
                conn.execute("INSERT INTO gate_calls VALUES (%s,%s,%s)", (scope, tool, now))
                counts[scope] = int(before)
        if sweep:
            with self.pool.connection() as conn:
                conn.execute("DELETE FROM gate_calls WHERE at <= %s", (since,))
        return [counts[scope] for scope in scopes]
