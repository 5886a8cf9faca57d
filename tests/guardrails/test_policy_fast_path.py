"""The fast path (guardrails/policies/fast_path.rego) next to the full rules: it may only shortcut calls the full
rules allow, the engine's trimmed input must still reach it, and a rule added to the pack turns it off."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from regopy import Interpreter

from guardrails.policy import (
    PolicyError,
    RegopyEngine,
    _fast_view,
    _query,
    _set_input,
    default_policy_dir,
    load_sources,
    rules_digest,
)
from guardrails.policy_fast_data import fast_data
from guardrails.policy_manifest import MANIFEST_FILE, update_manifest
from test_policy_rules import CASES, make_input, notify, paid


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


@pytest.fixture(scope="module")
def full_rules() -> Interpreter:
    """The pack loaded into a plain interpreter, to ask the full rules directly (bypassing the fast path)."""
    sources = load_sources(default_policy_dir())
    interp = Interpreter()
    for name, text in sources.modules.items():
        interp.add_module(name, text)
    interp.add_data(sources.data)
    return interp


def query(interp: Interpreter, doc: dict[str, Any], rule: str) -> Any:
    """One rule's value for `doc`, the input set the way the engine sets it."""
    from regopy.rego_shared import rego_free_output, rego_output_string, rego_query

    _set_input(interp._impl, doc)
    out = rego_query(interp._impl, f"data.warden.{rule}")
    try:
        text = rego_output_string(out)
    finally:
        rego_free_output(out)
    return None if text == "undefined" else json.loads(text, strict=False)["expressions"][0]



@pytest.mark.parametrize(("name", "doc", "decision", "reason", "role"), CASES, ids=[c[0] for c in CASES])
def test_fast_path_agrees_with_full_rules(engine: RegopyEngine, full_rules: Interpreter, name: str, doc: dict[str, Any],
                                          decision: str, reason: str | None, role: str | None) -> None:
    """The fast path may only shortcut calls the full rules allow too, with the same arguments revealed."""
    full = query(full_rules, doc, "decision")
    assert full == engine.evaluate(doc).model_dump(exclude={"reveal_facts"})
    if query(full_rules, doc, "fast.allow") is not None:
        assert full["decision"] == "allow"


def test_common_calls_take_the_fast_path(full_rules: Interpreter) -> None:
    for doc in (make_input(), make_input("documents.search", {"query": "hail"})):
        assert query(full_rules, doc, "fast.allow") is True


def test_a_second_payment_in_the_claims_currency_takes_the_fast_path(engine: RegopyEngine) -> None:
    doc = paid(50_000, ["USD"])
    compiled = engine._compiled
    assert _query(compiled.runner._impl, compiled.fast, "warden/fast/payments_issue", _fast_view(doc)) is True


def test_engine_answers_common_calls_from_its_fast_rules(engine: RegopyEngine) -> None:
    """The engine asks one fast rule per tool on a trimmed input: the common calls must still be decided there
    (a field missing from the trimmed view would silently send every call to the slower full rules)."""
    compiled = engine._compiled
    common = (make_input(), notify("email", "pat@example.com"), make_input("documents.search", {"query": "hail"}))
    for doc in common:
        entrypoint = compiled.fast_entrypoint(doc["tool"])
        assert entrypoint is not None
        assert _query(compiled.runner._impl, compiled.fast, entrypoint, _fast_view(doc)) is True, doc["tool"]
    assert compiled.fast_entrypoint("tickets.update") == "warden/fast/plain"
    assert compiled.fast_entrypoint("provisioning.reserve") is None  # argument rules, no fast rule: full rules
    assert compiled.fast_entrypoint("provisioning.release") is None  # the owner check is an argument rule
    assert compiled.fast_entrypoint("purchasing.order") is None
    assert compiled.fast_entrypoint("no.such_tool") is None


def test_shipped_fast_path_covers_the_shipped_rules(engine: RegopyEngine) -> None:
    """Changing a rule module turns the fast path off until fast_path.rego is reviewed and its `covers` updated."""
    assert engine.fast_path == "on"


def test_a_deny_rule_added_to_the_pack_is_not_bypassed_by_the_fast_path(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), pack)
    search = make_input("documents.search", {"query": "hail"})
    assert RegopyEngine(pack).evaluate(search).decision == "allow"
    (pack / "freeze.rego").write_text('package warden\nimport rego.v1\n'
                                      'deny contains "document search is frozen" if input.tool == "documents.search"\n')
    update_manifest(pack)
    engine = RegopyEngine(pack)
    assert engine.fast_path.startswith("off: the rules changed") and rules_digest(load_sources(pack).modules) in engine.fast_path
    assert engine.evaluate(search).reasons == ["document search is frozen"]
    assert engine.evaluate(make_input()).decision == "allow"  # the full rules still allow the common payment


