"""The gate's SQLite files are checkpointed by a background thread, not inside a commit on the event loop: the
committing connection keeps only a safety net, and the log reaches the database file well before that net."""
from __future__ import annotations

import time
from pathlib import Path

from guardrails.audit import AuditLog, AuditRecord
from guardrails.gate_store import GateStore
from guardrails.wal_checkpoints import SAFETY_NET_PAGES


def _record(i: int) -> AuditRecord:
    return AuditRecord(tool="documents.search", run_id=f"run-{i}", decision="allow", args={"query": f"{i} " + "x" * 3000})


def test_the_committing_connections_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    for store in (AuditLog(tmp_path / "audit.db"), GateStore(tmp_path / "gate.db")):
        assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == SAFETY_NET_PAGES


def test_the_log_reaches_the_database_file_below_sqlites_own_threshold(tmp_path: Path) -> None:
    """About 200 pages: fewer than the 1,000 at which a commit would checkpoint by itself, so only the thread can
    have copied them into audit.db."""
    path = tmp_path / "audit.db"
    log = AuditLog(path)
    empty = path.stat().st_size
    for i in range(200):
        log.append(_record(i))
    deadline = time.monotonic() + 10
    while path.stat().st_size < empty + 150 * 4096 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size >= empty + 150 * 4096
    assert log.verify() == 200


def test_the_thread_reads_as_idle_between_rounds(tmp_path: Path) -> None:
    """The stack sampler that profiles a gate process (bench/cpu_profile.py) must not file its waiting as busy."""
    import threading

    from bench.cpu_profile import StackSampler

    AuditLog(tmp_path / "audit.db")
    (thread,) = [t for t in threading.enumerate() if t.name == "wal-checkpoints"]
    sampler = StackSampler(interval_s=0.005).start()
    try:
        sampler.reset()
        threading.Event().wait(0.6)
    finally:
        sampler.stop()
    ticks = sampler.summary()["ticks"]
    assert ticks > 20
    # busy only while it checkpoints a log that was written (other tests' stores may still be registered)
    assert sum(sampler._busy.get(thread.native_id, {}).values()) < ticks / 4


def test_a_store_collected_while_the_registry_is_locked_does_not_deadlock(tmp_path: Path) -> None:
    """The garbage collector runs finalizers on whichever thread allocates, the checkpoint thread included while it
    holds the registry lock (CI hung forever on this once). Collecting a store there must not wait on that lock."""
    import gc
    import threading

    from guardrails import wal_checkpoints

    store = GateStore(tmp_path / "gate.db")
    store.cycle = store  # type: ignore[attr-defined]  # only the cyclic collector frees it, as in a real run
    del store
    done = threading.Event()

    def collect_under_the_lock() -> None:
        with wal_checkpoints._lock:
            gc.collect()
        done.set()

    threading.Thread(target=collect_under_the_lock, daemon=True).start()
    assert done.wait(10), "a finalizer waited on the registry lock its own thread held"
    assert (tmp_path / "gate.db").absolute() not in wal_checkpoints._live_paths()  # and the file is counted off
