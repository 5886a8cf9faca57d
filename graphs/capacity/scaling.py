"""How many units a service needs next hour: from the forecast when it can be trusted, else from reactive rules on
the current utilisation; and which reservations to make or release to get there."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from graphs.capacity.load_model import MIN_POINTS, SEASON, forecast

STALE_AFTER_S = 2 * 3600
"""A series whose last point is older than two windows does not describe the next one."""
WRONG_ABOVE = 0.25
"""The forecast is wrong when its backtest of the current window misses the measured load by more than 25%."""
SCALE_UP_ABOVE, SCALE_DOWN_BELOW = 0.8, 0.35
"""Reactive rules: utilisation above 80% adds units, below 35% releases them."""


@dataclass(frozen=True)
class ScalingPlan:
    """The units the service should run next window, how that was decided, and what to change."""

    mode: str                   # predictive | reactive
    why: str                    # why this mode (the fallback reason, when reactive)
    current_units: int
    needed_units: int
    forecast_load: float | None
    reserve: int = 0
    release: list[str] = field(default_factory=list)


def units_for(load: float, unit_capacity: float, target: float) -> int:
    return max(1, math.ceil(load / (unit_capacity * target)))


def trust_forecast(load: list[float], current_load: float, observed_at: datetime,
                   series_end_at: datetime | None) -> tuple[list[float] | None, str]:
    """The next window's forecast, or None with the reason it cannot be used: missing, stale, or wrong."""
    if len(load) < MIN_POINTS or series_end_at is None:
        return None, f"forecast missing: {len(load)} hourly points, the model needs {MIN_POINTS}"
    age = (observed_at - series_end_at).total_seconds()
    if age > STALE_AFTER_S:
        return None, f"forecast stale: the series ended {age / 3600:.1f} h before the observation"
    fitted = forecast(load + [current_load], horizon=1)
    if current_load > 0 and abs(fitted.fitted_last - current_load) / current_load > WRONG_ABOVE:
        miss = abs(fitted.fitted_last - current_load) / current_load
        return None, f"forecast wrong: it expected {fitted.fitted_last:.0f} req/s now, measured {current_load:.0f} ({miss:.0%} off)"
    return fitted.next_load, "forecast fresh and within 25% of the measured load"


def plan(*, load: list[float], current_load: float, observed_at: datetime, series_end_at: datetime | None,
         base_units: int, unit_capacity: float, target: float, held: list[dict]) -> ScalingPlan:
    """Predictive when the forecast holds, reactive otherwise; reserve the shortfall, release surplus reservations
    (largest first, never below what is needed)."""
    current_units = base_units + sum(h["quantity"] for h in held)
    predicted, why = trust_forecast(load, current_load, observed_at, series_end_at)
    if predicted is not None:
        mode, expected = "predictive", max(predicted[0], 0.0)
        needed = units_for(expected, unit_capacity, target)
    else:
        mode, expected = "reactive", None
        utilisation = current_load / (current_units * unit_capacity) if current_units else float("inf")
        if utilisation > SCALE_UP_ABOVE or utilisation < SCALE_DOWN_BELOW:
            needed = units_for(current_load, unit_capacity, target)
        else:
            needed = current_units
        why += f"; reactive rules on utilisation {utilisation:.0%}"
    reserve, release = max(0, needed - current_units), []
    surplus = current_units - needed
    for h in sorted(held, key=lambda h: -h["quantity"]):
        if h["quantity"] <= surplus:
            release.append(h["reservation_id"])
            surplus -= h["quantity"]
    return ScalingPlan(mode=mode, why=why, current_units=current_units, needed_units=needed,
                       forecast_load=round(expected, 1) if expected is not None else None, reserve=reserve,
                       release=release)


__all__ = ["SEASON", "ScalingPlan", "plan", "trust_forecast", "units_for"]
