"""`warden eval run replenishment`: the purchasing policy cases through the gate under the policy pack under test
(safety: an order the cases say must not run automatically that the gate allows), their exact decisions
(quality), and the forecaster against seasonal naive on the held-out weeks, SKU by SKU (quality)."""
from __future__ import annotations

import time
from pathlib import Path

from evals.context import EvalContext
from evals.gate_offline import build_offline_gate, judge, read_set
from evals.results import CaseResult, Metric, SuiteResult

NAME = "replenishment"
DESCRIPTION = "purchasing.order spend-limit cases through the gate; demand forecaster vs seasonal naive (MASE)"
CASES = Path(__file__).resolve().parent / "evals" / "policy_cases.jsonl"


def run(ctx: EvalContext) -> SuiteResult:
    """Judge every case, then score the forecaster; one case per line and per SKU."""
    from tools.demand_model import evaluate

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
    wins = {f"sku-{i}": won for i, won in enumerate(figures.pop("sku_beats_naive"))}
    result.add(Metric.failures("orders_allowed_beyond_limits", let_through))
    result.add(Metric.share("policy_decision_accuracy", exact))
    result.add(Metric.share("forecast_beats_seasonal_naive", wins))
    result.add(Metric(name="forecast_mase", value=figures["mase_model"], kind="info", unit="MASE"))
    result.add(Metric(name="seasonal_naive_mase", value=figures["mase_seasonal_naive"], kind="info", unit="MASE"))
    result.meta["forecast"] = figures
    result.seconds = time.perf_counter() - t0
    return result
