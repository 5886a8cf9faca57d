"""Policy evaluation latency: the in-process regopy engine deciding a typical payments.issue call."""
from __future__ import annotations

import json
import statistics
import time
from typing import Any

from guardrails.policy import RegopyEngine

PAYMENT_INPUT: dict[str, Any] = {
    "tool": "payments.issue",
    "known_tool": True,
    "args": {"claim_id": "CLM-1001", "amount": 850.0, "currency": "USD", "payee_account": "ACCT-77812"},
    "principal": {"id": "agent:claims_triage", "roles": ["agent"], "on_behalf_of": None},
    "run": {"id": "run-0001", "graph": "claims_triage", "step": 4, "call": 0},
    "provenance": {"claim_id": "system", "amount": "model", "currency": "model", "payee_account": "system"},
    "context": {"claim": {"claim_id": "CLM-1001", "payee_account_on_file": "ACCT-77812",
                          "claimant_email": "pat@example.com", "claimant_phone": "+1 415 555 0100"}},
    "state": {"claim_paid_total": 0.0, "calls_last_minute": 3, "principal_reserved_total": 0},
    "approval": None,
}
"""The policy input the gate builds for the CONTRACTS.md sample call (allowed automatically)."""


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def bench_policy(n: int = 2000) -> dict[str, float]:
    """p50/p99 of `evaluate` in microseconds; each call varies the run step and amount like real traffic."""
    engine = RegopyEngine()
    inputs = []
    for i in range(n):
        doc = json.loads(json.dumps(PAYMENT_INPUT))
        doc["run"]["step"] = i
        doc["args"]["amount"] = 100.0 + (i % 800)
        inputs.append(doc)
    for doc in inputs[: min(200, n)]:  # warm-up
        engine.evaluate(doc)
    timings = []
    for doc in inputs:
        start = time.perf_counter()
        result = engine.evaluate(doc)
        timings.append((time.perf_counter() - start) * 1e6)
        if result.decision != "allow":
            raise RuntimeError(f"benchmark input was not allowed: {result.reasons}")
    timings.sort()
    return {
        "policy_eval_p50_us": round(statistics.median(timings), 1),
        "policy_eval_p99_us": round(_percentile(timings, 0.99), 1),
    }


if __name__ == "__main__":
    print(json.dumps(bench_policy()))
