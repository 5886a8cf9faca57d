"""At-most-once effects in SQLite: an effect and the record of its idempotency key commit in one transaction.

`BEGIN IMMEDIATE` takes SQLite's write lock before the key is looked up, so two callers racing with
the same key (in this process or in another service instance on the same file) cannot both apply
the effect: the second one waits, then finds the first one's record.

With a `ColumnCipher` (tools/at_rest.py) the arguments' fingerprint is a keyed HMAC (`hmac:<hex>`), so the
record of a payment does not carry a brute-forceable hash of its payee; records written before keep their
plain SHA-256 and are compared as such. `secure_delete` zeroes what an update overwrites, so sealing old rows
leaves no clear copy in free pages.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from pydantic import BaseModel

from tools.at_rest import PREFIX, ColumnCipher
from tools.errors import IdempotencyConflict, ToolFailure
from tools.service import CallContext

T = TypeVar("T")

_CALLS_DDL = """
CREATE TABLE IF NOT EXISTS tool_calls (
    tool TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    args_sha256 TEXT NOT NULL,
    result TEXT NOT NULL,
    run_id TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (tool, idempotency_key)
);
"""


def args_digest(args: BaseModel) -> str:
    """A stable fingerprint of validated arguments (field order is the schema's, so it is canonical)."""
    return hashlib.sha256(args.model_dump_json().encode()).hexdigest()


def fingerprint(args: BaseModel, cipher: ColumnCipher | None) -> str:
    """What the call record keeps of the arguments: a keyed HMAC with a cipher, else a plain SHA-256."""
    if cipher is None:
        return args_digest(args)
    return "hmac:" + cipher.mac(args.model_dump_json().encode())


def same_args(stored: str, args: BaseModel, digest: str, cipher: ColumnCipher | None) -> bool:
    """Whether a recorded fingerprint is of these arguments (`digest` is theirs under the current scheme)."""
    if stored.startswith("hmac:") or cipher is None:
        return stored == digest
    return stored == args_digest(args)  # recorded before fingerprints were keyed


def open_db(path: Path, schema: str = "") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal, waiting up to 5 s for locks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA secure_delete=ON")
    conn.executescript(_CALLS_DDL + schema)
    return conn


class EffectStore:
    """One tool family's SQLite database: its own tables plus the record of every effectful call.

    The SQLite `Ledger` (tools/ledger.py); effects and reads get the sqlite3 connection itself."""

    def __init__(self, path: Path, schema: str, cipher: ColumnCipher | None = None) -> None:
        self.path = path
        self.cipher = cipher
        self._conn = open_db(path, schema)
        self._lock = threading.Lock()  # one connection, used from worker threads one at a time

    def seal_columns(self, table: str, key_column: str, columns: tuple[str, ...]) -> int:
        """Encrypt, in place, the `columns` of rows written in clear before sealing was on; returns rows sealed.

        Runs once at start; then checkpoints the WAL so no clear page image is left in it.
        """
        if self.cipher is None:
            return 0
        cipher = self.cipher
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                where = " OR ".join(f"{c} NOT LIKE '{PREFIX}%'" for c in columns)
                rows = conn.execute(f"SELECT {key_column}, {', '.join(columns)} FROM {table} WHERE {where}").fetchall()
                for row in rows:
                    sealed = [cipher.seal(cipher.open(row[c])) for c in columns]
                    conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {key_column} = ?",
                                 (*sealed, row[key_column]))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if rows:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(rows)

    async def once(self, ctx: CallContext, args: BaseModel,
                   effect: Callable[[sqlite3.Connection], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        """Apply `effect` unless this key already did: returns (result, was_duplicate).

        The effect runs inside the transaction and must only touch the database; if it raises, nothing is
        recorded, so a corrected retry with the same key can still succeed.
        """
        if not ctx.idempotency_key:
            raise ToolFailure(f"{ctx.tool} was called without an idempotency key")
        return await asyncio.to_thread(self._once, ctx, args, fingerprint(args, self.cipher), effect)

    async def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read (or a small write outside any idempotency record) off the event loop."""
        return await asyncio.to_thread(self._locked, query)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _locked(self, query: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            return query(self._conn)

    def _once(self, ctx: CallContext, args: BaseModel, digest: str,
              effect: Callable[[sqlite3.Connection], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT args_sha256, result FROM tool_calls WHERE tool = ? AND idempotency_key = ?",
                                   (ctx.tool, ctx.idempotency_key)).fetchone()
                if row is not None:
                    conn.execute("ROLLBACK")
                    if not same_args(row["args_sha256"], args, digest, self.cipher):
                        raise IdempotencyConflict(f"idempotency key {ctx.idempotency_key!r} was already used for "
                                                  f"{ctx.tool} with different arguments")
                    return json.loads(row["result"]), True
                result = effect(conn)
                conn.execute("INSERT INTO tool_calls (tool, idempotency_key, args_sha256, result, run_id, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (ctx.tool, ctx.idempotency_key, digest, json.dumps(result), ctx.run_id, time.time()))
                conn.execute("COMMIT")
                return result, False
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
