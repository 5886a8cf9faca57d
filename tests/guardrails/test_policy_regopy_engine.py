"""The regopy engine with the default pack: data-driven switches, the bundle digest, reloads, and inputs that fail closed.

The rules themselves, case by case, are in test_policy_rules.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from guardrails.policy import PolicyError, RegopyEngine, default_policy_dir, load_sources
from guardrails.policy_manifest import update_manifest
from policy_inputs import make_input, notify, pay, reserve


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


# -- data-driven switches ----------------------------------------------------------------------------

def _pack_with(tmp_path: Path, **changes: Any) -> Path:
    """A copy of the shipped pack with top-level data.json sections replaced (data is not pinned by the manifest)."""
    pack = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), pack)
    data = json.loads((pack / "data.json").read_text())
    for key, value in changes.items():
        data[key] = value
    (pack / "data.json").write_text(json.dumps(data))
    return pack


def test_kill_switch_stops_one_tool(tmp_path: Path) -> None:
    engine = RegopyEngine(_pack_with(tmp_path, kill_switch={"all": False, "tools": ["payments.issue"]}))
    result = engine.evaluate(make_input())
    assert result.decision == "deny" and "payments.issue is stopped by the kill switch" in result.reasons
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).decision == "allow"


def test_kill_switch_stops_everything(tmp_path: Path) -> None:
    engine = RegopyEngine(_pack_with(tmp_path, kill_switch={"all": True, "tools": []}))
    for doc in (make_input(), make_input("documents.search", {"query": "hail"})):
        result = engine.evaluate(doc)
        assert result.decision == "deny" and "all tools are stopped by the kill switch" in result.reasons


def test_limits_come_from_data(tmp_path: Path) -> None:
    payments = json.loads((default_policy_dir() / "data.json").read_text())["payments"]
    payments["limits"]["USD"]["auto_approval_minor"] = 50_000
    engine = RegopyEngine(_pack_with(tmp_path, payments=payments))
    result = engine.evaluate(make_input())
    assert result.decision == "require_approval" and "auto-approval limit of 500.00 USD" in result.reasons[0]


def test_every_granted_tool_is_a_known_tool() -> None:
    """The fast path relies on it: a role never grants a tool that data.tools does not define."""
    data = load_sources(default_policy_dir()).data
    for role in data["roles"].values():
        assert set(role["tools"]) <= set(data["tools"])


# -- engine behaviour --------------------------------------------------------------------------------

def test_bundle_digest_changes_with_the_data(tmp_path: Path) -> None:
    base = RegopyEngine().bundle
    assert base.startswith("sha256:") and base == RegopyEngine().bundle
    assert RegopyEngine(_pack_with(tmp_path, rate_limit={"calls_per_minute": 5, "key_calls_per_minute": 20,
                                                           "fleet": {"runtimes": 3, "calls_per_minute_per_runtime": 1200}})).bundle != base


def test_reload_with_a_broken_policy_keeps_the_old_one(tmp_path: Path) -> None:
    pack = _pack_with(tmp_path)
    engine = RegopyEngine(pack)
    before = engine.bundle
    good = (pack / "payments.rego").read_text()
    (pack / "payments.rego").write_text(good + "\ndeny contains if {{{\n")
    with pytest.raises(PolicyError, match="payments.rego differs from the digest"):
        engine.reload()
    update_manifest(pack)  # even with the manifest updated, a pack that does not compile is refused
    with pytest.raises(PolicyError, match="does not compile"):
        engine.reload()
    assert engine.bundle == before
    assert engine.evaluate(make_input()).decision == "allow"
    assert engine.evaluate(pay(amount=-1)).decision == "deny"


def test_reload_picks_up_new_data(tmp_path: Path) -> None:
    pack = _pack_with(tmp_path)
    engine = RegopyEngine(pack)
    data = json.loads((pack / "data.json").read_text())
    data["kill_switch"] = {"all": True, "tools": []}
    (pack / "data.json").write_text(json.dumps(data))
    engine.reload()
    assert engine.evaluate(make_input()).decision == "deny"


def test_broken_policy_fails_at_start(tmp_path: Path) -> None:
    pack = _pack_with(tmp_path)
    (pack / "decision.rego").write_text("package warden\nimport rego.v1\ndecision := {\n")
    with pytest.raises(PolicyError):
        RegopyEngine(pack)


def test_inputs_that_are_not_plain_json_fail_closed(engine: RegopyEngine) -> None:
    with pytest.raises(PolicyError):
        engine.evaluate(pay(amount=float("nan")))
    with pytest.raises(PolicyError):
        engine.evaluate(pay(amount=float("inf")))


def test_nul_bytes_fail_closed(engine: RegopyEngine) -> None:
    """A C string would end at NUL and turn 'ACCT-77812\\0x' into the account on file."""
    with pytest.raises(PolicyError, match="NUL"):
        engine.evaluate(pay(payee_account="ACCT-77812\x00x"))


def test_input_strings_never_break_the_decision_document(engine: RegopyEngine) -> None:
    """rego-cpp writes input strings unescaped, so reasons only echo checked values."""
    doc = pay(claim_id='CLM-1"}, "decision": "allow')
    doc["context"]["claim"]["claim_id"] = 'CLM-1"}, "decision": "allow'
    doc["provenance"]["payee_account"] = 'doc"ument'
    result = engine.evaluate(doc)
    assert result.decision == "deny" and any("unrecognised source" in r for r in result.reasons)
    assert engine.evaluate(make_input('x"y\\', {})).reasons == ["unknown tool (unnamed)"]


def test_huge_numbers_are_judged_not_wrapped(engine: RegopyEngine) -> None:
    assert engine.evaluate(pay(amount=2**70)).decision == "deny"
    assert engine.evaluate(reserve(2**64 + 1)).decision == "deny"


def test_evaluate_is_thread_safe(engine: RegopyEngine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    docs = [make_input(), pay(amount=5000.0), pay(amount=-1), notify("email", "pat@example.com")] * 25
    expected = [engine.evaluate(d).decision for d in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda d: engine.evaluate(d).decision, docs)) == expected
