"""`warden demo --graph lead_followup`: one row per lead (score, routing, next best action, outreach verdict)."""
from __future__ import annotations

from typing import Any, TextIO


def print_lead_table(events: list[dict[str, Any]], details: dict[str, Any], warden: Any, out: TextIO) -> dict[str, Any]:
    """Rows in sample order; returns the totals the demo's summary line prints."""
    totals = {"runs": len(events), "allowed": 0, "denied": 0, "awaiting": 0, "no_result": 0}
    print(f"\n{'lead':<10} {'score':>5} {'band':<6} {'decision':<18} {'action':<15} {'disc':>4}  outreach", file=out)
    for event in events:
        outcome = details.get(event["lead_id"])
        if outcome is None:
            totals["no_result"] += 1
            print(f"{event['lead_id']:<10} {'(no result)'}", file=out)
            continue
        d = outcome.detail
        score = f"{d['score']:.2f}" if isinstance(d.get("score"), (int, float)) else "-"
        discount = f"{d['discount']}%" if d.get("discount") else "-"
        outreach = d.get("outreach") or "none"
        if (d.get("pending") or {}).get("kind") == "discount_approval":
            outreach = f"waits for a {d['pending'].get('role', 'manager')} (discount)"
        print(f"{event['lead_id']:<10} {score:>5} {str(d.get('band') or '-'):<6} {str(outcome.decision):<18} "
              f"{str(d.get('action') or '-'):<15} {discount:>4}  {outreach[:90]}", file=out)
        for name in ("allowed", "denied", "awaiting"):
            totals[name] += d.get(name, 0)
    return totals
