"""What the gate and the runtime read of a claim: the record view of a stored claim event, the fraud-feature
check of `scoring.fraud_risk` calls against it, and a run's summary."""
from __future__ import annotations

from typing import Any

from graphs.spec import count_calls
from tools.fraud.features import disagreements


def claim_view(event: dict[str, Any]) -> dict[str, Any]:
    """The claim record the payment and notification rules read: the claims system's fields, never the document."""
    claimant = event.get("claimant") if isinstance(event.get("claimant"), dict) else {}
    return {"claim": {
        "claim_id": event.get("claim_id"), "claim_type": event.get("claim_type"),
        "payee_account_on_file": event.get("payee_account_on_file"),
        "claimant_email": claimant.get("email"), "claimant_phone": claimant.get("phone"),
        "claimant_name": claimant.get("name"),
        "amount_claimed": event.get("amount_claimed"), "currency": event.get("currency"),
        "incident_date": event.get("incident_date"), "policy_start": event.get("policy_start"),
        "submitted_at": event.get("submitted_at"), "prior_claims": event.get("prior_claims"),
        "attachments": event.get("attachments") if isinstance(event.get("attachments"), dict) else {},
    }}


def fraud_features_differ(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """A fraud score is computed from the claim form's fields, never from what a document or model says."""
    return disagreements(args, context.get("claim") or {})


def claim_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a claims run: no document text, only decisions and counts."""
    return {
        **count_calls(values),
        "fraud_score": (values.get("fraud") or {}).get("score"),
        "field_sources": values.get("field_sources", {}),
        "intake_redactions": values.get("intake_redactions", 0),
    }


def claim_key(values: dict[str, Any]) -> str | None:
    return (values.get("claim") or {}).get("claim_id")
