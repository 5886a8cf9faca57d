"""`OpaEngine` over real HTTP against an OPA REST API stand-in (see opa_standin.py for what it covers).

What is proven here: the engine uploads the whole pack (data, every module with its revision mark, and the
revision module), asks `data.warden.meta.checked` with the input and decides only when the revision beside
the decision is its own, keeps the last good policy when a new one is refused, removes modules the pack
dropped, fails closed when the server cannot be trusted to hold a known policy, and sends the right token to
a locked server (deploy/opa/authz.rego): the operator's for uploads, the gate's for decisions. Whether OPA
itself decides like rego-cpp is test_policy_engines.py::test_opa_engine_decides_like_regopy (needs a real
OPA); attacks on a running server are tests/security/test_opa_locked.py.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from guardrails.policy import PolicyError, RegopyEngine, default_policy_dir
from guardrails.policy_opa import META_POLICY_ID, OpaEngine, marked_modules
from opa_standin import OpaStandIn
from test_policy_rules import CASES, make_input, pay

GATE, OPERATOR = "gate-token-for-tests", "operator-token-for-tests"

@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    with OpaStandIn() as server:
        yield server


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    return folder


def reviewed(pack: Path, *, remove: bool = False) -> None:
    """Records the pack's modules in its manifest, as a reviewer does after a change (a pack without one: nothing)."""
    if (pack / "manifest.json").exists():
        from guardrails.policy_manifest import update_manifest

        update_manifest(pack, remove=remove)


def add_module(pack: Path, name: str, text: str) -> None:
    (pack / name).write_text(text)
    reviewed(pack)


def drop_module(pack: Path, name: str) -> None:
    (pack / name).unlink()
    reviewed(pack, remove=True)


