"""The audit trail is one hash chain in SQLite and in Postgres, however many gates append to it at once, and
any edit, reorder or deletion breaks it."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from guardrails.audit import GENESIS, AuditRecord, ChainBroken


def record(i: int) -> AuditRecord:
    return AuditRecord(tool="payments.issue", run_id=f"run-{i % 3}", decision="allow", args={"amount": i})


def test_gates_appending_at_once_extend_one_chain(backend) -> None:
    logs = [backend.open_audit() for _ in range(2)]
    start = threading.Barrier(24, timeout=60)

    def append(i: int) -> dict:
        start.wait()
        return logs[i % 2].append(record(i))

    with ThreadPoolExecutor(24) as pool:
        stored = list(pool.map(append, range(24)))
    assert logs[0].verify() == logs[1].verify() == 24
    chain = logs[1].records()
    assert chain[0]["prev_hash"] == GENESIS
    assert [r["prev_hash"] for r in chain[1:]] == [r["hash"] for r in chain[:-1]]  # seq order is chain order
    assert sorted(r["hash"] for r in stored) == sorted(r["hash"] for r in chain)
    assert len(logs[0].records(run_id="run-1")) == 8 and len(logs[0].records(limit=5)) == 5


def test_an_edited_or_deleted_record_breaks_the_chain(backend, request: pytest.FixtureRequest) -> None:
    if backend.name != "postgres":
        pytest.skip("the SQLite trail's tamper checks live in tests/guardrails/test_gate.py")
    log = backend.open_audit()
    for i in range(4):
        log.append(record(i))
    with psycopg.connect(request.getfixturevalue("pg_url"), autocommit=True) as conn:
        conn.execute("UPDATE gate_audit SET body = replace(body, '\"allow\"', '\"deny\"') WHERE seq = 2")
        with pytest.raises(ChainBroken, match="record 2: contents do not match"):
            log.verify()
        conn.execute("DELETE FROM gate_audit WHERE seq = 2")
        with pytest.raises(ChainBroken, match="record 3: does not follow"):
            log.verify()


def test_the_staff_api_tails_the_shared_trail_in_order(backend) -> None:
    if backend.name != "postgres":
        pytest.skip("the staff API reads the SQLite trail's file directly")
    log = backend.open_audit()
    for i in range(5):
        log.append(record(i))
    first = backend.open_audit().since(0, 3)
    assert [r["seq"] for r in first] == [1, 2, 3] and first[0]["args"] == {"amount": 0}
    assert [r["seq"] for r in log.since(first[-1]["seq"], 200)] == [4, 5] and log.since(5) == []
