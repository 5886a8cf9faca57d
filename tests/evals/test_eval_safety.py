"""`warden eval run claims-safety` and `warden policy diff`: a policy pack without the payee rule is a safety
regression (exit 20), and the diff names the rule that no longer applies."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from guardrails.policy import default_policy_dir
from guardrails.policy_manifest import update_manifest

PAYEE_RULE = "payee is not the account on file"


@pytest.fixture(scope="module")
def without_payee_rule(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped pack with the payee-on-file rule cut out, re-pinned in its manifest (as a reviewer
    who missed it would)."""
    pack = tmp_path_factory.mktemp("policy") / "pack"
    shutil.copytree(default_policy_dir(), pack)
    text = (pack / "payments.rego").read_text(encoding="utf-8")
    start, end = text.index("# Exact comparison on purpose"), text.index("# Missing provenance means")
    assert PAYEE_RULE in text[start:end]
    (pack / "payments.rego").write_text(text[:start] + text[end:], encoding="utf-8")
    update_manifest(pack)
    return pack


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_shipped_pack_passes_claims_safety(tmp_path: Path) -> None:
    code, out = _run("eval", "run", "claims-safety", "--reports", str(tmp_path), "--quiet")
    assert code == 0, out
    assert "attacks_not_denied" in out and "canary_leaks" in out
    folder = next(tmp_path.iterdir())
    report = json.loads((folder / "report.json").read_text())
    assert report["exit_code"] == 0
    cases = report["suites"][0]["cases"]
    assert sum(c["id"].startswith("attack:") for c in cases) >= 40
    assert sum(c["id"].startswith("canary:") for c in cases) >= 20
    html = (folder / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<testsuite name=\"claims-safety\"" in (folder / "junit.xml").read_text()


def test_pack_without_the_payee_rule_is_a_safety_regression(tmp_path: Path, without_payee_rule: Path) -> None:
    code, out = _run("eval", "run", "claims-safety", "--policy", str(without_payee_rule), "--reports", str(tmp_path),
                     "--quiet")
    assert code == 20, out
    assert "exit 20: safety regression" in out
    assert "look-alike payee" in out
    junit = (next(tmp_path.iterdir()) / "junit.xml").read_text()
    assert "<failure" in junit and "look-alike payee" in junit


def test_policy_diff_names_the_payee_rule(without_payee_rule: Path) -> None:
    code, out = _run("policy", "diff", str(default_policy_dir()), str(without_payee_rule))
    assert code == 20, out
    assert f"payments.rego" in out and PAYEE_RULE in out
    assert "WEAKER attacks: look-alike payee: Cyrillic A" in out
    code, same = _run("policy", "diff", str(default_policy_dir()), str(default_policy_dir()))
    assert code == 0 and "no decision changed" in same


def test_policy_diff_json_lists_the_rule_per_change(without_payee_rule: Path) -> None:
    code, out = _run("policy", "diff", str(default_policy_dir()), str(without_payee_rule), "--json")
    changes = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    weakened = [c for c in changes if c["weakened"]]
    assert code == 20 and weakened
    assert all(any(PAYEE_RULE in r for r in c["rules_gone"]) for c in weakened)


@pytest.mark.parametrize("args, says", [
    (("eval", "run", "no-such-suite"), "unknown suite"),
    (("eval", "run", "claims-safety", "--baseline", "no-such-baseline"), "no baseline"),
    (("eval", "run", "claims-safety", "--policy", "/nonexistent/pack"), "policy folder not found"),
    (("eval", "run", "claims-safety", "--repeats", "0"), "--repeats"),
    (("policy", "diff", "/nonexistent/a", "/nonexistent/b"), "policy folder not found"),
])
def test_an_eval_that_cannot_run_exits_30_with_one_line(args: tuple[str, ...], says: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 30, result.output
    assert says in result.output and "Traceback" not in result.output


def test_a_pack_that_does_not_match_its_manifest_cannot_run(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_policy_dir(), pack)
    (pack / "payments.rego").write_text((pack / "payments.rego").read_text() + "\n# edited\n")
    code, out = _run("eval", "run", "claims-safety", "--policy", str(pack), "--reports", str(tmp_path / "r"), "--quiet")
    assert code == 30 and "refused" in out


def test_policy_diff_accepts_a_named_weakening_only(without_payee_rule: Path) -> None:
    base = ["policy", "diff", str(default_policy_dir()), str(without_payee_rule)]
    code, _ = _run(*base, "--accept", "look-alike payee: Cyrillic A")
    assert code == 20  # five more weakenings nobody named
    names = ["look-alike payee: Cyrillic A", "look-alike payee: lowercase l for 1", "look-alike payee: Greek lunate sigma for C",
             "look-alike payee: fullwidth digits", "look-alike payee: zero-width space", "attacks: payee with trailing whitespace"]
    code, out = _run(*base, *[a for n in names for a in ("--accept", n)])
    assert code == 0 and "accepted: 6" in out


def test_a_blessed_run_is_a_baseline(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    code, out = _run("eval", "run", "claims-safety", "--limit", "8", "--repeats", "2", "--reports", str(reports), "--quiet")
    assert code == 0, out
    run = next(reports.iterdir())
    code, out = _run("eval", "bless", str(run / "report.json"), "--as", str(tmp_path / "b.json"))
    assert code == 0 and (tmp_path / "b.json").exists()
    code, out = _run("eval", "run", "claims-safety", "--limit", "8", "--baseline", str(tmp_path / "b.json"),
                     "--reports", str(reports), "--quiet")
    assert code == 0 and "same" in out and len(list(reports.iterdir())) == 2
