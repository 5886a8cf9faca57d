"""WAL checkpoints of the gate's SQLite files, taken by a background thread instead of by whichever commit fills the
log.

SQLite checkpoints a WAL file (copies its pages into the database, then fsyncs) inside the commit that takes the log
past `wal_autocheckpoint` pages. The gate commits on its event loop (a decision record, a hold, the rate counters),
and with the default 1,000 pages one call in about thirty paid for a checkpoint: 5-8 ms on this machine, during which
no other call was served. Here the connections that commit on the loop raise that threshold to a safety net, and one
daemon thread per process runs PASSIVE checkpoints, a few times a second, of every registered file whose log was
written since (PASSIVE never waits for readers or writers; the sqlite3 module releases the GIL while it runs).
"""
from __future__ import annotations

import collections
import logging
import os
import sqlite3
import threading
import weakref
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL_S = 0.25
SAFETY_NET_PAGES = 10_000
"""A committing connection still checkpoints past this many pages (about 40 MB), should the thread fall behind."""

_owners: collections.Counter[Path] = collections.Counter()
"""Registered files, with how many live stores use each (a file is checkpointed while one does)."""
_released: collections.deque[Path] = collections.deque()
"""Files whose store was collected, not yet taken off `_owners`. A finalizer may run inside the garbage collector on
any thread, the one holding `_lock` included, so it only appends here (atomic, no lock) and the thread counts it."""
_lock = threading.Lock()
_thread: threading.Thread | None = None
_pause = threading.Event()
"""Never set: the thread waits on it between rounds (a wait, not a sleep, is what stack samplers read as idle)."""


def checkpoint_in_background(owner: object, db: sqlite3.Connection, path: Path) -> None:
    """Hand `path`'s checkpoints to the background thread for as long as `owner` (the store) lives; `db` (its WAL
    connection, which commits on the event loop) keeps only the safety net."""
    db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    key = Path(path).absolute()
    global _thread
    with _lock:
        _owners[key] += 1
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="wal-checkpoints", daemon=True)
            _thread.start()
    weakref.finalize(owner, _release, key)


def _release(path: Path) -> None:
    _released.append(path)


def _live_paths() -> list[Path]:
    """The registered files, once the stores collected since the last round are counted off."""
    with _lock:
        while _released:
            path = _released.popleft()
            _owners[path] -= 1
            if _owners[path] <= 0:
                del _owners[path]
        return list(_owners)


def _run() -> None:
    connections: dict[Path, sqlite3.Connection] = {}
    checked: dict[Path, tuple[int, int]] = {}  # the log's (mtime, size) at its last checkpoint: an idle file costs a stat
    while True:
        _pause.wait(INTERVAL_S)
        paths = _live_paths()
        for gone in set(connections) - set(paths):  # its stores are closed or collected
            connections.pop(gone).close()
            checked.pop(gone, None)
        for path in paths:
            try:
                log_file = os.stat(f"{path}-wal")
            except OSError:
                continue
            written = (log_file.st_mtime_ns, log_file.st_size)
            if checked.get(path) == written:
                continue
            try:
                conn = connections.get(path)
                if conn is None:
                    conn = connections[path] = sqlite3.connect(path, isolation_level=None, timeout=0.1)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                checked[path] = written
            except sqlite3.Error as exc:  # a locked or removed file: try again next round, with a new connection
                log.debug("checkpoint of %s skipped: %s", path, exc)
                stale = connections.pop(path, None)
                if stale is not None:
                    stale.close()
