"""Rate limits that mean something, judged by the real gate (SQLite store, shipped Rego): a looping run is stopped,
many runs cannot hammer one claim, a person is limited, and the fleet limit is sized by the fleet in data.json."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from cryptography.fernet import Fernet

from guardrails.approvals import ApprovalStore
from guardrails.audit import AuditLog
from guardrails.contracts import Principal
from guardrails.gate import Gate
from guardrails.gate_store import GateStore
from guardrails.policy import RegopyEngine, default_policy_dir
from guardrails.records import RunFacts
from guardrails.redaction import get_redactor
from guardrails.vault import Vault

AGENT = Principal(id="agent:claims_triage", roles=["agent"])


def make_gate(tmp_path: Path, policy_dir: Path | None = None) -> Gate:
    return Gate(redactor=get_redactor(), vault=Vault(tmp_path / "vault.db", Fernet.generate_key()),
                engine=RegopyEngine(policy_dir) if policy_dir else RegopyEngine(), store=GateStore(tmp_path / "gate.db"),
                audit=AuditLog(tmp_path / "audit.db"), approvals=ApprovalStore(tmp_path / "approvals.db"))


def pack_with(target: Path, **rate_limit) -> Path:
    """The shipped pack with some `rate_limit` figures changed (what an operator edits in data.json)."""
    shutil.copytree(default_policy_dir(), target)
    data = json.loads((target / "data.json").read_text())
    data["rate_limit"] |= rate_limit
    (target / "data.json").write_text(json.dumps(data))
    return target


def search(run: int, principal: Principal = AGENT) -> dict:
    return {"tool": "documents.search", "args": {"query": "water damage"},
            "principal": principal.model_dump(), "run": {"id": f"run-claims_triage-{run}", "graph": "claims_triage", "step": 1}}


def facts(run: int, claim_id: str) -> RunFacts:
    """What the gate reads of the run from its stored event: above all, the claim it is about."""
    return RunFacts(graph="claims_triage", run_id=f"run-claims_triage-{run}", seq=run, subject="events.claims.submitted",
                    event={"claim_id": claim_id}, key=claim_id)


def judge(gate: Gate, run: int, claim_id: str) -> tuple[str, list[str]]:
    decision = gate.check(search(run), count_call=True, bound=AGENT, facts=facts(run, claim_id)).decision
    return decision.decision, decision.reasons


def test_a_looping_run_is_stopped(tmp_path: Path) -> None:
    gate = make_gate(tmp_path)
    decisions = [judge(gate, 1, "CLM-1001") for _ in range(21)]
    assert [d for d, _ in decisions] == ["allow"] * 20 + ["deny"]  # its claim's limit is the tighter one
    # with the key's limit out of the way, the run's own limit stops the loop
    loose = make_gate(tmp_path / "loose", pack_with(tmp_path / "pack", key_calls_per_minute=1000))
    decisions = [judge(loose, 1, "CLM-1001") for _ in range(61)]
    assert [d for d, _ in decisions] == ["allow"] * 60 + ["deny"]
    assert "rate limit: at most 60 calls per minute to documents.search" in decisions[-1][1]


def test_a_claim_cannot_be_hammered_by_many_runs(tmp_path: Path) -> None:
    gate = make_gate(tmp_path)
    decisions = [judge(gate, run, "CLM-1001") for run in range(1, 26)]  # 25 runs, one call each, one claim
    assert [d for d, _ in decisions] == ["allow"] * 20 + ["deny"] * 5
    assert all("at most 20 calls per minute to documents.search on one business key" in r[0] for _, r in decisions[20:])
    assert judge(gate, 99, "CLM-2002") == ("allow", [])  # another claim is not held up by it


def test_a_person_is_limited(tmp_path: Path) -> None:
    gate = make_gate(tmp_path)
    ann, bob = Principal(id="user:ann", roles=["staff"]), Principal(id="user:bob", roles=["staff"])
    decisions = [gate.check(search(run, ann), count_call=True, bound=ann).decision for run in range(61)]
    assert [d.decision for d in decisions[:60]] == ["allow"] * 60  # a fresh run id each time changes nothing
    assert decisions[60].decision == "deny" and any("at most 60 calls per minute" in r for r in decisions[60].reasons)
    assert gate.check(search(0, bob), count_call=True, bound=bob).decision.decision == "allow"


def test_the_fleet_limit_is_sized_by_the_fleet(tmp_path: Path) -> None:
    """Every run of a graph is one agent principal: its calls across the fleet stop at runtimes x per-runtime."""
    for runtimes, allowed in ((1, 5), (2, 10)):
        pack = pack_with(tmp_path / f"pack{runtimes}", fleet={"runtimes": runtimes, "calls_per_minute_per_runtime": 5})
        gate = make_gate(tmp_path / f"gate{runtimes}", pack)
        decisions = [judge(gate, run, f"CLM-{run}") for run in range(allowed + 1)]  # each run its own claim
        assert [d for d, _ in decisions] == ["allow"] * allowed + ["deny"]
        assert f"fleet rate limit: at most {allowed} calls per minute to documents.search by this agent" in decisions[-1][1]
