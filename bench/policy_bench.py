"""Policy evaluation latency: the in-process regopy engine deciding a typical payments.issue call."""
from __future__ import annotations

import json
import statistics
import time

from guardrails.policy import RegopyEngine
from guardrails.policy_samples import SAMPLE_PAYMENT_INPUT

PAYMENT_INPUT = SAMPLE_PAYMENT_INPUT


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
