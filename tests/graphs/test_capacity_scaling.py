"""The capacity graph's decision, as pure functions: the forecast is used only when present, fresh and right;
otherwise reactive rules decide and the reason names the fallback. Reorder arithmetic of replenishment too."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from graphs.capacity.load_model import synthetic_load
from graphs.capacity.scaling import plan
from graphs.replenishment.reorder import plan as reorder

NOW = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
WEEK = [float(v) for v in synthetic_load(seed=5, series=1, days=8)[0]]


def _plan(load=WEEK[9:177], current=None, ended=NOW - timedelta(hours=1), held=()):
    return plan(load=list(load), current_load=WEEK[177] if current is None else current, observed_at=NOW,
                series_end_at=ended, base_units=10, unit_capacity=50.0, target=0.7, held=list(held))


def test_a_fresh_right_forecast_scales_ahead() -> None:
    p = _plan()
    assert p.mode == "predictive" and p.forecast_load is not None and p.why.startswith("forecast fresh")


def test_missing_stale_and_wrong_forecasts_fall_back_and_say_so() -> None:
    assert _plan(load=WEEK[:10]).why.startswith("forecast missing")
    assert _plan(ended=NOW - timedelta(hours=3)).why.startswith("forecast stale")
    wrong = _plan(current=WEEK[177] * 3)
    assert wrong.mode == "reactive" and wrong.why.startswith("forecast wrong") and "reactive rules" in wrong.why


def test_surplus_reservations_are_released_largest_first_never_below_need() -> None:
    p = _plan(current=525.0, ended=None, held=[{"reservation_id": "RES-A-0001", "quantity": 8},
                                              {"reservation_id": "RES-B-0001", "quantity": 30}])
    assert p.mode == "reactive" and p.needed_units == 15 and p.release == ["RES-B-0001"] and p.reserve == 0


def test_reorder_orders_full_packs_up_to_cover_only_at_the_reorder_point() -> None:
    forecast = [10.0] * 14
    low = reorder(forecast, 3.0, on_hand=40, on_order=0, lead_time_days=7, review_days=7, service_level=0.95,
                  pack_size=12, unit_price=Decimal("4.20"))
    assert low.reorder_point == 84 and low.quantity % 12 == 0 and low.position + low.quantity >= low.order_up_to
    assert low.total == Decimal("4.20") * low.quantity
    assert reorder(forecast, 3.0, on_hand=400, on_order=0, lead_time_days=7, review_days=7, service_level=0.95,
                   pack_size=12, unit_price=Decimal("4.20")).quantity == 0
