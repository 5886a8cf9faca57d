"""`warden demo --graph capacity`: one row per metrics event (mode, units, reservations, gate verdicts) and why the
forecast was or was not used."""
from __future__ import annotations

from typing import Any, TextIO



def _seq(run_id: str) -> int:
    try:
        return int(run_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def print_capacity_table(events: list[dict[str, Any]], details: dict[str, Any], warden: Any,
                         out: TextIO) -> dict[str, Any]:
    """Rows in the order the events were published (a service may send several); returns the demo's totals."""
    runs = sorted((o for o in warden.runtime.host.outcomes if o.graph == "capacity" and o.status != "skipped"),
                  key=lambda o: _seq(o.run_id))
    totals = {"runs": len(events), "allowed": 0, "denied": 0, "awaiting": 0, "no_result": max(0, len(events) - len(runs))}
    print(f"\n{'service':<14} {'decision':<26} {'mode':<10} {'units':>9} {'forecast':>9} {'+res':>4} {'-rel':>4} "
          f"{'allow':>5} {'deny':>4} {'wait':>4}  expected", file=out)
    why = []
    for event, outcome in zip(events, runs):
        d = outcome.detail
        units = f"{d.get('current_units')}->{d.get('needed_units')}"
        forecast = f"{d['forecast_load']:.0f}" if d.get("forecast_load") is not None else "-"
        print(f"{outcome.key:<14} {str(outcome.decision):<26} {str(d.get('mode')):<10} {units:>9} {forecast:>9} "
              f"{d.get('reserved') or 0:>4} {d.get('released') or 0:>4} {d.get('allowed', 0):>5} {d.get('denied', 0):>4} "
              f"{d.get('awaiting', 0):>4}  {event.get('_expect', '')}", file=out)
        why.append(f"  {outcome.key}: {d.get('why')}")
        for name in ("allowed", "denied", "awaiting"):
            totals[name] += d.get(name, 0)
    print("\n" + "\n".join(why), file=out)
    return totals
