"""The demand forecaster behind `scoring.demand_forecast`: a ridge regression over seasonal, promotion and trend
features, trained on a seeded synthetic daily sales history that this module generates.

Why this shape: one global model for every SKU (targets scaled by the SKU's recent level), features that only
need the history the caller sends and the promotion calendar ahead, and training that takes well under a
second and is bit-for-bit deterministic. Nothing is downloaded: `python -m graphs.replenishment.model_card` trains it, writes its few
coefficients to demand_model.json (shipped, so a service starts without training under load) and the model card;
without that file the service trains on first use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import Ridge

SEED = 20261130
N_SKUS = 60
N_DAYS = 420
HOLDOUT_WEEKS = 8
"""The last 8 weeks of every synthetic SKU are held out: never trained or tuned on, only scored."""
MIN_HISTORY = 28
MAX_HORIZON = 28
SEASON = 7
ALPHA = 1.0
"""Fixed before looking at the held-out weeks (no search)."""
MODEL_NAME = "demand-ridge-1"


@dataclass(frozen=True)
class SalesHistory:
    """Synthetic daily unit sales of many SKUs: trend, weekly seasonality, promotions, Poisson noise."""

    sales: np.ndarray   # (skus, days)
    promo: np.ndarray   # (skus, days) 0/1


def synthetic_history(seed: int = SEED, skus: int = N_SKUS, days: int = N_DAYS) -> SalesHistory:
    """The training and evaluation data: deterministic for a seed."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    base_shape = np.array([0.85, 0.8, 0.85, 0.95, 1.1, 1.35, 1.1])  # Monday..Sunday
    sales, promo = np.zeros((skus, days)), np.zeros((skus, days))
    for i in range(skus):
        level = float(np.exp(rng.uniform(np.log(4.0), np.log(120.0))))
        slope = rng.normal(0.0, 0.0015)                        # relative change per day
        shape = base_shape * np.exp(rng.normal(0.0, 0.12, SEASON))
        shape = shape / shape.mean()
        uplift = rng.uniform(0.3, 0.9)
        p = (rng.random(days) < 0.07).astype(float)
        starts = np.flatnonzero(p)
        for s in starts:  # promotions run two to four days
            p[s:s + int(rng.integers(2, 5))] = 1.0
        mean = level * np.clip(1.0 + slope * t, 0.2, None) * shape[t % SEASON] * (1.0 + uplift * p)
        sales[i] = rng.poisson(mean * rng.gamma(20.0, 1.0 / 20.0, days))
        promo[i] = p
    return SalesHistory(sales=sales, promo=promo)


