"""`warden eval replay`: a demo's audit trail re-judged by the shipped policy gives every recorded decision
back; a pack without the payee rule shows up in the injected-payee calls; a tampered trail cannot be replayed."""
from __future__ import annotations

import asyncio
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.demo import run_demo
from evals.models import build_model
from guardrails.policy import default_policy_dir
from guardrails.policy_manifest import update_manifest
from warden.settings import Settings


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 8 sample claims (paid, awaiting approval, an injected payee) run end to end."""
    data = tmp_path_factory.mktemp("demo") / "data"
    model, llm = build_model("scripted")
    settings = Settings(_env_file=None, data_dir=data, nats_url=None, opa_url=None, credentials=None, llm=llm)
    asyncio.run(run_demo(settings, count=8, model=model, out=io.StringIO(), timeout_s=120))
    return data


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    crash = result.exception if result.exception and not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.output + (f"\nraised {crash!r}" if crash else "")


def test_replay_of_an_unchanged_demo_finds_no_difference(demo_dir: Path) -> None:
    code, out = _run("eval", "replay", str(demo_dir))
    assert code == 0, out
    assert "0 differ, 0 not replayable" in out
    assert int(out.split()[1]) >= 8 * 3 - 2  # every claim's calls were re-judged
    code, out = _run("eval", "replay", str(demo_dir), "--since", "2999-01-01T00:00:00Z")
    assert code == 0 and out.startswith("replayed 0 of 0"), out
    code, out = _run("eval", "replay", str(demo_dir), "--since", "last tuesday")
    assert code == 30 and "--since" in out


def test_replay_under_a_pack_without_the_payee_rule_differs_on_the_injected_payee(demo_dir: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_policy_dir(), pack)
    text = (pack / "payments.rego").read_text()
    start, end = text.index("# Exact comparison on purpose"), text.index("# Missing provenance means")
    (pack / "payments.rego").write_text(text[:start] + text[end:])
    update_manifest(pack)
    code, out = _run("eval", "replay", str(demo_dir), "--policy", str(pack))
    assert code == 10, out  # still denied (the payee came from the model), but for one reason fewer
    assert "run-claims_triage-7" in out and "payee is not the account on file for claim CLM-1007" in out
    code, out = _run("policy", "diff", str(default_policy_dir()), str(pack), "--data-dir", str(demo_dir))
    assert code == 20 and "recorded: audit #" in out


def test_a_tampered_trail_is_not_replayed(demo_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(demo_dir, copy)
    conn = sqlite3.connect(copy / "audit.db")
    conn.execute("UPDATE audit SET body = replace(body, '\"decision\":\"deny\"', '\"decision\":\"allow\"')")
    assert conn.total_changes > 0
    conn.commit()
    conn.close()
    code, out = _run("eval", "replay", str(copy))
    assert code == 30 and "audit chain broken" in out
