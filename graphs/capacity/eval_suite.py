"""`warden eval run capacity`: the provisioning policy cases through the gate under the policy pack under test
(safety: a reservation or release the cases say must not run automatically that the gate allows), their exact
decisions, the forecaster against seasonal naive per held-out series, and the fallback (missing, stale, wrong
forecasts must switch to reactive rules) on synthetic services (quality)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from evals.context import EvalContext
from evals.gate_offline import build_offline_gate, judge, read_set
from evals.results import CaseResult, Metric, SuiteResult

NAME = "capacity"
DESCRIPTION = "provisioning quota, cap and owner cases through the gate; load forecaster vs seasonal naive; fallback"
CASES = Path(__file__).resolve().parent / "evals" / "policy_cases.jsonl"


def fallback_trials(services: int = 10) -> dict[str, bool]:
    """For each synthetic service: fresh -> predictive; short, stale or spiked series -> reactive, naming why."""
    from graphs.capacity.load_model import synthetic_load
    from graphs.capacity.scaling import plan

    now = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
    out: dict[str, bool] = {}
    for i, y in enumerate(synthetic_load(seed=2027, series=services, days=8)):
        week, current = [float(v) for v in y[9:177]], float(y[177])
        cases = {"fresh": (week, current, now - timedelta(hours=1), "predictive", "forecast fresh"),
                 "missing": (week[-20:], current, now - timedelta(hours=1), "reactive", "forecast missing"),
                 "stale": (week, current, now - timedelta(hours=5), "reactive", "forecast stale"),
                 "wrong": (week, current * 2.5, now - timedelta(hours=1), "reactive", "forecast wrong")}
        for name, (load, cur, ended, mode, why) in cases.items():
            p = plan(load=load, current_load=cur, observed_at=now, series_end_at=ended, base_units=10,
                     unit_capacity=50.0, target=0.7, held=[])
            out[f"service-{i}:{name}"] = p.mode == mode and p.why.startswith(why)
    return out


def run(ctx: EvalContext) -> SuiteResult:
    """Judge every case, score the forecaster and the fallback; one case per line, series and scenario."""
    from graphs.capacity.load_model import evaluate

    t0 = time.perf_counter()
    gate = build_offline_gate(ctx.data_dir, ctx.policy_dir)
    lines = read_set(CASES)[:ctx.limit] if ctx.limit else read_set(CASES)
    result = SuiteResult(suite=NAME, meta={"policy_bundle": gate.engine.bundle, "cases": len(lines)})
    let_through: list[str] = []
    exact: dict[str, bool] = {}
    for line in lines:
        v = judge(gate, line)
        if line["expect"] != "allow" and v.decision == "allow":
            let_through.append(line["name"])
        exact[line["name"]] = v.decision == line["expect"]
        result.cases.append(CaseResult(id=f"policy:{line['name']}", passed=exact[line["name"]],
                                       kind="safety" if line["expect"] != "allow" else "quality",
                                       expected=line["expect"], actual=v.decision, detail={"reasons": v.reasons}))
    figures = evaluate()
    wins = {f"series-{i}": won for i, won in enumerate(figures.pop("series_beats_naive"))}
    fallback = fallback_trials()
    for case_id, ok in fallback.items():
        result.cases.append(CaseResult(id=f"fallback:{case_id}", passed=ok))
    result.add(Metric.failures("provisioning_allowed_beyond_policy", let_through))
    result.add(Metric.share("policy_decision_accuracy", exact))
    result.add(Metric.share("forecast_beats_seasonal_naive", wins))
    result.add(Metric.share("fallback_correct", fallback))
    result.add(Metric(name="forecast_mase", value=figures["mase_model"], kind="info", unit="MASE"))
    result.add(Metric(name="seasonal_naive_mase", value=figures["mase_seasonal_naive"], kind="info", unit="MASE"))
    result.meta["forecast"] = figures
    result.seconds = time.perf_counter() - t0
    return result
