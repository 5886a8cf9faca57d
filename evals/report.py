"""What a run leaves behind: `report.json` (everything), `junit.xml` (for CI viewers) and the printed table.
The HTML report is evals/report_html.py."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from evals.baseline import Finding
from evals.harness import EvalRun

REPORTS = Path(__file__).resolve().parent / "reports"
EXIT_MEANING = {0: "pass", 10: "quality regression", 20: "safety regression", 30: "eval could not run"}


def to_json(run: EvalRun) -> dict:
    """The whole run: options, exit code, findings, and every suite's metrics and cases."""
    return {"run_id": run.run_id, "exit_code": run.exit_code, "exit_meaning": EXIT_MEANING[run.exit_code],
            "options": run.options, "baseline": run.baseline, "findings": [asdict(f) for f in run.findings],
            "suites": [r.to_json() for r in run.results]}


def write_reports(run: EvalRun, root: Path = REPORTS) -> Path:
    """Write report.json, junit.xml and report.html under root/<run id>/; returns that folder."""
    from evals.report_html import render_html

    folder, n = root / run.run_id, 1
    while folder.exists():  # two runs in one second keep both reports
        n += 1
        folder = root / f"{run.run_id.split('-')[0]}-{n}"
    run.run_id = folder.name
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps(to_json(run), indent=1, ensure_ascii=False, default=str) + "\n",
                                        encoding="utf-8")
    (folder / "junit.xml").write_text(junit_xml(run), encoding="utf-8")
    (folder / "report.html").write_text(render_html(run), encoding="utf-8")
    return folder


def _regressed_cases(findings: list[Finding], suite: str) -> set[str]:
    """Case ids named by a regression (a trial id is `case` or `case/field`)."""
    return {t.split("/")[0] for f in findings if f.suite == suite and f.verdict.endswith("regression") for t in f.lost}


def junit_xml(run: EvalRun) -> str:
    """One testsuite per suite: a testcase per metric (fails on a regression) and per case (fails when it counts
    toward the exit code; a quality case that fails without being a regression is reported as skipped)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<testsuites name={quoteattr("warden eval " + run.run_id)}>']
    for r in run.results:
        if r.error:
            parts.append(f'<testsuite name={quoteattr(r.suite)} tests="1" failures="0" errors="1">'
                         f'<testcase classname={quoteattr(r.suite)} name="run"><error message={quoteattr(r.error)}/>'
                         '</testcase></testsuite>')
            continue
        regressed = _regressed_cases(run.findings, r.suite)
        cases: list[str] = []
        failures = skipped = 0
        for f in (f for f in run.findings if f.suite == r.suite):
            body = ""
            if f.verdict.endswith("regression"):
                failures += 1
                body = f'<failure message={quoteattr(_finding_text(f))}>{escape(", ".join(f.lost[:50]))}</failure>'
            cases.append(f'<testcase classname={quoteattr(r.suite + ".metrics")} name={quoteattr(f.metric)}>{body}</testcase>')
        for c in r.cases:
            body = ""
            if not c.passed and (c.kind == "safety" or c.id in regressed):
                failures += 1
                body = f'<failure message={quoteattr(f"expected {c.expected}, got {c.actual}")}/>'
            elif not c.passed:
                skipped += 1
                body = f'<skipped message={quoteattr(f"fails (expected {c.expected}, got {c.actual}); not a regression")}/>'
            cases.append(f'<testcase classname={quoteattr(r.suite)} name={quoteattr(c.id)}>{body}</testcase>')
        parts.append(f'<testsuite name={quoteattr(r.suite)} tests="{len(cases)}" failures="{failures}" errors="0" '
                     f'skipped="{skipped}" time="{r.seconds:.3f}">' + "".join(cases) + "</testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts) + "\n"


def _finding_text(f: Finding) -> str:
    if f.verdict == "safety_regression":
        return f"{f.suite} {f.metric} {int(f.current)}: safety regression"
    base = "" if f.baseline is None else f" (baseline {f.baseline:.3f})"
    p = "" if f.p_value is None else f", p={f.p_value:.3g} {f.test}"
    return f"{f.suite} {f.metric} {f.current:.3f}{base}: {f.verdict.replace('_', ' ')}{p}"


def format_table(run: EvalRun) -> str:
    """The table `warden eval run` prints: one row per metric, regressions marked, then the exit code."""
    by_key = {(f.suite, f.metric): f for f in run.findings}
    head = f"{'suite':<18} {'metric':<29} {'value':>8} {'n':>5} {'baseline':>9} {'p':>9}  verdict"
    lines = [head, "-" * len(head)]
    for r in run.results:
        if r.error:
            lines.append(f"{r.suite:<18} {'(could not run)':<29} {'':>8} {'':>5} {'':>9} {'':>9}  {r.error[:80]}")
            continue
        for name, m in r.metrics.items():
            f = by_key.get((r.suite, name))
            value = f"{int(m.value)}" if m.kind == "safety" or m.unit == "count" else f"{m.value:.3f}"
            base = "" if not f or f.baseline is None else (f"{int(f.baseline)}" if m.kind == "safety" else f"{f.baseline:.3f}")
            p = "" if not f or f.p_value is None else f"{f.p_value:.3g}"
            verdict = (f.verdict.replace("_", " ") if f else m.kind) + (f"  ({len(m.flaky)} flaky)" if m.flaky else "")
            if f and f.verdict == "same" and f.baseline is None:
                verdict = "ok"
            elif f and f.verdict == "new":
                verdict = "no baseline"
            lines.append(f"{r.suite:<18} {name:<29} {value:>8} {m.n if m.kind != 'info' else '':>5} {base:>9} {p:>9}  {verdict}")
    code = run.exit_code
    lines.append(f"\nexit {code}: {EXIT_MEANING[code]}" + (f" (baseline {run.baseline})" if run.baseline else " (no baseline)"))
    for f in run.findings:
        if f.verdict.endswith("regression"):
            lines.append(f"  {_finding_text(f)}; " + ", ".join(f.lost[:8]) + (" ..." if len(f.lost) > 8 else ""))
    return "\n".join(lines)
