"""What a chaos scenario checks after the dust settles, each read from the store that is the truth for it:
the runtime's checkpoints (did every run end or wait?), the tools' ledgers (did any effect happen twice?) and
the gate's audit trail (is the hash chain intact?). Orphans are bench/topology.py's `orphans`."""
from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from guardrails.audit import AuditLog, ChainBroken
from tools.at_rest import ColumnCipher
from warden.settings import Settings

GRAPH = "claims_triage"


async def run_states(runtime_data: Path, run_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """run id -> (status, decision) from the runtime's LangGraph checkpoints: `completed` (no next step),
    `waiting` (stopped in interrupt(), e.g. for an adjuster), `running` (started, not finished: a run lost if it
    stays so) or `missing`."""
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from agents.graph_actor import finished
    from graphs.ports import GraphDeps
    from graphs.registry import packages

    db = runtime_data / "checkpoints.db"
    if not db.exists():
        return {r: ("missing", None) for r in run_ids}
    states: dict[str, tuple[str, str | None]] = {}
    async with aiosqlite.connect(f"file:{db}?mode=ro", uri=True) as conn:
        graph = packages()[GRAPH].build(GraphDeps(tools=None, model=None)).compile(  # type: ignore[arg-type]
            checkpointer=AsyncSqliteSaver(conn))  # nodes never run: only their saved state is read
        for run_id in run_ids:
            snap = await graph.aget_state({"configurable": {"thread_id": run_id}})
            if not snap.values:
                states[run_id] = ("missing", None)
            elif finished(snap):  # not `not snap.next`: that also reads true for a run killed between steps
                states[run_id] = ("completed", snap.values.get("decision"))
            elif snap.interrupts:
                states[run_id] = ("waiting", "awaiting_approval")
            else:
                states[run_id] = ("running", snap.values.get("decision"))
    return states


def _rows(db: Path, sql: str) -> list[sqlite3.Row]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the table was never created: nothing happened
        return []
    finally:
        conn.close()


def duplicate_effects(tools_data: Path, claim_ids: set[str]) -> dict[str, Any]:
    """Effects that happened more than once for one of `claim_ids`: more than one payment for the claim, or more
    than one message on a channel about it (the claimant's `Claim <id>`, the staff queue's `Review claim <id>`;
    recipient and subject are sealed at rest, so they are opened with the tools' key)."""
    payments = Counter(r["claim_id"] for r in _rows(tools_data / "payments.db", "SELECT claim_id FROM payments")
                       if r["claim_id"] in claim_ids)
    cipher = ColumnCipher.from_settings(Settings(data_dir=tools_data))
    sent: Counter[str] = Counter()
    for table in ("outbox", "staff_queue"):
        for r in _rows(tools_data / "notifications.db", f"SELECT channel, subject FROM {table}"):
            claim = cipher.open(r["subject"]).rsplit(" ", 1)[-1]
            if claim in claim_ids:
                sent[f"{r['channel']}:{claim}"] += 1
    twice_paid = {k: n for k, n in payments.items() if n > 1}
    twice_sent = {k: n for k, n in sent.items() if n > 1}
    return {"payments": sum(payments.values()), "notifications": sum(sent.values()),
            "duplicate_payments": twice_paid, "duplicate_notifications": twice_sent,
            "count": sum(n - 1 for n in twice_paid.values()) + sum(n - 1 for n in twice_sent.values())}


def audit_chain(gate_data: Path) -> tuple[bool, str]:
    """(intact, what was found): the gate's hash chain recomputed from its first record."""
    db = gate_data / "audit.db"
    if not db.exists():
        return False, "no audit.db: the gate recorded nothing"
    log = AuditLog(db)
    try:
        return True, f"{log.verify()} records"
    except ChainBroken as exc:
        return False, str(exc)
    finally:
        log.close()
