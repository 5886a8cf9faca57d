"""Train the lead-propensity model on the seeded synthetic CRM set and record its held-out metrics.

`python -m tools.lead_scoring.train` writes `model_v1.json` (the coefficients), `metrics_v1.json` and the metrics
block of `MODEL_CARD.md`. Deterministic: fixed seed, fixed split, and a regularisation strength chosen by 5-fold
cross-validation on the training split only; the held-out quarter is scored once, after the choice.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from tools.lead_scoring.dataset import FEATURES, SEED, SIZE, generate
from tools.lead_scoring.model import ARTIFACT_PATH, MODEL_NAME, PACKAGE_DIR

METRICS_PATH = PACKAGE_DIR / "metrics_v1.json"
MODEL_CARD_PATH = PACKAGE_DIR / "MODEL_CARD.md"
SPLIT_SEED = 11
TEST_SIZE = 0.25
C_GRID = (0.01, 0.1, 1.0, 10.0)
CALIBRATION_BINS = 10
_CARD_BLOCK = re.compile(r"(<!-- metrics:start -->\n).*?(<!-- metrics:end -->)", re.S)

# The scorecard this model replaced (hand-set weights, `lead-logistic-1`): the baseline it must beat.
SCORECARD_WEIGHTS = (0.6, 1.1, 0.18, 1.3, 0.9)
SCORECARD_BIAS = -4.2


def _scorecard(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(SCORECARD_BIAS + x @ np.array(SCORECARD_WEIGHTS))))


def calibration(y: np.ndarray, p: np.ndarray, bins: int = CALIBRATION_BINS) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error and the reliability table (equal-width bins of predicted probability)."""
    table, ece = [], 0.0
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = (p >= lo) & ((p < hi) if i < bins - 1 else (p <= hi))
        if not inside.any():
            continue
        predicted, observed = float(p[inside].mean()), float(y[inside].mean())
        ece += inside.mean() * abs(predicted - observed)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(inside.sum()), "predicted": round(predicted, 3),
                      "observed": round(observed, 3)})
    return round(float(ece), 4), table


def _measure(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return {"roc_auc": round(float(roc_auc_score(y, p)), 4), "brier": round(float(brier_score_loss(y, p)), 4),
            "log_loss": round(float(log_loss(y, clipped)), 4), "ece": calibration(y, p)[0]}


def fit() -> dict[str, Any]:
    """The model document and its held-out metrics (nothing written)."""
    leads = generate(SIZE, SEED)
    x = np.array([lead.features for lead in leads], dtype=np.float64)
    y = np.array([lead.converted for lead in leads])
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y)
    means, scales = x_train.mean(axis=0), x_train.std(axis=0)
    scales[scales == 0] = 1.0
    z_train, z_test = (x_train - means) / scales, (x_test - means) / scales
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SPLIT_SEED)
    cv = {c: float(cross_val_score(LogisticRegression(C=c, max_iter=1000), z_train, y_train, cv=folds,
                                   scoring="roc_auc").mean()) for c in C_GRID}
    best = max(C_GRID, key=lambda c: (round(cv[c], 4), -c))  # ties: the stronger regularisation
    clf = LogisticRegression(C=best, max_iter=1000).fit(z_train, y_train)
    p = clf.predict_proba(z_test)[:, 1]
    base_rate = float(y_train.mean())
    ece, table = calibration(y_test, p)
    document = {"model": MODEL_NAME, "features": list(FEATURES), "bias": round(float(clf.intercept_[0]), 8),
                "weights": {f: round(float(w), 8) for f, w in zip(FEATURES, clf.coef_[0])},
                "means": {f: round(float(m), 8) for f, m in zip(FEATURES, means)},
                "scales": {f: round(float(s), 8) for f, s in zip(FEATURES, scales)}}
    metrics = {
        "model": MODEL_NAME, "algorithm": "sklearn.linear_model.LogisticRegression on standardised features",
        "C": best, "cv_roc_auc_by_C": {str(c): round(v, 4) for c, v in cv.items()},
        "dataset": {"seed": SEED, "size": SIZE, "conversion_rate": round(float(y.mean()), 4)},
        "n_train": int(len(y_train)), "n_test": int(len(y_test)),
        "held_out": {"model": {**_measure(y_test, p), "ece": ece},
                     "scorecard_baseline": _measure(y_test, _scorecard(x_test)),
                     "base_rate_baseline": {"roc_auc": 0.5, "brier": round(float(np.mean((base_rate - y_test) ** 2)), 4),
                                            "log_loss": round(float(log_loss(y_test, np.full(len(y_test), base_rate))), 4),
                                            "ece": round(abs(base_rate - float(y_test.mean())), 4)}},
        "calibration": table,
    }
    return {"model": document, "metrics": metrics}


def _card_block(metrics: dict[str, Any]) -> str:
    h = metrics["held_out"]
    rows = ["| held-out (n={:,}) | ROC AUC | Brier | log loss | ECE |".format(metrics["n_test"]),
            "| --- | ---: | ---: | ---: | ---: |"]
    for label, key in (("`lead-logreg-v1` (this model)", "model"), ("hand-set scorecard (`lead-logistic-1`)", "scorecard_baseline"),
                       ("base rate", "base_rate_baseline")):
        m = h[key]
        rows.append(f"| {label} | {m['roc_auc']:.3f} | {m['brier']:.3f} | {m['log_loss']:.3f} | {m['ece']:.3f} |")
    rows += ["", "Calibration on the held-out split (predicted probability against the observed conversion rate):", "",
             "| bin | n | predicted | observed |", "| --- | ---: | ---: | ---: |"]
    rows += [f"| {b['bin']} | {b['n']} | {b['predicted']:.3f} | {b['observed']:.3f} |" for b in metrics["calibration"]]
    rows += ["", f"Regularisation C = {metrics['C']} (5-fold CV ROC AUC on the training split: "
             + ", ".join(f"C={c}: {v:.4f}" for c, v in metrics["cv_roc_auc_by_C"].items()) + ")."]
    return "\n".join(rows) + "\n"


def main() -> None:
    result = fit()
    ARTIFACT_PATH.write_text(json.dumps(result["model"], indent=2, sort_keys=True) + "\n")
    METRICS_PATH.write_text(json.dumps(result["metrics"], indent=2) + "\n")
    card = MODEL_CARD_PATH.read_text()
    MODEL_CARD_PATH.write_text(_CARD_BLOCK.sub(lambda m: m.group(1) + _card_block(result["metrics"]) + m.group(2), card))
    h = result["metrics"]["held_out"]
    print(f"{MODEL_NAME}: held-out ROC AUC {h['model']['roc_auc']:.3f} (scorecard {h['scorecard_baseline']['roc_auc']:.3f}), "
          f"Brier {h['model']['brier']:.3f} (scorecard {h['scorecard_baseline']['brier']:.3f}, base rate "
          f"{h['base_rate_baseline']['brier']:.3f}), ECE {h['model']['ece']:.3f}; wrote {ARTIFACT_PATH.name}, "
          f"{METRICS_PATH.name}, {MODEL_CARD_PATH.name}")


if __name__ == "__main__":
    main()
