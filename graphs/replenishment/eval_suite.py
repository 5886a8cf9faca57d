"""`warden eval run replenishment`: the purchasing policy cases through the gate under the policy pack under test
(safety: an order the cases say must not run automatically that the gate allows), their exact decisions
(quality), and the forecaster against seasonal naive on the held-out weeks, SKU by SKU (quality)."""
from __future__ import annotations

import time
from pathlib import Path

from evals.context import EvalContext
from evals.gate_offline import judge_policy_cases
from evals.results import Metric, SuiteResult

NAME = "replenishment"
DESCRIPTION = "purchasing.order spend-limit cases through the gate; demand forecaster vs seasonal naive (MASE)"
CASES = Path(__file__).resolve().parent / "evals" / "policy_cases.jsonl"


def run(ctx: EvalContext) -> SuiteResult:
    """Judge every case, then score the forecaster; one case per line and per SKU."""
    from tools.demand_model import evaluate

    t0 = time.perf_counter()
    result = judge_policy_cases(ctx, CASES, NAME, "orders_allowed_beyond_limits")
    figures = evaluate()
    wins = {f"sku-{i}": won for i, won in enumerate(figures.pop("sku_beats_naive"))}
    result.add(Metric.share("forecast_beats_seasonal_naive", wins))
    result.add(Metric(name="forecast_mase", value=figures["mase_model"], kind="info", unit="MASE"))
    result.add(Metric(name="seasonal_naive_mase", value=figures["mase_seasonal_naive"], kind="info", unit="MASE"))
    result.meta["forecast"] = figures
    result.seconds = time.perf_counter() - t0
    return result
