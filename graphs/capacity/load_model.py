"""The load forecaster of the capacity graph: additive Holt-Winters (level, trend, daily season) on the service's
recent hourly load, and the seeded synthetic load it is evaluated on.

Why this model: one pass over a week of points, no training step, smoothing constants fixed in advance (no
search on the held-out days), and it follows both the daily cycle and a slow trend. `evaluate` scores it against
the naive and seasonal-naive baselines for MODEL_CARD.md (`python -m graphs.capacity.model_card`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SEASON = 24                  # hourly windows, one day
ALPHA, BETA, GAMMA = 0.35, 0.02, 0.25
"""Fixed before evaluation: level, trend and season smoothing."""
MIN_POINTS = 2 * SEASON
SEED = 424242
SERIES, DAYS, HOLDOUT_DAYS = 40, 21, 3
MODEL_NAME = "holt-winters-additive-24h"


@dataclass(frozen=True)
class Forecast:
    """One-step and further forecasts from a fitted state."""

    next_load: list[float]    # the next `horizon` windows
    fitted_last: float        # what the model, fitted without the last point, said that point would be


def holt_winters(series: list[float] | np.ndarray, horizon: int = 1) -> list[float]:
    """Forecasts for the `horizon` windows after the series (never negative)."""
    y = np.asarray(series, dtype=float)
    if len(y) < MIN_POINTS or not np.isfinite(y).all():
        raise ValueError(f"the series needs at least {MIN_POINTS} finite points")
    level = float(y[:SEASON].mean())
    trend = float((y[SEASON:2 * SEASON].mean() - y[:SEASON].mean()) / SEASON)
    season = list(y[:SEASON] - level)
    for t, value in enumerate(y):
        s = season[t % SEASON]
        previous = level
        level = ALPHA * (value - s) + (1 - ALPHA) * (level + trend)
        trend = BETA * (level - previous) + (1 - BETA) * trend
        season[t % SEASON] = GAMMA * (value - level) + (1 - GAMMA) * s
    n = len(y)
    return [float(max(0.0, level + h * trend + season[(n + h - 1) % SEASON])) for h in range(1, horizon + 1)]


def forecast(series: list[float], horizon: int = 1) -> Forecast:
    """The next windows, and a backtest of the last observed one (fitted without it) to judge the model by."""
    return Forecast(next_load=holt_winters(series, horizon), fitted_last=holt_winters(series[:-1], 1)[0])


def synthetic_load(seed: int = SEED, series: int = SERIES, days: int = DAYS) -> np.ndarray:
    """Hourly request rates of many services: daily cycle with two peaks, weekends lower, slow trend, noise, rare
    spikes. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * SEASON)
    out = np.zeros((series, len(hours)))
    for i in range(series):
        base = math.exp(rng.uniform(math.log(100), math.log(2000)))
        peak1, peak2 = rng.uniform(9, 12), rng.uniform(17, 21)
        h = hours % SEASON
        daily = 0.35 + 0.9 * np.exp(-((h - peak1) ** 2) / 8.0) + 0.6 * np.exp(-((h - peak2) ** 2) / 6.0)
        weekend = np.where((hours // SEASON) % 7 >= 5, rng.uniform(0.6, 0.9), 1.0)
        trend = 1.0 + rng.normal(0.002, 0.002) * hours / SEASON
        spikes = 1.0 + (rng.random(len(hours)) < 0.01) * rng.uniform(0.3, 1.0, len(hours))
        out[i] = base * daily * weekend * trend * spikes * rng.lognormal(0.0, 0.06, len(hours))
    return out


def evaluate() -> dict[str, Any]:
    """One-step-ahead MAE on the held-out last days of every synthetic series, for the model and two baselines,
    as MASE (scaled by each series' in-sample seasonal-naive MAE) averaged over series."""
    data = synthetic_load()
    n = data.shape[1]
    split = n - HOLDOUT_DAYS * SEASON
    mase = {"model": [], "naive": [], "seasonal_naive": []}
    wins: list[bool] = []
    for y in data:
        scale = float(np.mean(np.abs(y[SEASON:split] - y[:split - SEASON])))
        errors = {"model": [], "naive": [], "seasonal_naive": []}
        for t in range(split, n):
            history = y[max(0, t - 7 * SEASON):t]  # the graph sees the last week
            errors["model"].append(abs(y[t] - holt_winters(history)[0]))
            errors["naive"].append(abs(y[t] - y[t - 1]))
            errors["seasonal_naive"].append(abs(y[t] - y[t - SEASON]))
        for name, errs in errors.items():
            mase[name].append(float(np.mean(errs)) / scale)
        wins.append(bool(mase["model"][-1] < mase["seasonal_naive"][-1]))
    return {"mase_model": round(float(np.mean(mase["model"])), 3),
            "mase_naive": round(float(np.mean(mase["naive"])), 3),
            "mase_seasonal_naive": round(float(np.mean(mase["seasonal_naive"])), 3),
            "series": int(data.shape[0]), "train_days": DAYS - HOLDOUT_DAYS, "holdout_days": HOLDOUT_DAYS,
            "series_wins": int(sum(wins)), "series_beats_naive": wins}
