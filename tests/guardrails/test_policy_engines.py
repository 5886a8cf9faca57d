"""The two policy engines are interchangeable: same protocol, same bundle digest, same decisions.

The OPA comparison needs a real OPA server: OPA_URL (with WARDEN_OPA_TOKEN / WARDEN_OPA_ADMIN_TOKEN when it
is locked), or an `opa` binary on PATH that this module starts on loopback, locked the way compose runs it
(token authentication, deploy/opa/authz.rego, token digests at data.system.warden_tokens). No PyPI package
ships one, so without either the comparison is skipped, saying why.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from warden.settings import Settings
from guardrails.policy import PolicyEngine, PolicyError, RegopyEngine, default_policy_dir, load_engine
from test_policy_rules import CASES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AUTHZ_POLICY = Path(__file__).resolve().parents[2] / "deploy" / "opa" / "authz.rego"
GATE, OPERATOR = "parity-gate-token", "parity-operator-token"


@pytest.fixture(scope="module")
def opa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """OpaEngine's url and tokens for a real OPA ("" tokens: none; None: from the settings)."""
    if os.environ.get("OPA_URL"):
        yield {"url": os.environ["OPA_URL"]}
        return
    binary = shutil.which("opa")
    if not binary:
        pytest.skip("no OPA server: set OPA_URL or put an `opa` binary on PATH (no PyPI package ships one)")
    port = _free_port()
    tokens = tmp_path_factory.mktemp("opa") / "opa_tokens.json"
    tokens.write_text(json.dumps({role: [hashlib.sha256(token.encode()).hexdigest()]
                                  for role, token in (("gate", GATE), ("operator", OPERATOR))}))
    proc = subprocess.Popen([binary, "run", "--server", "--addr", f"127.0.0.1:{port}",
                             "--authentication=token", "--authorization=basic",
                             str(AUTHZ_POLICY), f"system.warden_tokens:{tokens}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield {"url": f"http://127.0.0.1:{port}", "token": GATE, "admin_token": OPERATOR}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_regopy_engine_meets_the_protocol() -> None:
    engine = RegopyEngine()
    assert isinstance(engine, PolicyEngine)
    assert engine.name == "regopy" and engine.bundle.startswith("sha256:")


def test_load_engine_picks_regopy_without_opa_url(tmp_path: Path) -> None:
    engine = load_engine(Settings(data_dir=tmp_path, opa_url=None))
    assert isinstance(engine, RegopyEngine) and engine.policy_dir == default_policy_dir()


def test_load_engine_uses_the_settings_policy_dir(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_policy_dir(), pack)
    engine = load_engine(Settings(data_dir=tmp_path, opa_url=None, policy_dir=pack))
    assert engine.policy_dir == pack and engine.bundle == RegopyEngine().bundle


def test_load_engine_refuses_a_pack_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_policy_dir(), pack)
    (pack / "payments.rego").unlink()
    with pytest.raises(PolicyError, match="payments.rego is required by manifest.json but missing"):
        load_engine(Settings(data_dir=tmp_path, opa_url=None, policy_dir=pack))


def test_unreachable_opa_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="OPA"):
        load_engine(Settings(data_dir=tmp_path, opa_url=f"http://127.0.0.1:{_free_port()}"))


@pytest.mark.opa
def test_opa_engine_decides_like_regopy(opa_url: dict[str, str]) -> None:
    from guardrails.policy_opa import OpaEngine

    opa = OpaEngine(**opa_url)
    regopy = RegopyEngine()
    assert opa.name == "opa" and opa.bundle == regopy.bundle
    mismatches: list[tuple[str, Any, Any]] = []
    for name, doc, *_ in CASES:
        left, right = regopy.evaluate(doc), opa.evaluate(doc)
        if left != right:
            mismatches.append((name, left, right))
    assert not mismatches
    assert opa.revision_mismatches == 0  # the revision module works on OPA as on the stand-in


@pytest.mark.opa
def test_the_authz_policy_passes_its_own_tests() -> None:
    """`opa test deploy/opa`: authz_test.rego uses `with`, which rego-cpp cannot run."""
    binary = shutil.which("opa")
    if not binary:
        pytest.skip("no `opa` binary on PATH")
    result = subprocess.run([binary, "test", str(AUTHZ_POLICY.parent), "-v"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.opa
def test_a_locked_opa_refuses_writes_without_the_operators_token(opa_url: dict[str, str]) -> None:
    """Against the server this module starts: OPA itself enforces deploy/opa/authz.rego."""
    import httpx

    from guardrails.policy_opa import OpaEngine

    if "token" not in opa_url:
        pytest.skip("OPA_URL points at a server this test did not lock")
    engine = OpaEngine(**opa_url)
    for token in ("", GATE):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        put = httpx.put(f"{opa_url['url']}/v1/policies/warden/payments.rego", content=b"package warden\n", headers=headers)
        assert put.status_code == 401
    assert httpx.get(f"{opa_url['url']}/v1/policies", headers={"Authorization": f"Bearer {GATE}"}).status_code == 401
    assert engine.evaluate(CASES[0][1]) == RegopyEngine().evaluate(CASES[0][1])
