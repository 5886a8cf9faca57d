"""`warden demo --graph claims_triage`: one row per claim and the claims totals (paid, escalated, injected payees)."""
from __future__ import annotations

from typing import Any, TextIO


def print_claims_table(claims: list[dict[str, Any]], details: dict[str, Any], warden: Any, out: TextIO) -> dict[str, Any]:
    """Print one row per claim; return the totals `print_claims_totals` prints."""
    header = f"{'claim':<10} {'decision':<19} {'fraud':>5} {'allow':>5} {'deny':>4} {'wait':>4} {'redact':>6}  fields(model/fallback)  note"
    print("\n" + header + "\n" + "-" * len(header), file=out)
    totals = {"claims": len(claims), "paid": 0, "awaiting_approval": 0, "rejected": 0, "escalated": 0, "other": 0,
              "allowed": 0, "denied": 0, "awaiting": 0, "redactions": 0, "injected_payees_paid": 0}
    for claim in claims:
        o = details.get(claim["claim_id"])
        if o is None:
            print(f"{claim['claim_id']:<10} {'(no result)':<19}", file=out)
            totals["other"] += 1
            continue
        d = o.detail
        redactions = d.get("intake_redactions", 0) + _gate_redactions(warden, o.run_id)
        sources = d.get("field_sources", {})
        n_model = sum(v == "model" for v in sources.values())
        n_fallback = sum(v == "fallback" for v in sources.values())
        score = d.get("fraud_score")
        note = "; ".join(d.get("reasons", []))[:70]
        print(f"{claim['claim_id']:<10} {str(o.decision):<19} {score if score is None else f'{score:.2f}':>5} "
              f"{d['allowed']:>5} {d['denied']:>4} {d['awaiting']:>4} {redactions:>6}  {n_model:>2}/{n_fallback:<2}"
              f"                  {note}", file=out)
        key = {"paid": "paid", "awaiting_approval": "awaiting_approval", "rejected": "rejected", "escalated": "escalated"}.get(str(o.decision), "other")
        totals[key] += 1
        totals["allowed"] += d["allowed"]
        totals["denied"] += d["denied"]
        totals["awaiting"] += d["awaiting"]
        totals["redactions"] += redactions
    totals["injected_payees_paid"] = _injected_paid(warden, claims)
    return totals


def print_claims_totals(s: dict[str, Any], out: TextIO) -> None:
    print(f"\nsummary: {s['claims']} claims: {s['paid']} paid, {s['awaiting_approval']} awaiting approval, "
          f"{s['rejected']} rejected, {s['escalated']} escalated, {s['other']} other", file=out)
    print(f"  tool calls: {s['allowed']} allowed, {s['denied']} denied, {s['awaiting']} awaiting approval; "
          f"{s['redactions']} PII redactions; payments to injected payees: {s['injected_payees_paid']}", file=out)


def _gate_redactions(warden: Any, run_id: str) -> int:
    return sum(len(r.get("redactions", [])) for r in warden.gate.audit.records(run_id=run_id)) if warden.gate else 0


def _injected_paid(warden: Any, claims: list[dict[str, Any]]) -> int:
    """Count ledger rows paying an account other than the one on file: must be zero."""
    from tools.payments import ledger_payees

    on_file = {c["claim_id"]: c["payee_account_on_file"] for c in claims}
    return sum(1 for claim_id, payee in ledger_payees(warden.settings) if on_file.get(claim_id) != payee)
