"""Which store the gate keeps its state in: SQLite files under the data folder by default, Postgres when
WARDEN_POSTGRES_URL is set, so several gate processes on several machines share totals, holds, rate-limit
counters, approvals, the vault's tokens and one audit chain.

A bad URL or an unreachable server is a `PostgresUnavailable` with one line that names the server (never the
password), raised when the gate is built, so `warden up` stops before it judges anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

if TYPE_CHECKING:
    from guardrails.approvals import ApprovalStore
    from guardrails.approvals_pg import PgApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.audit_pg import PgAuditLog
    from guardrails.gate_store import GateStore
    from guardrails.gate_store_pg import PgGateStore
    from guardrails.vault import Vault
    from warden.settings import Settings

CONNECT_TIMEOUT_S = 5.0
SCHEMA_LOCK = 0x5741_5244  # one advisory lock for every CREATE TABLE: concurrent IF NOT EXISTS can still collide


class PostgresUnavailable(RuntimeError):
    """WARDEN_POSTGRES_URL is malformed or its server cannot be reached: the gate refuses to start."""


def describe(url: str) -> str:
    """`host:port/dbname` of a connection string, for messages: never the user's password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unparsable URL"
    host = str(parts.get("host") or "localhost")
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or parts.get('user') or '?'}"


def probe(url: str) -> None:
    """Connect once and say why not in one line (a pool would only retry until its timeout)."""
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise PostgresUnavailable(f"WARDEN_POSTGRES_URL is not a valid Postgres URL: {_first_line(exc)}") from None
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_S)).close()
    except psycopg.Error as exc:
        raise PostgresUnavailable(f"cannot reach Postgres at {describe(url)}: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def connect_pool(url: str, *, max_size: int = 8, name: str = "warden") -> ConnectionPool:
    """An open pool of autocommit connections; fails fast (PostgresUnavailable) when none can be made."""
    probe(url)
    pool = ConnectionPool(url, min_size=1, max_size=max_size, open=False, name=name,
                          kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT_S)})
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except PoolTimeout:
        pool.close()
        raise PostgresUnavailable(f"cannot reach Postgres at {describe(url)} within {CONNECT_TIMEOUT_S:.0f} s "
                                  "(is the server up, and WARDEN_POSTGRES_URL right?)") from None
    return pool


def apply_schema(pool: ConnectionPool, statements: tuple[str, ...]) -> None:
    """Create tables once, whichever of several processes starting together gets there first."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        for statement in statements:
            conn.execute(statement)


@dataclass(frozen=True)
class GateStores:
    """Everything the gate remembers, on one back end: its state, the approvals queue, the audit trail (and, built
    from them with its key, the vault)."""

    state: GateStore | PgGateStore
    approvals: ApprovalStore | PgApprovalStore
    audit: AuditLog | PgAuditLog
    settings: Settings
    pool: ConnectionPool | None = None

    def vault(self, key: bytes | None = None) -> Vault:
        """The pseudonymization vault beside the other stores, keyed by `key` (the gate credential's) or else by
        `settings.vault_key` or `<data_dir>/vault.key`."""
        from guardrails.vault import Vault, _load_or_create_key

        if self.pool is None:
            return Vault(self.settings.path("vault.sqlite3"), key) if key else Vault.from_settings(self.settings)
        from guardrails.vault_pg import PgVault

        s = self.settings
        return PgVault(self.pool, key or (s.vault_key.encode() if s.vault_key else _load_or_create_key(s.path("vault.key"))))


def open_gate_stores(settings: Settings) -> GateStores:
    """The gate's stores: Postgres (one pool) when `settings.postgres_url` is set, else SQLite under data_dir."""
    if settings.postgres_url:
        from guardrails.approvals_pg import PgApprovalStore
        from guardrails.audit_pg import PgAuditLog
        from guardrails.gate_store_pg import PgGateStore

        pool = connect_pool(settings.postgres_url.get_secret_value(), name="warden-gate")
        return GateStores(PgGateStore(pool), PgApprovalStore(pool, ttl_s=settings.approval_ttl_s), PgAuditLog(pool),
                          settings, pool)
    from guardrails.approvals import ApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.gate_store import GateStore

    return GateStores(GateStore(settings.path("gate.db")),
                      ApprovalStore(settings.path("approvals.db"), ttl_s=settings.approval_ttl_s),
                      AuditLog(settings.path("audit.db")), settings)


def open_audit(settings: Settings) -> AuditLog | PgAuditLog:
    """The audit trail alone, where the gate writes it (`warden audit verify`, `warden audit export`)."""
    if settings.postgres_url:
        from guardrails.audit_pg import PgAuditLog

        return PgAuditLog(connect_pool(settings.postgres_url.get_secret_value(), max_size=2, name="warden-audit"))
    from guardrails.audit import AuditLog

    return AuditLog(settings.path("audit.db"))


def open_approvals(settings: Settings) -> ApprovalStore | PgApprovalStore:
    """The approvals queue alone, where the gate keeps it (`warden approvals`, a staff API without a gate)."""
    if settings.postgres_url:
        from guardrails.approvals_pg import PgApprovalStore

        return PgApprovalStore(connect_pool(settings.postgres_url.get_secret_value(), max_size=2, name="warden-approvals"),
                               ttl_s=settings.approval_ttl_s)
    from guardrails.approvals import ApprovalStore

    return ApprovalStore(settings.path("approvals.db"), ttl_s=settings.approval_ttl_s)
