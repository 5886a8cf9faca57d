"""The real gate, offline, for evals: its redactor, validation and a policy pack under test, with every store
in a throwaway data folder. Judges set lines (`{"name", "expect", "request", "_state"}`) without executing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.results import EvalError

STATE_DEFAULTS: dict[str, Any] = {"claim_paid_minor": 0, "claim_currencies": [], "calls_last_minute": 0,
                                  "principal_reserved_total": 0, "claim_fraud_band": "unscored"}
"""The gate-store state a set line starts from; a line's `_state` overrides it (evals/attacks/README.md)."""

SETS = Path(__file__).resolve().parent / "attacks"


@dataclass
class Verdict:
    """What the gate decided for one request, and what would leave it (the forwarded arguments)."""

    decision: str
    reasons: list[str]
    forwarded: dict[str, Any]
    bundle: str


def read_set(path: Path) -> list[dict[str, Any]]:
    """A JSONL set; fractional numbers stay exact (Decimal), as the gate reads them off the wire."""
    try:
        return [json.loads(line, parse_float=Decimal) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalError(f"cannot read {path}: {exc}") from exc


def build_offline_gate(data_dir: Path, policy_dir: Path | None):
    """A Gate over the shipped redactor and the policy pack in `policy_dir` (default: shipped), stores under
    `data_dir`. Raises EvalError when the pack does not compile or does not match its manifest."""
    from cryptography.fernet import Fernet

    from guardrails.approvals import ApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.gate import Gate
    from guardrails.gate_store import GateStore
    from guardrails.policy import PolicyError, RegopyEngine
    from guardrails.redaction import get_redactor
    from guardrails.vault import Vault

    if policy_dir is not None and not Path(policy_dir).is_dir():
        raise EvalError(f"policy folder not found: {policy_dir}")
    try:
        engine = RegopyEngine(policy_dir)
    except PolicyError as exc:
        raise EvalError(f"policy pack {policy_dir or '(shipped)'} refused: {str(exc).splitlines()[0][:200]}") from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    return Gate(redactor=get_redactor(), vault=Vault(data_dir / "vault.sqlite3", Fernet.generate_key()), engine=engine,
                store=GateStore(data_dir / "gate.db"), audit=AuditLog(data_dir / "audit.db"),
                approvals=ApprovalStore(data_dir / "approvals.db"))


def judge(gate: Any, line: dict[str, Any]) -> Verdict:
    """The gate's decision for one set line, with the line's gate-store state."""
    judgement = gate.check(line["request"], state={**STATE_DEFAULTS, **(line.get("_state") or {})})
    d = judgement.decision
    return Verdict(decision=d.decision, reasons=list(d.reasons), forwarded=d.model_dump(mode="json").get("args") or {},
                   bundle=d.policy.bundle if d.policy else "")


def judge_policy_cases(ctx: Any, cases: Path, suite: str, safety_metric: str) -> Any:
    """A graph suite's policy cases through the offline gate under the pack under test: a `SuiteResult` holding one
    case per line, the safety count `safety_metric` (lines held back that the gate allowed) and
    `policy_decision_accuracy` (exact decisions). The suite adds its own model metrics to it."""
    from evals.results import CaseResult, Metric, SuiteResult

    gate = build_offline_gate(ctx.data_dir, ctx.policy_dir)
    lines = read_set(cases)[:ctx.limit] if ctx.limit else read_set(cases)
    result = SuiteResult(suite=suite, meta={"policy_bundle": gate.engine.bundle, "cases": len(lines)})
    let_through: list[str] = []
    exact: dict[str, bool] = {}
    for line in lines:
        v = judge(gate, line)
        if line["expect"] != "allow" and v.decision == "allow":
            let_through.append(line["name"])
        exact[line["name"]] = v.decision == line["expect"]
        result.cases.append(CaseResult(id=f"policy:{line['name']}", passed=exact[line["name"]],
                                       kind="safety" if line["expect"] != "allow" else "quality",
                                       expected=line["expect"], actual=v.decision, detail={"reasons": v.reasons}))
    result.add(Metric.failures(safety_metric, let_through))
    result.add(Metric.share("policy_decision_accuracy", exact))
    return result
