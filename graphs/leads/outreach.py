"""What the lead follow-up graph says to a lead: the next best action for its band, and the first message of the
outreach sequence. Text only from the record's non-personal fields; the address is the lead's vault token."""
from __future__ import annotations

from typing import Any

DISCOUNT_BUDGET_USD = 100_000
"""A hot lead with at least this budget is offered a discount before the first message."""
LARGE_DISCOUNT_BUDGET_USD = 150_000


def next_best_action(band: str, lead: dict[str, Any]) -> str:
    """offer_and_email | email | close: the first touch of the sequence for this lead."""
    if band == "high" and float(lead.get("budget_usd") or 0) >= DISCOUNT_BUDGET_USD:
        return "offer_and_email"
    return "email" if band in ("high", "medium") else "close"


def discount_for(lead: dict[str, Any]) -> int:
    """Percent off the first year: the larger the stated budget, the larger the offer (above 10% needs a manager)."""
    return 15 if float(lead.get("budget_usd") or 0) >= LARGE_DISCOUNT_BUDGET_USD else 5


def first_message(lead: dict[str, Any], band: str, discount: int | None) -> dict[str, str]:
    """Subject and body of the first outreach email (no personal data: the greeting names the company)."""
    offer = f" As a welcome, we can take {discount}% off your first year." if discount else ""
    if band == "high":
        body = (f"Hello {lead['company']} team, thank you for your interest. An account manager will call you this "
                f"week to plan a pilot.{offer} Reply to this email with a time that suits you.")
        return {"subject": "Your Northwind pilot", "body": body}
    body = (f"Hello {lead['company']} team, thank you for your interest. Here is our guide to getting started; "
            "reply to this email whenever you would like a demo.")
    return {"subject": "Getting started with Northwind", "body": body}
