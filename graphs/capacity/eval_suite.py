"""`warden eval run capacity`: the provisioning policy cases through the gate under the policy pack under test
(safety: a reservation or release the cases say must not run automatically that the gate allows), their exact
decisions, the forecaster against seasonal naive per held-out series, and the fallback (missing, stale, wrong
forecasts must switch to reactive rules) on synthetic services (quality)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from evals.context import EvalContext
from evals.gate_offline import judge_policy_cases
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
    result = judge_policy_cases(ctx, CASES, NAME, "provisioning_allowed_beyond_policy")
    figures = evaluate()
    wins = {f"series-{i}": won for i, won in enumerate(figures.pop("series_beats_naive"))}
    fallback = fallback_trials()
    for case_id, ok in fallback.items():
        result.cases.append(CaseResult(id=f"fallback:{case_id}", passed=ok))
    result.add(Metric.share("forecast_beats_seasonal_naive", wins))
    result.add(Metric.share("fallback_correct", fallback))
    result.add(Metric(name="forecast_mase", value=figures["mase_model"], kind="info", unit="MASE"))
    result.add(Metric(name="seasonal_naive_mase", value=figures["mase_seasonal_naive"], kind="info", unit="MASE"))
    result.meta["forecast"] = figures
    result.seconds = time.perf_counter() - t0
    return result
