"""The static HTML report of one eval run: summary, regressions first, per-suite metrics with intervals and the
baseline, plots (inline SVG), and a drill-down per case. One file, no script, no network."""
from __future__ import annotations

import json
from html import escape

from evals import svg
from evals.harness import EvalRun
from evals.report import EXIT_MEANING
from evals.results import SuiteResult
from evals.stats import wilson

STYLE = """body{font-family:sans-serif;margin:24px;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
th{background:#f3f3f3}.bad{background:#fde2e2}.warn{background:#fff4d6}.ok{color:#2b7a3d}.err{color:#b00}
details{margin:2px 0}summary{cursor:pointer}pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:18px}.banner{padding:10px;font-size:18px;font-weight:bold}"""


def render_html(run: EvalRun) -> str:
    """The whole report as one HTML document."""
    code = run.exit_code
    colour = {0: "#d9f2de", 10: "#fff4d6", 20: "#fde2e2", 30: "#eee"}[code]
    opts = ", ".join(f"{k}={v}" for k, v in run.options.items())
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>warden eval {escape(run.run_id)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>warden eval run {escape(run.run_id)}</h1>",
             f"<div class='banner' style='background:{colour}'>exit {code}: {escape(EXIT_MEANING[code])}</div>",
             f"<p>{escape(opts)}; baseline: {escape(run.baseline or 'none')}</p>",
             _findings(run), _noise_note()]
    for r in run.results:
        parts.append(_suite(run, r))
    parts.append("</body></html>")
    return "\n".join(parts)


def _findings(run: EvalRun) -> str:
    order = {"safety_regression": 0, "quality_regression": 1, "noise": 2, "improved": 3, "new": 4, "same": 5}
    rows = sorted(run.findings, key=lambda f: (order[f.verdict], f.suite, f.metric))
    errors = [r for r in run.results if r.error]
    out = ["<h2>Summary</h2><table><tr><th>suite</th><th>metric</th><th>value</th><th>baseline</th><th>p</th>"
           "<th>test</th><th>verdict</th><th>cases lost</th></tr>"]
    for r in errors:
        out.append(f"<tr class='bad'><td>{escape(r.suite)}</td><td colspan='7' class='err'>could not run: {escape(r.error or '')}</td></tr>")
    for f in rows:
        cls = "bad" if f.verdict.endswith("regression") else "warn" if f.verdict == "noise" else ""
        base = "" if f.baseline is None else f"{f.baseline:.3f}"
        p = "" if f.p_value is None else f"{f.p_value:.3g}"
        out.append(f"<tr class='{cls}'><td>{escape(f.suite)}</td><td>{escape(f.metric)}</td><td>{f.current:.3f}</td>"
                   f"<td>{base}</td><td>{p}</td><td>{escape(f.test)}</td><td>{escape(f.verdict.replace('_', ' '))}</td>"
                   f"<td>{escape(', '.join(f.lost[:12]))}{' ...' if len(f.lost) > 12 else ''}"
                   f"{'<br>flaky: ' + escape(', '.join(f.flaky[:12])) if f.flaky else ''}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _noise_note() -> str:
    return ("<p><small>Noise: a quality metric is a regression only when its drop is significant at one-sided "
            "alpha 0.05: exact McNemar test on trials paired with the baseline's (flaky trials, mixed over repeats, left "
            "out), else a two-proportion z-test. Bars show 95% Wilson intervals; the red tick is the baseline. Safety "
            "metrics must be zero in every run.</small></p>")


def _suite(run: EvalRun, r: SuiteResult) -> str:
    if r.error:
        return f"<h2>{escape(r.suite)}</h2><p class='err'>could not run: {escape(r.error)}</p>"
    base = {f.metric: f.baseline for f in run.findings if f.suite == r.suite}
    out = [f"<h2>{escape(r.suite)}</h2><p>{escape(json.dumps(r.meta, default=str)[:600])}; {r.seconds:.1f} s</p>",
           "<table><tr><th>metric</th><th>kind</th><th>value</th><th>n</th><th>95% interval</th><th>baseline</th>"
           "<th>flaky</th></tr>"]
    bars = []
    for name, m in r.metrics.items():
        lo, hi = wilson(m.passed, m.n) if m.kind == "quality" else (m.value, m.value)
        b = base.get(name)
        cls = "bad" if m.kind == "safety" and m.value > 0 else ""
        out.append(f"<tr class='{cls}'><td>{escape(name)}</td><td>{m.kind}</td><td>{m.value:.3f}</td><td>{m.n}</td>"
                   f"<td>{'' if m.kind != 'quality' else f'{lo:.3f} to {hi:.3f}'}</td>"
                   f"<td>{'' if b is None else f'{b:.3f}'}</td><td>{escape(', '.join(m.flaky[:8]))}</td></tr>")
        if m.kind == "quality":
            bars.append((name, m.value, lo, hi, b))
    out.append("</table><div class='plots'>")
    if bars:
        out.append(svg.metric_bars(bars, f"{r.suite}: quality vs baseline (95% CI)"))
    confusion = r.plots.get("confusion")
    if confusion:
        labels = confusion["labels"]
        out.append(svg.heatmap(labels, labels, confusion["matrix"], "decisions: label vs actual"))
    if r.plots.get("gate_ms"):
        out.append(svg.histogram(r.plots["gate_ms"], "gate call latency (audit timing)"))
    if r.plots.get("attacks_by_tool"):
        out.append(svg.stacked(r.plots["attacks_by_tool"], ("denied", "not_denied"), "attacks by tool"))
    out.append("</div>")
    out.append(_cases(r))
    return "".join(out)


def _cases(r: SuiteResult) -> str:
    failing = [c for c in r.cases if not c.passed]
    passing = [c for c in r.cases if c.passed]
    out = [f"<h3>Cases: {len(failing)} failing, {len(passing)} passing</h3>"]
    for c in failing + passing:
        mark = "<span class='err'>FAIL</span>" if not c.passed else "<span class='ok'>ok</span>"
        flaky = " (flaky: " + "".join("P" if x else "F" for x in c.runs) + ")" if len(set(c.runs)) > 1 else ""
        detail = json.dumps({"expected": c.expected, "actual": c.actual, **c.detail}, indent=1, ensure_ascii=False, default=str)
        out.append(f"<details><summary>{mark} {escape(c.id)} [{c.kind}] expected {escape(str(c.expected))}, "
                   f"got {escape(str(c.actual))}{flaky}</summary><pre>{escape(detail[:4000])}</pre></details>")
    return "".join(out)
