"""The run journal is filled from the gate's audit trail once per record, whichever backend holds the trail."""
from __future__ import annotations

from pathlib import Path

from api.feed import AuditTail
from api.journal import RunJournal
from api.routes_audit import _through_interface
from guardrails.audit import AuditLog, AuditRecord


class TrailWithSince:
    """A trail offering `since` and `records` only (the interface a Postgres trail offers), over a real AuditLog."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def since(self, after: int, limit: int) -> list[dict]:
        return [r for r in self.log.records() if r["seq"] > after][:limit]

    def records(self, run_id: str | None = None, limit: int | None = None) -> list[dict]:
        return self.log.records(run_id=run_id, limit=limit)


def _append(log: AuditLog, run: str, tool: str) -> None:
    log.append(AuditRecord(tool=tool, run_id=run, graph="claims_triage", decision="allow", args={"claim_id": "CLM-1"}))


def test_the_tail_copies_each_record_once_through_the_sqlite_file_or_the_backend_interface(tmp_path: Path) -> None:
    for backend in ("file", "interface"):
        folder = tmp_path / backend
        log = AuditLog(folder / "audit.db")
        for n in range(5):
            _append(log, f"run-claims_triage-{n % 2}", "payments.issue")
        journal = RunJournal(folder / "api.db")
        tail = AuditTail(folder / "audit.db", journal, audit=TrailWithSince(log) if backend == "interface" else None)
        assert tail.poll() == 5 and tail.poll() == 0  # the cursor moved: nothing twice
        _append(log, "run-claims_triage-0", "notifications.send")
        assert tail.poll() == 1
        assert [e["data"]["audit_seq"] for e in journal.events("run-claims_triage-0")] == [1, 3, 5, 6]
        assert journal.run("run-claims_triage-0")["status"] == "running"


def test_audit_search_through_a_backend_interface_is_newest_first_and_filtered(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    for n in range(6):
        _append(log, "run-claims_triage-1", "payments.issue" if n % 2 else "scoring.fraud_risk")
    rows = _through_interface(TrailWithSince(log), run_id=None, tool="payments.issue", decision=None, before=6, limit=2)
    assert [r.seq for r in rows] == [4, 2]


def test_an_allowed_call_counts_once_in_the_decision_metrics_though_it_has_two_records(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    run = "run-claims_triage-1"
    for status in ("dispatched", "paid"):  # the decision before the effect, then its result
        log.append(AuditRecord(tool="payments.issue", run_id=run, graph="claims_triage", decision="allow",
                               args={"claim_id": "CLM-1"}, result_status=status))
    log.append(AuditRecord(tool="payments.issue", run_id=run, graph="claims_triage", decision="deny",
                           args={"claim_id": "CLM-1"}, result_status="not_executed"))
    journal = RunJournal(tmp_path / "api.db")
    AuditTail(tmp_path / "audit.db", journal).poll()
    assert sorted(journal.counts()["decisions"]) == [("payments.issue", "allow", 1), ("payments.issue", "deny", 1)]
