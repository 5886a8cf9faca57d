"""`warden eval run claims-decisions`: whole claims runs scored against labels; a worse model exits 10."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_a_model_that_drops_fields_is_a_quality_regression(tmp_path: Path) -> None:
    baseline, reports = tmp_path / "baseline.json", tmp_path / "reports"
    code, out = _run("eval", "run", "claims-decisions", "--limit", "8", "--save-baseline", str(baseline),
                     "--reports", str(reports), "--quiet")
    assert code == 0, out
    stored = json.loads(baseline.read_text())["suites"]["claims-decisions"]["metrics"]
    assert stored["decision_accuracy"]["value"] == 1.0
    assert len(stored["extraction_accuracy"]["trials"]) == 8 * 4

    code, out = _run("eval", "run", "claims-decisions", "--limit", "8", "--model", "scripted-sloppy",
                     "--baseline", str(baseline), "--reports", str(reports), "--quiet")
    assert code == 10, out
    assert "exit 10: quality regression" in out
    regressed = {line.split()[1] for line in out.splitlines() if line.strip().endswith("quality regression")}
    assert {"extraction_accuracy", "model_field_accuracy"} <= regressed
    report = json.loads(sorted(reports.iterdir())[-1].joinpath("report.json").read_text())
    suite = report["suites"][0]
    assert suite["metrics"]["decision_accuracy"]["value"] == 1.0  # the gate and graph still decide right
    assert suite["plots"]["confusion"]["matrix"]["paid"]["paid"] >= 1
    html = sorted(reports.iterdir())[-1].joinpath("report.html").read_text()
    assert "decisions: label vs actual" in html and "gate call latency" in html


def test_generated_claims_are_reproducible_and_labelled() -> None:
    from evals.suites.claims_decisions import load_cases
    from evals.suites.claims_generate import OUT, generate
    from graphs.claims.intake import ClaimEvent

    generated = generate()
    assert [json.dumps(x, ensure_ascii=False) for x in generated] == OUT.read_text(encoding="utf-8").splitlines()
    cases = load_cases()
    assert len(cases) >= 120 and {label.get("split") for _, label in cases} == {"sample", "dev", "heldout"}
    for event, label in cases:
        ClaimEvent.model_validate(event)
        assert label["claim_id"] == event["claim_id"] and label["decision"] in {"paid", "awaiting_approval", "rejected", "escalated"}
