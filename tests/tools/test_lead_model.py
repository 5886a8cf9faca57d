"""The lead-propensity model: retraining reproduces what ships, it beats its baselines on the held-out split, and
the service scores with the shipped coefficients (or retrains the same ones when they are missing)."""
from __future__ import annotations

import json
from pathlib import Path

from tools.lead_scoring import model as lead_model
from tools.lead_scoring.dataset import FEATURES
from tools.lead_scoring.train import METRICS_PATH, MODEL_CARD_PATH, fit
from tools.leads import propensity
from tools.schemas import LeadPropensityArgs


def test_retraining_reproduces_the_shipped_model_and_its_card() -> None:
    result = fit()
    assert result["model"] == json.loads(lead_model.ARTIFACT_PATH.read_text())
    assert result["metrics"] == json.loads(METRICS_PATH.read_text())
    held = result["metrics"]["held_out"]
    assert f"| {held['model']['roc_auc']:.3f} | {held['model']['brier']:.3f} |" in MODEL_CARD_PATH.read_text()


def test_the_model_beats_both_baselines_on_the_held_out_split_and_is_calibrated() -> None:
    held = json.loads(METRICS_PATH.read_text())["held_out"]
    model, scorecard, base = held["model"], held["scorecard_baseline"], held["base_rate_baseline"]
    assert model["roc_auc"] > scorecard["roc_auc"] > base["roc_auc"]
    assert model["brier"] < scorecard["brier"] < base["brier"]
    assert model["ece"] < 0.05


def test_a_missing_artefact_is_retrained_to_the_same_coefficients(tmp_path: Path) -> None:
    shipped = lead_model.load()
    again = lead_model.load(tmp_path / "absent.json")
    assert again.weights == shipped.weights and again.bias == shipped.bias and again.version == shipped.version


def test_scores_are_bounded_monotone_in_intent_and_ignore_unknown_features() -> None:
    cold = {"employees_log10": 1.0, "budget_k_log10": 0.5, "site_visits": 0.0, "demo_requested": 0.0, "referral": 0.0}
    warm = {**cold, "demo_requested": 1.0, "site_visits": 6.0}
    s_cold = propensity(LeadPropensityArgs(lead_id="L-1", features=cold))
    s_warm = propensity(LeadPropensityArgs(lead_id="L-1", features={**warm, "shoe_size": 99.0}))
    assert 0.0 <= s_cold.score < s_warm.score <= 1.0
    assert s_warm.model.startswith("lead-logreg-v1+sha256:") and set(FEATURES) == set(cold)
