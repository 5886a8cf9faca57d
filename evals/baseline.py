"""Baselines: a stored run's metrics, and the comparison that tells a regression from noise.

Noise rule (one-sided, alpha = 0.05, evals/stats.py):
- quality metric whose trials can be paired with the baseline's (same case ids): exact McNemar test on the
  trials that changed; trials flaky in either run (mixed outcomes over --repeats) are left out and listed;
- quality metric without pairable trials: pooled two-proportion z-test on the shares;
- a drop that is not significant is reported as noise, never as a regression;
- safety metrics are not compared: any failure in this run is a safety regression, baseline or not.
"""
from __future__ import annotations

import json
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from evals.results import EvalError, SuiteResult
from evals.stats import ALPHA, mcnemar_one_sided, two_proportion_one_sided

BASELINES = Path(__file__).resolve().parent / "baselines"

Verdict = Literal["safety_regression", "quality_regression", "noise", "improved", "same", "new"]


@dataclass
class Finding:
    """One metric of one suite against its baseline."""

    suite: str
    metric: str
    verdict: Verdict
    current: float
    baseline: float | None = None
    p_value: float | None = None
    test: str = ""
    lost: list[str] = field(default_factory=list)
    gained: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    note: str = ""


def baseline_path(name: str) -> Path:
    """A name in evals/baselines/, or a path to a .json file."""
    path = Path(name)
    if path.suffix == ".json" or "/" in name:
        return path
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise EvalError(f"baseline name {name!r}: use letters, digits, '-', '_' or a path to a .json file")
    return BASELINES / f"{name}.json"


def save_baseline(name: str, results: list[SuiteResult], meta: dict[str, Any]) -> Path:
    """Store the metrics (with per-trial outcomes, for pairing) of every suite that ran; cases stay in the report."""
    path = baseline_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    suites = {}
    for r in results:
        if r.error is None:
            suites[r.suite] = {"suite": r.suite, "meta": r.meta, "metrics": {k: asdict(m) for k, m in r.metrics.items()}}
    body = {"name": path.stem, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": _commit(),
            **meta, "suites": suites}
    path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_baseline(name: str) -> dict[str, SuiteResult]:
    """The stored suites by name; EvalError when the file is missing or unreadable."""
    path = baseline_path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: SuiteResult.from_json(v) for k, v in data["suites"].items()}
    except FileNotFoundError:
        raise EvalError(f"no baseline {name!r} ({path}); create one with --save-baseline {name}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalError(f"baseline {path} is unreadable: {type(exc).__name__}: {exc}") from exc


def compare(results: list[SuiteResult], baseline: dict[str, SuiteResult] | None) -> list[Finding]:
    """A finding per metric: safety failures always; quality metrics against the baseline when there is one."""
    findings: list[Finding] = []
    for r in results:
        if r.error is not None:
            continue
        base = (baseline or {}).get(r.suite)
        for name, m in r.metrics.items():
            if m.kind == "safety":
                findings.append(Finding(r.suite, name, "safety_regression" if m.value > 0 else "same", m.value,
                                        base.metrics[name].value if base and name in base.metrics else None,
                                        test="must be zero", lost=sorted(m.trials)))
            elif m.kind == "quality":
                old = base.metrics.get(name) if base else None
                findings.append(_quality(r.suite, m, old))
    return findings


def _quality(suite: str, m: Any, old: Any) -> Finding:
    if old is None:
        return Finding(suite, m.name, "new", m.value, note="no baseline for this metric")
    flaky = sorted(set(m.flaky) | set(old.flaky))
    common = (set(m.trials) & set(old.trials)) - set(flaky)
    if common:
        lost = sorted(t for t in common if old.trials[t] and not m.trials[t])
        gained = sorted(t for t in common if not old.trials[t] and m.trials[t])
        p, test = mcnemar_one_sided(len(lost), len(gained)), f"McNemar exact, {len(common)} paired trials"
    else:
        lost, gained = [], []
        p, test = two_proportion_one_sided(old.passed, old.n, m.passed, m.n), "two-proportion z (unpaired)"
    if m.value < old.value - 1e-12:
        verdict: Verdict = "quality_regression" if p < ALPHA else "noise"
    elif m.value > old.value + 1e-12:
        verdict = "improved"
    else:
        verdict = "same"
    return Finding(suite, m.name, verdict, m.value, old.value, float(f"{p:.3g}"), test, lost, gained, flaky)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
