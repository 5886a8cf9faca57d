"""Runs eval suites: each repeat of each suite on a fresh private data folder, repeats merged (pass^k, flaky
trials named), compared with a baseline, and an exit code CI can act on.

Exit codes (docs in README): 0 pass; 10 a quality metric dropped beyond noise; 20 a safety failure (an attack
not denied, a canary in clear, an injected effect) in any suite; 30 a suite could not run. Precedence: 20 over
30 over 10, so a safety failure is never hidden by another suite's crash."""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from evals.baseline import Finding, compare
from evals.context import EvalContext
from evals.results import CaseResult, EvalError, Metric, SuiteResult
from evals.suites import load_suite

EXIT_PASS, EXIT_QUALITY, EXIT_SAFETY, EXIT_ERROR = 0, 10, 20, 30


@dataclass
class EvalRun:
    """Everything one `warden eval run` produced."""

    run_id: str
    results: list[SuiteResult]
    findings: list[Finding] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    baseline: str | None = None

    @property
    def exit_code(self) -> int:
        verdicts = {f.verdict for f in self.findings}
        if "safety_regression" in verdicts:
            return EXIT_SAFETY
        if any(r.error for r in self.results):
            return EXIT_ERROR
        if "quality_regression" in verdicts:
            return EXIT_QUALITY
        return EXIT_PASS


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def run_suite(name: str, *, model: str, policy_dir: Path | None, repeats: int, limit: int | None,
              progress: Callable[[str], None] = lambda _: None) -> SuiteResult:
    """`repeats` runs of one suite, each on its own temp folder (removed after), merged into one result."""
    t0 = time.perf_counter()
    try:
        suite = load_suite(name)
    except EvalError as exc:
        return SuiteResult(suite=name, error=str(exc))
    runs: list[SuiteResult] = []
    for k in range(repeats):
        progress(f"{name}: run {k + 1}/{repeats}")
        folder = Path(tempfile.mkdtemp(prefix=f"warden-eval-{name}-"))
        try:
            runs.append(suite.run(EvalContext(data_dir=folder, policy_dir=policy_dir, model=model, limit=limit, repeat=k)))
        except EvalError as exc:
            return SuiteResult(suite=name, error=str(exc), seconds=time.perf_counter() - t0)
        except Exception as exc:  # a suite bug is an eval that could not run, said in one line
            return SuiteResult(suite=name, error=f"{type(exc).__name__}: {str(exc)[:300]}", seconds=time.perf_counter() - t0)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    merged = merge_repeats(runs)
    merged.seconds = time.perf_counter() - t0
    merged.meta["repeats"] = repeats
    return merged


def merge_repeats(runs: list[SuiteResult]) -> SuiteResult:
    """One result from K runs: a quality trial passes only if it passed every time (pass^k) and is flaky when the
    runs disagree; a safety failure in any run counts; info metrics are averaged; cases keep every run's outcome."""
    first = runs[0]
    if len(runs) == 1:
        for c in first.cases:
            c.runs = [c.passed]
        return first
    merged = SuiteResult(suite=first.suite, meta=dict(first.meta), plots=first.plots)
    for name, m in first.metrics.items():
        all_m = [r.metrics[name] for r in runs if name in r.metrics]
        if m.kind == "safety":
            failed = sorted({t for x in all_m for t in x.trials})
            merged.add(Metric.failures(name, failed))
        elif m.kind == "quality":
            ids = set().union(*(x.trials for x in all_m))
            outcomes = {t: [x.trials.get(t, False) for x in all_m] for t in ids}
            metric = Metric.share(name, {t: all(v) for t, v in outcomes.items()})
            metric.flaky = sorted(t for t, v in outcomes.items() if len(set(v)) > 1)
            merged.add(metric)
        else:
            merged.add(Metric(name=name, value=sum(x.value for x in all_m) / len(all_m), kind="info", n=m.n,
                              passed=m.passed, unit=m.unit))
    by_id: dict[str, list[CaseResult]] = {}
    for r in runs:
        for c in r.cases:
            by_id.setdefault(c.id, []).append(c)
    for cid, cases in by_id.items():
        last = cases[-1]
        merged.cases.append(CaseResult(id=cid, passed=all(c.passed for c in cases), kind=last.kind, expected=last.expected,
                                       actual=last.actual, detail=last.detail, runs=[c.passed for c in cases]))
    return merged


def evaluate(names: list[str], *, model: str = "scripted", policy_dir: Path | None = None, repeats: int = 1,
             limit: int | None = None, baseline: dict[str, SuiteResult] | None = None, baseline_name: str | None = None,
             progress: Callable[[str], None] = lambda _: None) -> EvalRun:
    """Run every suite named, then compare with the baseline."""
    results = [run_suite(n, model=model, policy_dir=policy_dir, repeats=repeats, limit=limit, progress=progress)
               for n in names]
    options = {"suites": names, "model": model, "policy_dir": str(policy_dir) if policy_dir else "shipped",
               "repeats": repeats, "limit": limit}
    return EvalRun(run_id=new_run_id(), results=results, findings=compare(results, baseline), options=options,
                   baseline=baseline_name)
