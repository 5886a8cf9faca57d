"""Gate throughput under concurrency: 64 calls at once through the gate to a tool whose provider takes 200 ms.

Served one at a time, 64 calls would take 64 × 200 ms; the target is that each call's latency stays within 1.5× of
the tool's own. Real embedded bus, real gate (policy, audit, signing) and tool service; the 200 ms is the external
provider behind the tool (added in the gate's tool transport, the one double). Each call is its own run (its own
stored event, tokens registered untimed first), a `notifications.send` to the staff queue.
`python -m bench.gate_concurrency_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.gate_client import NatsToolGateway  # noqa: E402
from agents.intake_vault import PendingRunVault, register_tokens  # noqa: E402
from bench.gate_bench import GRAPH, NOTIFY_PROVENANCE, _pct_ms, gated_bus  # noqa: E402

PROVIDER_S = 0.2
CONCURRENT = 64


async def bench_gate_concurrency(concurrent: int = CONCURRENT, provider_s: float = PROVIDER_S) -> dict[str, Any]:
    """p50/p99 latency of `concurrent` simultaneous gated calls, and the batch's wall time, against `provider_s`."""
    async with gated_bus(concurrent) as bus:
        real = bus.gate.call_tool

        async def provider(tool: str, args: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
            await asyncio.sleep(provider_s)  # the external system behind the tool
            return await real(tool, args, key, run_id)

        bus.gate.call_tool = provider
        for run in bus.runs:  # intake, untimed
            intake = PendingRunVault(run)
            intake.tokenize("EMAIL_ADDRESS", "marcus.delgado@example.com")
            await register_tokens(bus.nc_runtime, GRAPH, intake)
        gateway = NatsToolGateway(bus.nc_runtime, GRAPH, timeout_s=60.0)

        async def one(i: int) -> float:
            t0 = time.perf_counter()
            outcome = await gateway.call("notifications.send", {
                "channel": "staff", "to": "claims-adjusters", "subject": f"Review {i}",
                "body": "Claim CLM-1001 was paid."}, run_id=bus.runs[i], graph=GRAPH, step=1, provenance=NOTIFY_PROVENANCE)
            if outcome.decision != "allow" or outcome.result is None:
                raise RuntimeError(f"call {i} not executed: {outcome.decision} {outcome.reasons} {outcome.error}")
            return time.perf_counter() - t0

        started = time.perf_counter()
        latencies = await asyncio.gather(*(one(i) for i in range(concurrent)))
        wall = time.perf_counter() - started
    p50 = _pct_ms(list(latencies), 0.5)
    return {
        "gate_concurrent_calls": concurrent,
        "gate_concurrent_tool_ms": round(provider_s * 1000, 1),
        "gate_concurrent_p50_ms": p50,
        "gate_concurrent_p99_ms": _pct_ms(list(latencies), 0.99),
        "gate_concurrent_batch_wall_ms": round(wall * 1000, 1),
        "gate_concurrent_p50_over_tool_x": round(p50 / (provider_s * 1000), 2),
        "gate_concurrent_serial_would_take_ms": round(concurrent * provider_s * 1000, 1),
        "gate_concurrent_mean_ms": round(statistics.mean(latencies) * 1000, 1),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_gate_concurrency()), indent=2))