def _pack_with_new_tool(tmp_path: Path, tool: str, entry: dict[str, Any] | None) -> Path:
    """The shipped pack with `tool` in data.json (granted to agents) and, when `entry` is given, in the manifest."""
    pack = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), pack)
    data = json.loads((pack / "data.json").read_text())
    data["tools"][tool] = {"effectful": True, "reveal": []}
    data["roles"]["agent"]["tools"].append(tool)
    (pack / "data.json").write_text(json.dumps(data))
    if entry is not None:
        manifest = json.loads((pack / MANIFEST_FILE).read_text())
        manifest["tools"][tool] = entry
        (pack / MANIFEST_FILE).write_text(json.dumps(manifest))
    return pack


def test_a_new_tool_is_refused_until_the_manifest_declares_it(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="tool refunds.issue is in data.json but not declared"):
        RegopyEngine(_pack_with_new_tool(tmp_path, "refunds.issue", None))


def test_a_new_tool_is_never_fast_pathed_by_default(tmp_path: Path) -> None:
    """Declared with no fast rule, the tool goes to the full rules; it is not on the plain allow-list either."""
    engine = RegopyEngine(_pack_with_new_tool(tmp_path, "refunds.issue", {"module": None, "fast": None}))
    assert engine.fast_path == "on" and engine._compiled.fast_entrypoint("refunds.issue") is None
    doc = make_input("refunds.issue", {"claim_id": "CLM-1001"})
    assert engine.evaluate(doc).decision == "allow"  # access only, decided by the full rules
    compiled = engine._compiled
    assert _query(compiled.runner._impl, compiled.fast, "warden/fast/plain", _fast_view(doc)) is None


def test_the_manifest_and_the_plain_allow_list_must_agree(tmp_path: Path) -> None:
    """Declaring a tool `plain` in the manifest without listing it in fast_path.rego's plain_tools is refused."""
    with pytest.raises(PolicyError, match="plain_tools and the tools manifest.json declares plain differ: refunds.issue"):
        RegopyEngine(_pack_with_new_tool(tmp_path, "refunds.issue", {"module": None, "fast": "plain"}))


def test_a_tool_with_argument_rules_cannot_be_plain(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), pack)
    manifest = json.loads((pack / MANIFEST_FILE).read_text())
    manifest["tools"]["payments.issue"]["fast"] = "plain"
    (pack / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(PolicyError, match="payments.issue has argument rules in payments.rego"):
        RegopyEngine(pack)


def test_a_fast_rule_that_answers_anything_but_true_fails_closed(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), pack)
    fast = (pack / "fast_path.rego").read_text()
    fast = fast.replace("plain if {\n\tinput.tool in plain_tools", 'plain := "yes" if {\n\tinput.tool in plain_tools')
    (pack / "fast_path.rego").write_text(fast)
    update_manifest(pack)
    engine = RegopyEngine(pack)
    assert engine.fast_path == "on"
    with pytest.raises(PolicyError, match="not a boolean"):
        engine.evaluate(make_input("documents.search", {"query": "hail"}))


def test_the_fast_bundle_gets_only_the_data_its_module_names() -> None:
    data = {"roles": {"agent": {}}, "payments": {"limits": {}}, "tools": {"x": {}}, "company": "Northwind"}
    module = "package warden.fast\n# data.company is read by the full rules only\nok if { data.roles.agent; data.payments }\n"
    assert fast_data(module, data) == {"payments": {"limits": {}}, "roles": {"agent": {}}}
    # reaching data any other way gets the whole document (nothing the module might read is left out)
    assert fast_data("package warden.fast\nok if { data[\"roles\"] }\n", data) == data
    assert fast_data("package warden.fast\nok if { x := data; x.roles }\n", data) == data
    # a `#` inside a string does not start a comment: what follows it on the line is still read
    hashed = 'package warden.fast\nok if { regex.match(`[#]`, input.x); not data.tools.x } # "data.company"\n'
    assert fast_data(hashed, data) == {"tools": {"x": {}}}
    assert fast_data('package warden.fast\nok if { input.x == "#"; data.company }\n', data) == {"company": "Northwind"}
