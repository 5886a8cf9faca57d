"""Fraud features from the claim record: what the claims system knows, never what a document says.

The graph and the gate compute the same features with this one function. The gate refuses a scoring call whose
features differ from the record's (a document that talks the model into a smaller amount or a later date must
not lower its own score); only `payee_matches_record=False` may come from the caller, since it can only raise risk.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any


class RecordIncomplete(ValueError):
    """The record lacks a field the score needs; the message names the field, never a value."""


def _day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise RecordIncomplete(f"claim record lacks a valid {name}") from None


def features_from_record(claim: dict[str, Any]) -> dict[str, Any]:
    """The `scoring.fraud_risk` arguments for a claim record (the view in guardrails/records.py or graph state)."""
    try:
        amount = float(Decimal(str(claim.get("amount_claimed"))))
    except (InvalidOperation, ValueError):
        raise RecordIncomplete("claim record lacks a valid amount_claimed") from None
    incident = _day(claim.get("incident_date"), "incident_date")
    attachments = claim.get("attachments") if isinstance(claim.get("attachments"), dict) else {}
    return {
        "claim_id": claim.get("claim_id"), "claim_type": claim.get("claim_type"), "amount": amount,
        "days_since_policy_start": max(0, (incident - _day(claim.get("policy_start"), "policy_start")).days),
        "prior_claims": int(claim.get("prior_claims") or 0),
        "days_to_report": max(0, (_day(claim.get("submitted_at"), "submitted_at") - incident).days),
        "has_police_report": bool(attachments.get("police_report")),
        "has_receipts": bool(attachments.get("receipts")),
        "payee_matches_record": True,
    }


def disagreements(args: dict[str, Any], claim: dict[str, Any]) -> list[str]:
    """Argument names whose values differ from the record's features (payee_matches_record=False is allowed)."""
    expected = features_from_record(claim)
    out = []
    for name, value in expected.items():
        given = args.get(name, value)
        if name == "payee_matches_record":
            if given not in (True, False):
                out.append(name)
            continue
        if name == "amount":
            try:
                if abs(float(given) - value) > 1e-9:
                    out.append(name)
            except (TypeError, ValueError):
                out.append(name)
            continue
        if given != value:
            out.append(name)
    return out
