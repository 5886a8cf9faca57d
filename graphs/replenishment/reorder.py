"""Reorder point and order quantity from a demand forecast: periodic review, order-up-to level, exact money."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist


@dataclass(frozen=True)
class ReorderPlan:
    """What to order and why, in units (and the order's exact value)."""

    position: int          # on hand + on order
    lead_demand: float     # forecast units until an order placed today arrives
    safety_stock: int
    reorder_point: int     # order when the position is at or below this
    order_up_to: int       # cover lead time plus one review period, plus safety stock
    quantity: int          # 0: no order
    total: Decimal         # quantity x unit price

    @property
    def orders(self) -> bool:
        return self.quantity > 0


def plan(forecast: list[float], daily_error_sd: float, *, on_hand: int, on_order: int, lead_time_days: int,
         review_days: int, service_level: float, pack_size: int, unit_price: Decimal) -> ReorderPlan:
    """Safety stock z*sd*sqrt(days) for the chosen service level; order full packs up to the order-up-to level when
    the stock position is at or below the reorder point."""
    if len(forecast) < lead_time_days + review_days:
        raise ValueError("forecast is shorter than lead time plus review period")
    z = NormalDist().inv_cdf(service_level)
    lead = float(sum(forecast[:lead_time_days]))
    cover = float(sum(forecast[:lead_time_days + review_days]))
    safety = math.ceil(z * daily_error_sd * math.sqrt(lead_time_days + review_days))
    reorder_point = math.ceil(lead + z * daily_error_sd * math.sqrt(lead_time_days))
    order_up_to = math.ceil(cover) + safety
    position = on_hand + on_order
    quantity = 0
    if position <= reorder_point:
        quantity = math.ceil(max(0, order_up_to - position) / pack_size) * pack_size
    return ReorderPlan(position=position, lead_demand=round(lead, 1), safety_stock=safety, reorder_point=reorder_point,
                       order_up_to=order_up_to, quantity=quantity, total=unit_price * quantity)