def change_data(pack: Path, mutate: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads((pack / "data.json").read_text())
    mutate(data)
    (pack / "data.json").write_text(json.dumps(data, indent=2))


def kill_all(data: dict[str, Any]) -> None:
    data["kill_switch"]["all"] = True


@pytest.fixture
def locked() -> Iterator[OpaStandIn]:
    """A server that admits only the two tokens, as compose runs OPA."""
    with OpaStandIn(tokens={"gate": GATE, "operator": OPERATOR}) as server:
        yield server


def test_start_uploads_the_whole_pack(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    rego_files = sorted(p.name for p in pack.glob("*.rego") if not p.name.endswith("_test.rego"))
    assert sorted(opa.modules) == sorted([f"warden/{name}" for name in rego_files] + [META_POLICY_ID])
    assert opa.data == json.loads((pack / "data.json").read_text())
    assert engine.bundle == RegopyEngine(pack).bundle


def test_each_module_goes_up_as_written_plus_its_mark(opa: OpaStandIn, pack: Path) -> None:
    OpaEngine(opa.url, pack, token="", admin_token="")
    payments = (pack / "payments.rego").read_text()
    uploaded = opa.modules["warden/payments.rego"]
    assert uploaded.startswith(payments.rstrip())
    assert 'warden_revision_mark contains "payments.rego sha256:' in uploaded.removeprefix(payments.rstrip())
    assert "package warden.meta" in opa.modules[META_POLICY_ID]


def test_decisions_come_from_the_server(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    regopy = RegopyEngine(pack)
    for name, doc, decision, *_ in CASES[::3]:  # every kind of rule; all of them against a real OPA: -m opa
        assert engine.evaluate(doc) == regopy.evaluate(doc), name
    # one query returns the decision and the revision it came from
    assert ("POST", "/v1/data/warden/meta/checked") in opa.requests
    assert engine.revision_mismatches == 0


def test_record_facts_are_granted_as_regopy_grants_them(opa: OpaStandIn, pack: Path) -> None:
    """An email to the claimant on file may carry the claimant's name (reveal_facts), one to anyone else not."""
    from test_policy_rules import notify

    engine, regopy = OpaEngine(opa.url, pack, token="", admin_token=""), RegopyEngine(pack)
    for doc in (notify("email", "pat@example.com"), notify("email", "claims-team@northwind.example"),
                notify("email", "mallory@evil.com")):
        assert engine.evaluate(doc) == regopy.evaluate(doc)
    assert engine.evaluate(notify("email", "pat@example.com")).reveal_facts == ["claimant_name"]
    assert engine.evaluate(notify("email", "claims-team@northwind.example")).reveal_facts == []


def test_a_refused_pack_leaves_the_previous_policy_in_force(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    before, modules_before, data_before = engine.bundle, dict(opa.modules), json.loads(json.dumps(opa.data))
    # new data (the kill switch on) and a later module that does not compile: the data and the earlier
    # modules of the new pack are already on the server when OPA refuses it
    change_data(pack, kill_all)
    add_module(pack, "zz_broken.rego", "package warden\nimport rego.v1\ndeny contains x if {\n")
    with pytest.raises(PolicyError, match="refused the policy pack"):
        engine.reload()
    assert engine.bundle == before
    assert opa.modules == modules_before and opa.data == data_before
    assert engine.evaluate(pay(amount=500.0)).decision == "allow"  # the old data (no kill switch) still applies
    drop_module(pack, "zz_broken.rego")
    engine.reload()
    assert engine.evaluate(pay(amount=500.0)).decision == "deny"  # now the new data applies


def test_modules_the_pack_dropped_are_deleted(opa: OpaStandIn, pack: Path) -> None:
    add_module(pack, "extra.rego", 'package warden\nimport rego.v1\ndeny contains "extra rule" if input.tool == "documents.search"\n')
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).decision == "deny"
    drop_module(pack, "extra.rego")
    engine.reload()
    assert "warden/extra.rego" not in opa.modules
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).decision == "allow"


def test_modules_are_uploaded_in_dependency_order(opa: OpaStandIn, pack: Path) -> None:
    """A module that calls a function defined in a later file is retried after that file is up."""
    (pack / "aa_uses_helper.rego").write_text(
        'package warden\nimport rego.v1\ndeny contains "helper says no" if zz_helper(input.tool)\n')
    add_module(pack, "zz_helper.rego", 'package warden\nimport rego.v1\nzz_helper(t) if t == "documents.search"\n')
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).reasons == ["helper says no"]


def test_when_even_the_rollback_fails_every_call_is_denied(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack, token="", admin_token="")
    add_module(pack, "zz_new.rego", 'package warden\nimport rego.v1\nnothing if false\n')
    opa.refuse_puts = True
    with pytest.raises(PolicyError):
        engine.reload()
    assert engine.bundle == ""
    with pytest.raises(PolicyError, match="no known policy"):
        engine.evaluate(make_input())
    opa.refuse_puts = False
    engine.reload()
    assert engine.evaluate(make_input()).decision == "allow"


def test_a_server_that_goes_away_fails_closed(pack: Path) -> None:
    with OpaStandIn() as server:
        engine = OpaEngine(server.url, pack, token="", admin_token="")
    with pytest.raises(PolicyError, match="failed to evaluate"):
        engine.evaluate(make_input())


def test_with_tokens_uploads_use_the_operators_and_decisions_the_gates(locked: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(locked.url, pack, token=GATE, admin_token=OPERATOR)
    assert engine.uploads and locked.refused == []
    assert engine.evaluate(pay(amount=500.0)).decision == "allow"
    assert engine.evaluate(pay(amount=20_000.0)).decision == "require_approval"
    assert locked.refused == [] and engine.revision_mismatches == 0


def test_the_gate_token_alone_uploads_nothing_and_checks_the_pack_the_loader_pushed(locked: OpaStandIn, pack: Path) -> None:
    with pytest.raises(PolicyError, match="holds policy revision"):  # nothing pushed yet: the gate will not start
        OpaEngine(locked.url, pack, token=GATE, admin_token="")
    OpaEngine(locked.url, pack, token="", admin_token=OPERATOR)  # the policy loader
    requests_before = len(locked.requests)
    gate = OpaEngine(locked.url, pack, token=GATE, admin_token="")
    assert not gate.uploads
    assert all(method == "POST" for method, _ in locked.requests[requests_before:])
    assert gate.evaluate(pay(amount=500.0)).decision == "allow"
    assert locked.refused == []


def test_a_gate_whose_pack_changed_on_disk_denies_until_the_loader_pushes_it(locked: OpaStandIn, pack: Path) -> None:
    OpaEngine(locked.url, pack, token="", admin_token=OPERATOR)
    gate = OpaEngine(locked.url, pack, token=GATE, admin_token="")
    change_data(pack, kill_all)
    with pytest.raises(PolicyError, match="holds policy revision"):
        gate.reload()
    with pytest.raises(PolicyError, match="decided with policy revision"):
        gate.evaluate(pay(amount=500.0))
    OpaEngine(locked.url, pack, token="", admin_token=OPERATOR)  # the loader pushes the new pack
    assert gate.evaluate(pay(amount=500.0)).decision == "deny"
    assert "kill switch" in " ".join(gate.evaluate(pay(amount=500.0)).reasons).lower()


def test_a_wrong_gate_token_fails_closed_saying_which_token(locked: OpaStandIn, pack: Path) -> None:
    OpaEngine(locked.url, pack, token="", admin_token=OPERATOR)
    with pytest.raises(PolicyError, match="refused the gate's token"):
        OpaEngine(locked.url, pack, token="not-the-gate-token", admin_token="")


def test_the_gate_token_cannot_upload(locked: OpaStandIn, pack: Path) -> None:
    with pytest.raises(PolicyError, match="refused the operator's token"):
        OpaEngine(locked.url, pack, token=GATE, admin_token=GATE)
    assert locked.modules == {} and locked.data == {}


def test_the_uploaded_pack_is_what_the_marks_describe(pack: Path) -> None:
    from guardrails.policy import load_sources

    sources = load_sources(pack)
    assert set(marked_modules(sources)) == set(sources.modules)


def test_tokens_come_from_the_settings_object(locked: OpaStandIn, pack: Path, tmp_path: Path) -> None:
    from warden.settings import Settings

    loader = Settings(data_dir=tmp_path, opa_url=locked.url, opa_admin_token=OPERATOR)
    assert OpaEngine.from_settings(loader, pack).uploads
    gate = OpaEngine.from_settings(Settings(data_dir=tmp_path, opa_url=locked.url, opa_token=GATE), pack)
    assert not gate.uploads and gate.evaluate(pay(amount=500.0)).decision == "allow"
    assert locked.refused == []
