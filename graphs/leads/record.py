"""What the gate and the runtime read of a lead: the record view of a stored lead event, the check that a
propensity score is asked with the record's own features, and a run's summary."""
from __future__ import annotations

import math
from typing import Any

from graphs.spec import count_calls
from guardrails.record_clock import known_zone


def valid_timezone(name: Any) -> str | None:
    """`name` when it is an IANA time zone this machine knows, else None (the policy then holds all outreach)."""
    return name if isinstance(name, str) and known_zone(name) is not None else None


def lead_view(event: dict[str, Any]) -> dict[str, Any]:
    """The CRM's fields the policy and the fact check read; never the lead's message. Contact facts (address,
    consent, time zone) are what outreach is judged by."""
    contact = event.get("contact") if isinstance(event.get("contact"), dict) else {}
    consent = event.get("consent") if isinstance(event.get("consent"), dict) else {}
    view = {key: event.get(key) for key in
            ("lead_id", "company", "employees", "budget_usd", "site_visits", "demo_requested", "source")}
    view |= {"email": contact.get("email") if isinstance(contact.get("email"), str) else None,
             "consent_email": consent.get("email") is True, "timezone": valid_timezone(event.get("timezone"))}
    return {"lead": view}


def lead_features(lead: dict[str, Any]) -> dict[str, float]:
    """The model's features, from the record only (what the lead writes in its message never counts)."""
    try:
        employees, budget = float(lead["employees"]), float(lead["budget_usd"])
        visits = float(lead.get("site_visits") or 0)
    except (KeyError, TypeError, ValueError):
        raise ValueError("lead record lacks employees or budget_usd") from None
    return {"employees_log10": round(math.log10(max(1.0, employees)), 6),
            "budget_k_log10": round(math.log10(max(1.0, budget / 1000.0)), 6),
            "site_visits": min(visits, 50.0),
            "demo_requested": 1.0 if lead.get("demo_requested") is True else 0.0,
            "referral": 1.0 if lead.get("source") == "referral" else 0.0}


def features_differ(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """Arguments of `scoring.lead_propensity` that disagree with the lead record (a score for another lead too)."""
    lead = context.get("lead") or {}
    expected = lead_features(lead)
    given = args.get("features") if isinstance(args.get("features"), dict) else {}
    out = [] if args.get("lead_id") == lead.get("lead_id") else ["lead_id"]
    for name in sorted(set(expected) | set(given)):
        try:
            if abs(float(given[name]) - expected[name]) > 1e-9:
                out.append(f"features.{name}")
        except (KeyError, TypeError, ValueError):
            out.append(f"features.{name}")
    return out


def lead_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a lead run: decisions, score and counts, no message text."""
    return {**count_calls(values), "score": (values.get("score") or {}).get("score"), "action": values.get("action"),
            "outreach": values.get("outreach", "none"), "discount": (values.get("offer") or {}).get("percent"),
            "band": (values.get("score") or {}).get("band"), "intake_redactions": values.get("intake_redactions", 0)}


def lead_key(values: dict[str, Any]) -> str | None:
    return (values.get("lead") or {}).get("lead_id")
