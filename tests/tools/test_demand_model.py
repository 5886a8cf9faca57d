"""The demand forecaster: deterministic, better than the seasonal-naive baseline on held-out weeks, typed errors."""
from __future__ import annotations

import numpy as np
import pytest

from graphs.replenishment.model_card import CARD
from tools import demand_model as dm
from tools.demand import forecast
from tools.errors import InvalidToolArgs
from tools.schemas import DemandForecastArgs


def test_the_model_beats_seasonal_naive_on_the_held_out_weeks_and_the_card_says_so() -> None:
    figures = dm.evaluate()
    assert figures["mase_model"] < figures["mase_seasonal_naive"]
    assert figures["mase_model"] < 0.8
    card = CARD.read_text()
    assert f"**{figures['mase_model']}**" in card and f"| {figures['mase_seasonal_naive']} |" in card


def test_training_is_deterministic_and_the_shipped_coefficients_are_a_fresh_training() -> None:
    data = dm.synthetic_history()
    a, b = dm.train(data, 200), dm.train(data, 200)
    assert (a.coef == b.coef).all() and a.relative_error_sd == b.relative_error_sd
    fresh, shipped = dm.train_served(), dm.trained()
    assert np.allclose(fresh.coef, shipped.coef, rtol=0, atol=1e-12)
    assert abs(fresh.relative_error_sd - shipped.relative_error_sd) < 1e-12


def test_a_promotion_raises_the_forecast() -> None:
    history = [float(v) for v in dm.synthetic_history(seed=3, skus=1, days=84).sales[0]]
    plain = forecast(DemandForecastArgs(sku="SKU-1", history=history, horizon=7))
    promo = forecast(DemandForecastArgs(sku="SKU-1", history=history, horizon=7, promo_days=[True] * 7))
    assert promo.total > plain.total * 1.2 and len(plain.forecast) == 7


def test_a_short_history_is_a_typed_error() -> None:
    with pytest.raises(InvalidToolArgs, match="at least 56 days"):
        forecast(DemandForecastArgs(sku="SKU-1", history=[3.0] * 20, horizon=7))
