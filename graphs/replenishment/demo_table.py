"""`warden demo --graph replenishment`: one row per snapshot (forecast, reorder point, order, gate verdicts)."""
from __future__ import annotations

from typing import Any, TextIO


def print_replenishment_table(events: list[dict[str, Any]], details: dict[str, Any], warden: Any,
                              out: TextIO) -> dict[str, Any]:
    """Rows in sample order; returns the totals the demo's summary line prints."""
    totals = {"runs": len(events), "allowed": 0, "denied": 0, "awaiting": 0, "no_result": 0, "ordered": 0}
    print(f"\n{'sku':<10} {'decision':<18} {'position':>8} {'forecast':>8} {'ROP':>6} {'order':>6} {'value':>12} "
          f"{'allow':>5} {'deny':>4} {'wait':>4}  expected", file=out)
    for event in events:
        outcome = details.get(event["sku"])
        if outcome is None:
            totals["no_result"] += 1
            print(f"{event['sku']:<10} {'(no result)':<18}", file=out)
            continue
        d = outcome.detail
        value = f"{d['total']} {d['currency']}" if d.get("quantity") else "-"
        forecast = f"{d['forecast_total']:.0f}" if d.get("forecast_total") is not None else "-"
        print(f"{event['sku']:<10} {str(outcome.decision):<18} {_n(d.get('position')):>8} {forecast:>8} "
              f"{_n(d.get('reorder_point')):>6} {_n(d.get('quantity')):>6} {value:>12} {d.get('allowed', 0):>5} "
              f"{d.get('denied', 0):>4} {d.get('awaiting', 0):>4}  {event.get('_expect', '')}", file=out)
        for name in ("allowed", "denied", "awaiting"):
            totals[name] += d.get(name, 0)
        totals["ordered"] += outcome.decision == "ordered"
    return totals


def _n(value: Any) -> str:
    return "-" if value is None else str(value)
