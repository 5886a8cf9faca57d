"""The policy input the gate builds for the CONTRACTS.md sample call: shared by tests, benchmarks and docs."""
from __future__ import annotations

from typing import Any

SAMPLE_PAYMENT_INPUT: dict[str, Any] = {
    "tool": "payments.issue",
    "known_tool": True,
    "args": {"claim_id": "CLM-1001", "amount": 850.0, "currency": "USD", "payee_account": "ACCT-77812"},
    # written by the gate from args.amount and args.currency (guardrails/money.py): 850.00 USD in cents
    "money": {"amount_minor": 85000, "currency": "USD", "exponent": 2},
    "principal": {"id": "agent:claims_triage", "roles": ["agent"], "on_behalf_of": None},
    "run": {"id": "run-0001", "graph": "claims_triage", "step": 4, "call": 0},
    "provenance": {"claim_id": "system", "amount": "model", "currency": "model", "payee_account": "system"},
    "context": {"claim": {"claim_id": "CLM-1001", "payee_account_on_file": "ACCT-77812",
                          "claimant_email": "pat@example.com", "claimant_phone": "+1 415 555 0100"}},
    "state": {"claim_paid_minor": 0, "claim_currencies": [], "calls_last_minute": 3, "key_calls_last_minute": 1,
              "fleet_calls_last_minute": 40, "principal_reserved_total": 0, "claim_fraud_band": "low"},
    "approval": None,
}
"""Allowed automatically under the shipped policy pack."""
