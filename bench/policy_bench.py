"""Policy evaluation latency: the in-process regopy engine deciding a typical payments.issue call."""
from __future__ import annotations

import json
import statistics
import time

from guardrails.money import money_fields
from guardrails.policy import RegopyEngine
from guardrails.policy_samples import SAMPLE_PAYMENT_INPUT

PAYMENT_INPUT = SAMPLE_PAYMENT_INPUT


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _payments(n: int, base: float) -> list[dict]:
    inputs = []
    for i in range(n):
        doc = json.loads(json.dumps(PAYMENT_INPUT))
        doc["run"]["step"] = i
        doc["args"]["amount"] = base + (i % 800)
        doc.update(money_fields(doc["args"]))  # as the gate reads it: exact minor units
        inputs.append(doc)
    return inputs


def _timings_us(engine: RegopyEngine, inputs: list[dict], expect: str) -> list[float]:
    for doc in inputs[: min(200, len(inputs))]:  # warm-up
        engine.evaluate(doc)
    timings = []
    for doc in inputs:
        start = time.perf_counter()
        result = engine.evaluate(doc)
        timings.append((time.perf_counter() - start) * 1e6)
        if result.decision != expect:
            raise RuntimeError(f"benchmark input was {result.decision}, not {expect}: {result.reasons}")
    return sorted(timings)


def bench_policy(n: int = 2000) -> dict[str, float]:
    """p50/p99 of `evaluate` in microseconds; each call varies the run step and amount like real traffic.

    The headline is an automatic payment (the fast path); the baseline is a payment above the auto-approval
    limit, which only the full rules can decide (require_approval), measured in the same run."""
    engine = RegopyEngine()
    payments = _payments(n, 100.0)
    if not engine.fast_path_allows(payments[0]):  # else the headline would silently time the full rules
        raise RuntimeError(f"the benchmark payment is not decided by the fast path ({engine.fast_status})")
    fast = _timings_us(engine, payments, "allow")
    full = _timings_us(engine, _payments(n // 4, 1500.0), "require_approval")
    return {
        "policy_eval_p50_us": round(statistics.median(fast), 1),
        "policy_eval_p99_us": round(_percentile(fast, 0.99), 1),
        "policy_eval_full_rules_p50_us": round(statistics.median(full), 1),
    }


if __name__ == "__main__":
    print(json.dumps(bench_policy()))
