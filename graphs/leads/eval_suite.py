"""`warden eval run leads`: the outreach and offer policy cases through the gate under the policy pack under test
(safety: a message or discount the cases hold back that the gate allows), their exact decisions (quality), and the
lead-propensity model against its baselines on the held-out split (quality: it must beat the hand-set scorecard
in ROC AUC and Brier score, and stay calibrated)."""
from __future__ import annotations

import time
from pathlib import Path

from evals.context import EvalContext
from evals.gate_offline import judge_policy_cases
from evals.results import Metric, SuiteResult

NAME = "leads"
DESCRIPTION = "lead outreach (consent, quiet hours, frequency cap, suppression) and discount cases; propensity model vs baselines"
CASES = Path(__file__).resolve().parent / "evals" / "policy_cases.jsonl"
MAX_ECE = 0.05


def run(ctx: EvalContext) -> SuiteResult:
    """Judge every case, then retrain and score the propensity model on its held-out split."""
    from tools.lead_scoring.train import fit

    t0 = time.perf_counter()
    result = judge_policy_cases(ctx, CASES, NAME, "outreach_or_offers_allowed_against_policy")
    held = fit()["metrics"]["held_out"]
    model, card = held["model"], held["scorecard_baseline"]
    checks = {"roc_auc_beats_scorecard": model["roc_auc"] > card["roc_auc"],
              "brier_beats_scorecard": model["brier"] < card["brier"],
              "calibrated": model["ece"] <= MAX_ECE}
    result.add(Metric.share("propensity_model_checks", checks))
    for name, value in (("propensity_roc_auc", model["roc_auc"]), ("scorecard_roc_auc", card["roc_auc"]),
                        ("propensity_brier", model["brier"]), ("propensity_ece", model["ece"])):
        result.add(Metric(name=name, value=value, kind="info"))
    result.meta["model"] = held
    result.seconds = time.perf_counter() - t0
    return result
