"""Policy changes apply without a restart; a policy that fails to compile or does not match its manifest is
rejected and the old one stays."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from guardrails.policy import RegopyEngine, default_policy_dir
from guardrails.policy_manifest import MANIFEST_FILE, update_manifest
from guardrails.policy_watch import PolicyWatcher

PAYMENT = {"tool": "payments.issue", "known_tool": True,
           "args": {"claim_id": "CLM-1", "amount": 10.0, "currency": "USD", "payee_account": "ACCT-77812"},
           "money": {"amount_minor": 1000, "currency": "USD", "exponent": 2},
           "principal": {"id": "agent:claims_triage", "roles": ["agent"], "on_behalf_of": None},
           "run": {"id": "r", "graph": "claims_triage", "step": 1, "call": 0},
           "provenance": {"claim_id": "system", "amount": "system", "currency": "system", "payee_account": "system"},
           "context": {"claim": {"claim_id": "CLM-1", "payee_account_on_file": "ACCT-77812"}},
           "state": {"claim_paid_minor": 0, "claim_currencies": [], "calls_last_minute": 0, "principal_reserved_total": 0,
                     "claim_fraud_band": "low"},
           "approval": None}

# The finding: with payments.rego gone, a million in an unknown currency to a stranger on a high-risk claim.
MILLION = {**PAYMENT, "args": {**PAYMENT["args"], "amount": 1_000_000, "currency": "ZZZ", "payee_account": "ACCT-99999"},
           "money_error": "currency is not a known ISO 4217 code",
           "state": {**PAYMENT["state"], "claim_fraud_band": "high"}}
MILLION.pop("money")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    policy_dir = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), policy_dir)
    return policy_dir


def test_a_changed_policy_applies_and_a_broken_one_is_rejected(pack: Path) -> None:
    engine = RegopyEngine(pack)
    watcher = PolicyWatcher(engine, pack)
    assert engine.evaluate(PAYMENT).decision == "allow"
    old_bundle = engine.bundle

    data = json.loads((pack / "data.json").read_text())
    data["kill_switch"]["all"] = True
    (pack / "data.json").write_text(json.dumps(data))
    assert watcher.check_once()
    assert engine.bundle != old_bundle
    assert engine.evaluate(PAYMENT).decision == "deny"

    kill_bundle = engine.bundle
    (pack / "zz_broken.rego").write_text("package warden\nthis is not rego {\n")
    assert not watcher.check_once()
    assert watcher.last_error and engine.bundle == kill_bundle
    assert engine.evaluate(PAYMENT).decision == "deny"  # the last good policy is still in force


def _watching(pack: Path) -> tuple[RegopyEngine, PolicyWatcher, str]:
    engine = RegopyEngine(pack)
    assert engine.evaluate(MILLION).decision == "deny"
    return engine, PolicyWatcher(engine, pack), engine.bundle


def _assert_refused_and_kept(engine: RegopyEngine, watcher: PolicyWatcher, before: str, match: str) -> None:
    assert not watcher.check_once()
    assert watcher.last_error and match in watcher.last_error, watcher.last_error
    assert engine.bundle == before
    result = engine.evaluate(MILLION)
    assert result.decision == "deny" and any("currency must be one of" in r for r in result.reasons)
    assert engine.evaluate(PAYMENT).decision == "allow"


def test_deleting_payments_rego_is_refused_and_the_old_policy_stays(pack: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine, watcher, before = _watching(pack)
    (pack / "payments.rego").unlink()
    with caplog.at_level(logging.ERROR, logger="guardrails.policy_watch"):
        _assert_refused_and_kept(engine, watcher, before, "payments.rego is required by manifest.json but missing")
    assert "policy reload rejected" in caplog.text


def test_truncating_payments_rego_is_refused(pack: Path) -> None:
    engine, watcher, before = _watching(pack)
    (pack / "payments.rego").write_text("package warden\n")
    _assert_refused_and_kept(engine, watcher, before, "payments.rego differs from the digest")


def test_truncating_payments_rego_and_its_digest_is_still_refused(pack: Path) -> None:
    """Someone who rewrites the digest too still meets the rules the manifest says payments.rego defines."""
    engine, watcher, before = _watching(pack)
    truncated = "package warden\n"
    (pack / "payments.rego").write_text(truncated)
    manifest = json.loads((pack / MANIFEST_FILE).read_text())
    import hashlib

    manifest["modules"]["payments.rego"]["sha256"] = hashlib.sha256(truncated.encode()).hexdigest()
    (pack / MANIFEST_FILE).write_text(json.dumps(manifest))
    _assert_refused_and_kept(engine, watcher, before, "payments.rego does not define")


def test_a_module_not_in_the_manifest_is_refused(pack: Path) -> None:
    engine, watcher, before = _watching(pack)
    (pack / "zz_allow.rego").write_text('package warden\nimport rego.v1\nextra := true\n')
    _assert_refused_and_kept(engine, watcher, before, "zz_allow.rego is not in manifest.json")


def test_a_deleted_manifest_is_refused(pack: Path) -> None:
    engine, watcher, before = _watching(pack)
    (pack / MANIFEST_FILE).unlink()
    _assert_refused_and_kept(engine, watcher, before, "manifest.json is missing")


def test_a_manifest_with_a_duplicate_key_is_refused(pack: Path) -> None:
    engine, watcher, before = _watching(pack)
    text = (pack / MANIFEST_FILE).read_text()
    (pack / MANIFEST_FILE).write_text(text.replace('"format": 1,', '"format": 1, "format": 1,'))
    _assert_refused_and_kept(engine, watcher, before, "has the key 'format' twice")


def test_data_with_a_duplicate_key_is_refused(pack: Path) -> None:
    """json keeps the last duplicate: a second kill_switch must not silently replace the first."""
    engine, watcher, before = _watching(pack)
    text = (pack / "data.json").read_text()
    (pack / "data.json").write_text(text.replace('"rate_limit":', '"kill_switch": {"all": false, "tools": []}, "rate_limit":'))
    _assert_refused_and_kept(engine, watcher, before, "has the key 'kill_switch' twice")


def test_a_reviewed_change_applies_once_the_manifest_is_updated(pack: Path) -> None:
    engine, watcher, before = _watching(pack)
    (pack / "zz_freeze.rego").write_text('package warden\nimport rego.v1\n'
                                         'deny contains "payments are frozen" if input.tool == "payments.issue"\n')
    assert not watcher.check_once()
    update_manifest(pack)
    assert watcher.check_once() and engine.bundle != before
    assert engine.evaluate(PAYMENT).reasons == ["payments are frozen"]
