"""Policy changes apply without a restart; a policy that fails to compile is rejected and the old one stays."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from guardrails.policy import RegopyEngine, default_policy_dir
from guardrails.policy_watch import PolicyWatcher

PAYMENT = {"tool": "payments.issue", "known_tool": True,
           "args": {"claim_id": "CLM-1", "amount": 10.0, "currency": "USD", "payee_account": "ACCT-77812"},
           "principal": {"id": "agent:claims_triage", "roles": ["agent"], "on_behalf_of": None},
           "run": {"id": "r", "graph": "claims_triage", "step": 1, "call": 0},
           "provenance": {"claim_id": "system", "amount": "system", "currency": "system", "payee_account": "system"},
           "context": {"claim": {"claim_id": "CLM-1", "payee_account_on_file": "ACCT-77812"}},
           "state": {"claim_paid_total": 0.0, "calls_last_minute": 0, "principal_reserved_total": 0, "claim_fraud_band": "low"},
           "approval": None}


def test_a_changed_policy_applies_and_a_broken_one_is_rejected(tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), policy_dir)
    engine = RegopyEngine(policy_dir)
    watcher = PolicyWatcher(engine, policy_dir)
    assert engine.evaluate(PAYMENT).decision == "allow"
    old_bundle = engine.bundle

    data = json.loads((policy_dir / "data.json").read_text())
    data["kill_switch"]["all"] = True
    (policy_dir / "data.json").write_text(json.dumps(data))
    assert watcher.check_once()
    assert engine.bundle != old_bundle
    assert engine.evaluate(PAYMENT).decision == "deny"

    kill_bundle = engine.bundle
    (policy_dir / "zz_broken.rego").write_text("package warden\nthis is not rego {\n")
    assert not watcher.check_once()
    assert watcher.last_error and engine.bundle == kill_bundle
    assert engine.evaluate(PAYMENT).decision == "deny"  # the last good policy is still in force
