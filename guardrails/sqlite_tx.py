"""A write transaction on an autocommit SQLite connection, shared by the gate's stores.

IMMEDIATE takes the write lock up front, so a read-then-write inside it is atomic across every process that
shares the file (several gate processes on one data folder), not only across threads.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (the connection must use isolation_level=None)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
