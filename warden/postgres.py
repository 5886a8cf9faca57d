"""Connecting to Postgres, for every component that keeps state there (the gate's stores, the runtime's checkpoints,
the tool ledgers): one pool, one-line errors that never print the password, schema creation that tolerates several
processes starting together. Here, beside the settings, because the tools import nothing of the gate.
"""
from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

CONNECT_TIMEOUT_S = 5.0
SCHEMA_LOCK = 0x5741_5244  # one advisory lock for every CREATE TABLE: concurrent IF NOT EXISTS can still collide


class PostgresUnavailable(RuntimeError):
    """WARDEN_POSTGRES_URL is malformed or its server cannot be reached: the component refuses to start."""


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
