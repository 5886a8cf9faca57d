"""Which store the gate keeps its state in: SQLite files under the data folder by default, Postgres when
WARDEN_POSTGRES_URL is set, so several gate processes on several machines share totals, holds, rate-limit
counters, approvals, the vault's tokens and one audit chain.

A bad URL or an unreachable server is a `PostgresUnavailable` with one line that names the server (never the
password), raised when the gate is built, so `warden up` stops before it judges anything. Connecting itself
(pool, probe, schema) is warden/postgres.py's, shared with the runtime and the tools; its names are re-exported here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from psycopg_pool import ConnectionPool

from warden.postgres import CONNECT_TIMEOUT_S, PostgresUnavailable, apply_schema, connect_pool, describe, probe

if TYPE_CHECKING:
    from guardrails.approvals import ApprovalStore
    from guardrails.approvals_pg import PgApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.audit_pg import PgAuditLog
    from guardrails.gate_store import GateStore
    from guardrails.gate_store_pg import PgGateStore
    from guardrails.vault import Vault
    from warden.settings import Settings

__all__ = ["CONNECT_TIMEOUT_S", "PostgresUnavailable", "apply_schema", "connect_pool", "describe", "probe",
           "GateStores", "open_gate_stores", "open_audit", "open_approvals"]


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
