"""Ticket triage by rules: a closed category set with a confidence, priority where critical words always win, a
queue, the claim and policy ids it names, and a drafted reply that is held for a person, never sent.

Ticket text is untrusted: it is only ever matched against fixed word lists here, so nothing written in a
ticket can change a rule, a queue or what is sent (nothing is sent from this module at all). A triage graph
package with a model can replace `triage` later; the verdict's shape stays.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

Category = Literal["claim_status", "payment_question", "policy_change", "complaint", "fraud_report", "other"]
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "fraud_report": ("fraud", "scam", "stolen identity", "fake claim", "impersonat"),
    "payment_question": ("payment", "paid", "refund", "bank", "deposit", "reimburse"),
    "claim_status": ("claim", "status", "update on", "adjuster", "when will"),
    "policy_change": ("change my policy", "address change", "cancel", "renew", "add a driver", "beneficiary"),
    "complaint": ("complaint", "unacceptable", "disappointed", "angry", "terrible"),
}
QUEUES = {"fraud_report": "fraud-review", "payment_question": "payments", "claim_status": "claims",
          "policy_change": "policy-service", "complaint": "customer-care", "other": "general"}
CRITICAL = ("fraud", "lawyer", "legal action", "data breach", "attorney", "lawsuit")
CLAIM_ID = re.compile(r"\bCLM-\d{4,10}\b")
POLICY_NUMBER = re.compile(r"\bPOL-\d{8}\b")
INJECTION = re.compile(r"ignore (all |any )?(previous|prior|above) (instructions|rules)|system note|you are now|"
                       r"as an ai|disregard (the|your) (rules|instructions)", re.IGNORECASE)


class Triage(BaseModel):
    category: Category
    confidence: float
    priority: Literal["low", "normal", "high", "urgent"]
    queue: str
    claim_ids: list[str]
    policy_numbers: list[str]
    injection_suspected: bool
    reply_draft: str
    reply_status: Literal["draft_needs_approval"] = "draft_needs_approval"


def triage(subject: str, body: str) -> Triage:
    """Classify a ticket by fixed rules (the text decides nothing else)."""
    text = f"{subject}\n{body}".lower()
    scores = {cat: sum(text.count(w) for w in words) for cat, words in CATEGORY_WORDS.items()}
    best = max(scores, key=lambda c: (scores[c], -list(CATEGORY_WORDS).index(c)))
    total = sum(scores.values())
    category = best if scores[best] else "other"
    confidence = round(scores[best] / total, 2) if total else 0.3
    critical = any(w in text for w in CRITICAL)
    priority = "urgent" if critical else ("high" if category in ("payment_question", "complaint") else "normal")
    claims = sorted(set(CLAIM_ID.findall(f"{subject} {body}")))
    policies = sorted(set(POLICY_NUMBER.findall(f"{subject} {body}")))
    about = f" about {', '.join(claims)}" if claims else ""
    reply = (f"Thank you for contacting us{about}. Your request has been passed to our {QUEUES[category]} team, "
             "who will reply within one business day.")
    return Triage(category=category, confidence=confidence, priority=priority, queue=QUEUES[category],
                  claim_ids=claims, policy_numbers=policies, injection_suspected=bool(INJECTION.search(text)),
                  reply_draft=reply)
