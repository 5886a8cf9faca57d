"""`OpaEngine` over real HTTP against an OPA REST API stand-in (see opa_standin.py for what it covers).

What is proven here: the engine uploads the whole pack (data and every module), asks `data.warden.decision`
with the input, keeps the last good policy when a new one is refused, removes modules the pack dropped, and
fails closed when the server cannot be trusted to hold a known policy. Whether OPA itself decides like
rego-cpp is test_policy_engines.py::test_opa_engine_decides_like_regopy (needs a real OPA).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from guardrails.policy import PolicyError, RegopyEngine, default_policy_dir
from guardrails.policy_opa import OpaEngine
from opa_standin import OpaStandIn
from test_policy_rules import CASES, make_input, pay


@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    with OpaStandIn() as server:
        yield server


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    return folder


def test_start_uploads_the_whole_pack(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack)
    rego_files = sorted(p.name for p in pack.glob("*.rego") if not p.name.endswith("_test.rego"))
    assert sorted(opa.modules) == [f"warden/{name}" for name in rego_files]
    assert opa.data["payments"]["auto_approval_limit"] == 1000
    assert engine.bundle == RegopyEngine(pack).bundle


def test_decisions_come_from_the_server(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack)
    regopy = RegopyEngine(pack)
    for name, doc, decision, *_ in CASES[:25]:
        assert engine.evaluate(doc) == regopy.evaluate(doc), name
    assert ("POST", "/v1/data/warden/decision") in opa.requests


def test_a_refused_pack_leaves_the_previous_policy_in_force(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack)
    before, modules_before = engine.bundle, dict(opa.modules)
    good = (pack / "payments.rego").read_text()
    # a later module that does not compile: the earlier ones of the new pack are already on the server
    (pack / "data.json").write_text((pack / "data.json").read_text().replace('"auto_approval_limit": 1000', '"auto_approval_limit": 10'))
    (pack / "zz_broken.rego").write_text("package warden\nimport rego.v1\ndeny contains x if {\n")
    with pytest.raises(PolicyError, match="refused the policy pack"):
        engine.reload()
    assert engine.bundle == before
    assert opa.modules == modules_before and opa.data["payments"]["auto_approval_limit"] == 1000
    assert engine.evaluate(pay(amount=500.0)).decision == "allow"  # the old limit (1000) still applies
    (pack / "zz_broken.rego").unlink()
    (pack / "payments.rego").write_text(good)
    engine.reload()
    assert engine.evaluate(pay(amount=500.0)).decision == "require_approval"  # now the new limit (10) applies


def test_modules_the_pack_dropped_are_deleted(opa: OpaStandIn, pack: Path) -> None:
    (pack / "extra.rego").write_text('package warden\nimport rego.v1\ndeny contains "extra rule" if input.tool == "documents.search"\n')
    engine = OpaEngine(opa.url, pack)
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).decision == "deny"
    (pack / "extra.rego").unlink()
    engine.reload()
    assert "warden/extra.rego" not in opa.modules
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).decision == "allow"


def test_modules_are_uploaded_in_dependency_order(opa: OpaStandIn, pack: Path) -> None:
    """A module that calls a function defined in a later file is retried after that file is up."""
    (pack / "aa_uses_helper.rego").write_text(
        'package warden\nimport rego.v1\ndeny contains "helper says no" if zz_helper(input.tool)\n')
    (pack / "zz_helper.rego").write_text('package warden\nimport rego.v1\nzz_helper(t) if t == "documents.search"\n')
    engine = OpaEngine(opa.url, pack)
    assert engine.evaluate(make_input("documents.search", {"query": "hail"})).reasons == ["helper says no"]


def test_when_even_the_rollback_fails_every_call_is_denied(opa: OpaStandIn, pack: Path) -> None:
    engine = OpaEngine(opa.url, pack)
    (pack / "zz_new.rego").write_text('package warden\nimport rego.v1\nnothing if false\n')
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
        engine = OpaEngine(server.url, pack)
    with pytest.raises(PolicyError, match="failed to evaluate"):
        engine.evaluate(make_input())
