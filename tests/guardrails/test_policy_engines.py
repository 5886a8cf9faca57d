"""The two policy engines are interchangeable: same protocol, same bundle digest, same decisions.

The OPA comparison needs a real OPA server: OPA_URL, or an `opa` binary on PATH that this module starts
on loopback. No PyPI package ships one, so without either the comparison is skipped, saying why.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from agents.settings import Settings
from guardrails.policy import PolicyEngine, PolicyError, RegopyEngine, default_policy_dir, load_engine
from test_policy_rules import CASES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def opa_url() -> Iterator[str]:
    if os.environ.get("OPA_URL"):
        yield os.environ["OPA_URL"]
        return
    binary = shutil.which("opa")
    if not binary:
        pytest.skip("no OPA server: set OPA_URL or put an `opa` binary on PATH (no PyPI package ships one)")
    port = _free_port()
    proc = subprocess.Popen([binary, "run", "--server", "--addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
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


def test_unreachable_opa_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="OPA"):
        load_engine(Settings(data_dir=tmp_path, opa_url=f"http://127.0.0.1:{_free_port()}"))


@pytest.mark.opa
def test_opa_engine_decides_like_regopy(opa_url: str) -> None:
    from guardrails.policy_opa import OpaEngine

    opa = OpaEngine(opa_url)
    regopy = RegopyEngine()
    assert opa.name == "opa" and opa.bundle == regopy.bundle
    mismatches: list[tuple[str, Any, Any]] = []
    for name, doc, *_ in CASES:
        left, right = regopy.evaluate(doc), opa.evaluate(doc)
        if left != right:
            mismatches.append((name, left, right))
    assert not mismatches