def features(history: np.ndarray, promo_ahead: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
    """Rows of features for days 1..horizon after the history's last day, and the scale the targets are divided
    by (the mean of the last 28 days). Same-weekday medians carry each SKU's own weekly shape; the median of
    four weeks ignores a single promotion day."""
    h = np.asarray(history, dtype=float)[-(MIN_HISTORY * 2):]
    scale = max(float(h[-MIN_HISTORY:].mean()), 1e-3)
    recent, prior = h[-14:].mean(), h[-28:-14].mean()
    slope = (recent - prior) / 14.0 / scale                      # relative change per day
    rows = []
    for step in range(1, horizon + 1):
        lags = [h[len(h) - SEASON * k + ((step - 1) % SEASON)] for k in range(1, 5)]
        seasonal = float(np.median(lags)) / scale
        last_same = lags[0] / scale
        ahead = (step + 6.5)                                     # days from the centre of the last 14 to the target
        pr = float(promo_ahead[step - 1]) if step - 1 < len(promo_ahead) else 0.0
        rows.append([seasonal, last_same, pr, pr * seasonal, slope * ahead, slope * ahead * seasonal, 1.0])
    return np.array(rows), scale


def _training_rows(data: SalesHistory, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Every forecast origin whose targets all fall before day `end`, horizon up to 14 days."""
    xs, ys = [], []
    horizon = 14
    for i in range(data.sales.shape[0]):
        for origin in range(MIN_HISTORY * 2, end - horizon + 1, 3):
            x, scale = features(data.sales[i, :origin], data.promo[i, origin:origin + horizon], horizon)
            xs.append(x)
            ys.append(data.sales[i, origin:origin + horizon] / scale)
    return np.vstack(xs), np.concatenate(ys)


@dataclass(frozen=True)
class DemandModel:
    """A trained forecaster and the spread of its errors (for safety stock)."""

    coef: np.ndarray
    relative_error_sd: float
    """Standard deviation of (actual - forecast) / level on the training rows: the daily error as a share of level."""

    def forecast(self, history: list[float] | np.ndarray, promo_ahead: list[bool] | np.ndarray, horizon: int) -> np.ndarray:
        """Expected units per day for the next `horizon` days (never negative)."""
        if len(history) < MIN_HISTORY * 2:
            raise ValueError(f"history must hold at least {MIN_HISTORY * 2} days")
        x, scale = features(np.asarray(history, dtype=float), np.asarray(promo_ahead, dtype=float), horizon)
        return np.clip(x @ self.coef, 0.0, None) * scale


def train(data: SalesHistory, end: int) -> DemandModel:
    """Fit on targets before day `end` only."""
    x, y = _training_rows(data, end)
    ridge = Ridge(alpha=ALPHA, fit_intercept=False).fit(x, y)
    residual = y - x @ ridge.coef_
    return DemandModel(coef=ridge.coef_.copy(), relative_error_sd=float(residual.std()))


ARTEFACT = Path(__file__).resolve().parent / "demand_model.json"
"""The served model's coefficients (a few numbers), written by `python -m graphs.replenishment.model_card` with the
card; a test checks that training again gives the same numbers."""


def train_served() -> DemandModel:
    """The served model: trained on the whole synthetic history (the card's figures come from `evaluate`)."""
    data = synthetic_history()
    return train(data, data.sales.shape[1])


def save(model: DemandModel, path: Path = ARTEFACT) -> None:
    path.write_text(json.dumps({"model": MODEL_NAME, "seed": SEED, "coef": [float(c) for c in model.coef],
                                "relative_error_sd": model.relative_error_sd}, indent=1) + "\n")


@lru_cache(maxsize=1)
def trained() -> DemandModel:
    """The served model: from the shipped artefact when it is this model's, else trained now (about two seconds)."""
    try:
        saved = json.loads(ARTEFACT.read_text())
        if saved.get("model") == MODEL_NAME and saved.get("seed") == SEED:
            return DemandModel(coef=np.array(saved["coef"], dtype=float), relative_error_sd=float(saved["relative_error_sd"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return train_served()


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """The baseline: each day repeats the same weekday of the last observed week."""
    last_week = np.asarray(history, dtype=float)[-SEASON:]
    return np.array([last_week[(step - 1) % SEASON] for step in range(1, horizon + 1)])


def evaluate(horizon: int = 7) -> dict[str, Any]:
    """MASE of the model and of the seasonal-naive baseline on the held-out last weeks, in one run.

    MASE divides each SKU's mean absolute error by the mean absolute one-week seasonal difference of its own
    training days (Hyndman & Koehler 2006), then averages over SKUs: below 1 beats the in-sample seasonal naive.
    """
    data = synthetic_history()
    days = data.sales.shape[1]
    split = days - HOLDOUT_WEEKS * SEASON
    model = train(data, split)
    mase_model, mase_naive, promo_err, promo_naive_err = [], [], [], []
    for i in range(data.sales.shape[0]):
        y = data.sales[i]
        denom = max(float(np.mean(np.abs(y[SEASON:split] - y[:split - SEASON]))), 1e-6)
        err_m, err_n = [], []
        for origin in range(split, days - horizon + 1, SEASON):
            actual = y[origin:origin + horizon]
            f = model.forecast(y[:origin], data.promo[i, origin:origin + horizon], horizon)
            n = seasonal_naive(y[:origin], horizon)
            err_m.extend(np.abs(actual - f))
            err_n.extend(np.abs(actual - n))
            on_promo = data.promo[i, origin:origin + horizon] > 0
            promo_err.extend(np.abs(actual - f)[on_promo] / denom)
            promo_naive_err.extend(np.abs(actual - n)[on_promo] / denom)
        mase_model.append(np.mean(err_m) / denom)
        mase_naive.append(np.mean(err_n) / denom)
    return {"mase_model": round(float(np.mean(mase_model)), 3), "mase_seasonal_naive": round(float(np.mean(mase_naive)), 3),
            "mase_model_promo_days": round(float(np.mean(promo_err)), 3),
            "mase_naive_promo_days": round(float(np.mean(promo_naive_err)), 3),
            "skus": int(data.sales.shape[0]), "train_days": int(split), "holdout_days": int(days - split),
            "horizon_days": horizon, "relative_error_sd": round(model.relative_error_sd, 3),
            "sku_wins": int(sum(m < n for m, n in zip(mase_model, mase_naive))),
            "sku_beats_naive": [bool(m < n) for m, n in zip(mase_model, mase_naive)]}
