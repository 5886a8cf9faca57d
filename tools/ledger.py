"""The tool ledgers' store: what a tool needs to apply an effect at most once per idempotency key, on either back end.

SQLite files under the data folder by default (tools/idempotency.py); Postgres when WARDEN_POSTGRES_URL is set
(tools/ledger_pg.py), so tool processes on several machines share one ledger and still apply each key once.
A tool writes its SQL once, in the portable subset both accept: `?` placeholders, rows read by column name,
`ON CONFLICT`, no `RETURNING`. Its DDL is SQLite's; the Postgres store translates the two types that differ.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from tools.at_rest import ColumnCipher
from tools.service import CallContext
from warden.settings import Settings

T = TypeVar("T")


class LedgerCursor(Protocol):
    """The result of one statement; rows are read by column name (`row["amount"]`, `dict(row)`)."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class LedgerConnection(Protocol):
    """What an effect or a read is handed: a sqlite3 connection, or its Postgres look-alike."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> LedgerCursor: ...


class Ledger(Protocol):
    """One tool family's store: its own tables plus the record of every effectful call."""

    cipher: ColumnCipher | None

    async def once(self, ctx: CallContext, args: BaseModel,
                   effect: Callable[[LedgerConnection], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        """Apply `effect` in one transaction with the key's record unless the key already did: (result, duplicate)."""
        ...

    async def read(self, query: Callable[[LedgerConnection], T]) -> T:
        """Run a read (or a small write outside any idempotency record) off the event loop."""
        ...

    def seal_columns(self, table: str, key_column: str, columns: tuple[str, ...]) -> int:
        """Encrypt, in place, columns written in clear before sealing was on; returns rows sealed."""
        ...

    def close(self) -> None: ...


def family_of(db_name: str) -> str:
    """`payments.db` -> `payments`: the SQLite file's stem names the family's Postgres schema too."""
    return Path(db_name).stem


def open_ledger(settings: Settings, db_name: str, schema: str, cipher: ColumnCipher | None = None) -> Ledger:
    """The family's ledger: Postgres (schema `tools_<family>`) when `settings.postgres_url` is set, else the SQLite
    file `<data_dir>/<db_name>`. An unreachable Postgres raises `PostgresUnavailable` (one line) here, at start."""
    if settings.postgres_url:
        from tools.ledger_pg import PgEffectStore

        return PgEffectStore.connect(settings.postgres_url.get_secret_value(), family_of(db_name), schema, cipher)
    from tools.idempotency import EffectStore

    return EffectStore(settings.path(db_name), schema, cipher)


def ledger_snapshot(settings: Settings, db_name: str, sql: str) -> list[dict[str, Any]]:
    """Rows of a read-only query on one family's ledger, wherever it lives; [] when it was never created.

    For reconciliation, reports and tests, from outside the tool process: nothing is created or locked."""
    if settings.postgres_url:
        from tools.ledger_pg import snapshot

        return snapshot(settings.postgres_url.get_secret_value(), family_of(db_name), sql)
    db = settings.data_dir / db_name
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()
