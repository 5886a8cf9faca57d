"""Gate throughput under concurrency: 64 calls at once through the gate to a tool whose provider takes 200 ms.

Served one at a time, 64 calls would take 64 × 200 ms; the target is that each call's latency stays within 1.5× of
the tool's own. Real embedded bus, real gate (policy, audit before and after the effect, signing) and tool service;
the 200 ms is the external provider behind the tool (added in the gate's tool transport, the one double). Each call
is its own run (its own stored event, tokens registered untimed first). Two batches, one after the other:
- structured: 64 automatic payments, one per claim (what the target is checked on: ids and amounts, no free text);
- text: 64 short staff notifications, whose body goes through NER (spaCy) too: reported beside it, so the cost of
  redacting text under load is visible rather than hidden.
In this benchmark the caller, the gate and the tool service share one Python process and one core's worth of
event loop; deployed, each is its own process.
`python -m bench.gate_concurrency_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.gate_client import NatsToolGateway  # noqa: E402
from agents.intake_vault import PendingRunVault, register_tokens  # noqa: E402
from bench.gate_bench import (GRAPH, NOTIFY_PROVENANCE, PAYMENT_PROVENANCE, _claim, _payment_args,  # noqa: E402
                              _pct_ms, gated_bus)

PROVIDER_S = 0.2
CONCURRENT = 64


def _staff_note(i: int) -> dict[str, Any]:
    return {"channel": "staff", "to": "claims-adjusters", "subject": f"Review {i}", "body": "Claim CLM-1001 was paid."}


async def _batch(bus, tool: str, make_args: Callable[[int], dict[str, Any]], provenance: dict[str, str],
                 runs: list[str], first_claim: int) -> tuple[list[float], float]:
    gateway = NatsToolGateway(bus.nc_runtime, GRAPH, timeout_s=60.0)

    async def one(i: int) -> float:
        t0 = time.perf_counter()
        outcome = await gateway.call(tool, make_args(first_claim + i), run_id=runs[i], graph=GRAPH, step=1,
                                     provenance=provenance)
        if outcome.decision != "allow" or outcome.result is None:
            raise RuntimeError(f"{tool} call {i} not executed: {outcome.decision} {outcome.reasons} {outcome.error}")
        return time.perf_counter() - t0

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(i) for i in range(len(runs))))
    return list(latencies), time.perf_counter() - started


async def bench_gate_concurrency(concurrent: int = CONCURRENT, provider_s: float = PROVIDER_S) -> dict[str, Any]:
    """p50/p99 latency of `concurrent` simultaneous gated calls, and each batch's wall time, against `provider_s`."""
    async with gated_bus(2 * concurrent) as bus:
        real = bus.gate.call_tool

        async def provider(tool: str, args: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
            await asyncio.sleep(provider_s)  # the external system behind the tool
            return await real(tool, args, key, run_id)

        bus.gate.call_tool = provider
        for i, run in enumerate(bus.runs):  # intake, untimed
            intake = PendingRunVault(run)
            intake.tokenize("EMAIL_ADDRESS", _claim(i)["claimant_email"])
            await register_tokens(bus.nc_runtime, GRAPH, intake)
        structured, structured_wall = await _batch(bus, "payments.issue", lambda i: _payment_args(_claim(i)),
                                                   PAYMENT_PROVENANCE, bus.runs[:concurrent], 0)
        text, text_wall = await _batch(bus, "notifications.send", _staff_note, NOTIFY_PROVENANCE,
                                       bus.runs[concurrent:], concurrent)
    p50, text_p50 = _pct_ms(structured, 0.5), _pct_ms(text, 0.5)
    return {
        "gate_concurrent_calls": concurrent,
        "gate_concurrent_tool_ms": round(provider_s * 1000, 1),
        "gate_concurrent_p50_ms": p50,
        "gate_concurrent_p99_ms": _pct_ms(structured, 0.99),
        "gate_concurrent_batch_wall_ms": round(structured_wall * 1000, 1),
        "gate_concurrent_p50_over_tool_x": round(p50 / (provider_s * 1000), 2),
        "gate_concurrent_serial_would_take_ms": round(concurrent * provider_s * 1000, 1),
        "gate_concurrent_mean_ms": round(statistics.mean(structured) * 1000, 1),
        "gate_concurrent_text_p50_ms": text_p50,
        "gate_concurrent_text_p99_ms": _pct_ms(text, 0.99),
        "gate_concurrent_text_batch_wall_ms": round(text_wall * 1000, 1),
        "gate_concurrent_text_p50_over_tool_x": round(text_p50 / (provider_s * 1000), 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_gate_concurrency()), indent=2))
