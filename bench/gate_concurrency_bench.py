"""Gate throughput under concurrency: 64 calls at once through the gate to a tool that takes 200 ms.

Served one at a time, 64 calls would take 64 × 200 ms; the target is that each call's latency stays within 1.5× of
the tool's own. The gate runs as it is deployed: its own process (or `gates` processes in one queue group) (`bench/fleet_worker.py --role gate`, the
`warden up --role gate` assembly), beside a tools process whose every call takes 200 ms more (the external
provider behind the tool; the fleet worker's test hook) and one external nats-server. This process is the graph's
runtime: it asks `gate.claims_triage.call.<tool>` as the graph's bus user, one run per call (each run its own
stored claim event, scored low in the gate's store before the gate starts, as the graph's scoring call would
have, and its tokens handed to the gate at intake, before the timed calls, as the runtime does). Batches one
after the other:
- structured: 64 automatic payments at once, one per claim (what the target is checked on: ids and amounts, no
  free text); one untimed warm-up batch, then `BATCHES` timed ones, p50/p99 over all their calls (one batch
  of 64 on this shared VM swings by a third from one run to the next);
- text: 64 short staff notifications, whose body also goes through NER (spaCy): reported beside it.
`python -m bench.gate_concurrency_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.bus import connect  # noqa: E402
from agents.bus_users import runtime_user  # noqa: E402
from agents.credentials import load_for  # noqa: E402
from agents.gate_client import NatsToolGateway  # noqa: E402
from agents.nats_server import NatsCredentials  # noqa: E402
from bench.fleet_bench import Fleet, _cpu_s  # noqa: E402
from bench.gate_bench import (  # noqa: E402
    GRAPH, NOTIFY_PROVENANCE, PAYMENT_PROVENANCE, _claim, _event, _payment_args, _pct_ms, intake,
)
from graphs.claims import PACKAGE as CLAIMS  # noqa: E402
from warden.heap import settle_heap  # noqa: E402

PROVIDER_S = 0.2
CONCURRENT = 64
WARMUP = 8
BATCHES = 3


class GateConcurrencyBenchError(RuntimeError):
    """A call was not executed, or a process did not come up: the figures would be meaningless."""


def _staff_note(i: int) -> dict[str, Any]:
    return {"channel": "staff", "to": "claims-adjusters", "subject": f"Review {i}", "body": "Claim CLM-1001 was paid."}


async def _batch(gateway: NatsToolGateway, tool: str, make_args: Callable[[int], dict[str, Any]],
                 provenance: dict[str, str], runs: list[tuple[int, str]]) -> tuple[list[float], float]:
    async def one(i: int, run_id: str) -> float:
        t0 = time.perf_counter()
        outcome = await gateway.call(tool, make_args(i), run_id=run_id, graph=GRAPH, step=1, provenance=provenance)
        if outcome.decision != "allow" or outcome.result is None:
            raise GateConcurrencyBenchError(f"{tool} call {i} not executed: {outcome.decision} {outcome.reasons} "
                                            f"{outcome.error}")
        return time.perf_counter() - t0

    started = time.perf_counter()
    latencies = await asyncio.gather(*(one(i, run_id) for i, run_id in runs))
    return list(latencies), time.perf_counter() - started


async def bench_gate_concurrency(concurrent: int = CONCURRENT, provider_s: float = PROVIDER_S, gates: int = 1) -> dict[str, Any]:
    """p50/p99 latency of `concurrent` simultaneous gated calls, and each batch's wall time, against `provider_s`."""
    from guardrails.gate_store import GateStore

    tmp = Path(tempfile.mkdtemp(prefix="warden-gate-concurrency-"))
    fleet = Fleet(tmp)
    conns = []
    try:
        fleet.start_bus()
        creds = NatsCredentials.from_roles(fleet.url, [load_for(fleet.secrets, "ingest"), load_for(fleet.secrets, "runtime")])
        ingest = await connect(creds, "ingest")
        conns.append(ingest)
        structured_runs = (1 + BATCHES) * concurrent  # a warm-up batch, then the timed ones
        total = structured_runs + WARMUP + concurrent
        runs: list[tuple[int, str]] = []
        store = GateStore(tmp / "data-gate" / "gate.db")  # the gate's own store, before the gate starts
        for i in range(total):  # the stored events the runs come from, scored as the graph would have
            ack = await ingest.jetstream().publish(CLAIMS.trigger, json.dumps(_event(_claim(i))).encode())
            runs.append((i, f"run-{GRAPH}-{ack.seq}"))
            store.record_fraud(_claim(i)["claim_id"], "low", 0.05)
        store.close() if hasattr(store, "close") else None
        tools = fleet.start_worker("tools", "tools", "--tool-latency-ms", str(provider_s * 1000))
        gate_procs = [fleet.start_worker("gate", "gate" if n == 0 else f"gate-{n}", WARDEN_DATA_DIR=str(tmp / "data-gate"))
                      for n in range(gates)]
        fleet.wait_ready([tools, *gate_procs])
        runtime = await connect(creds, runtime_user(GRAPH))
        conns.append(runtime)
        gateway = NatsToolGateway(runtime, GRAPH, timeout_s=60.0)
        for i, run_id in runs:
            await intake(runtime, i, run_id)
        settle_heap()  # this process plays the runtime, which `warden up` settles once started (warden/heap.py)
        pay = lambda i: _payment_args(_claim(i))  # noqa: E731
        text_runs = runs[structured_runs:]
        await _batch(gateway, "payments.issue", pay, PAYMENT_PROVENANCE, runs[:concurrent])  # warm-up, untimed
        await _batch(gateway, "notifications.send", _staff_note, NOTIFY_PROVENANCE, text_runs[:WARMUP])
        cpu0, tools_cpu0 = sum(_cpu_s(p.pid) for p in gate_procs), _cpu_s(tools.pid)
        structured: list[float] = []
        batch_p50s, walls = [], []
        for b in range(1, BATCHES + 1):
            latencies, wall = await _batch(gateway, "payments.issue", pay, PAYMENT_PROVENANCE,
                                           runs[b * concurrent:(b + 1) * concurrent])
            structured += latencies
            batch_p50s.append(_pct_ms(latencies, 0.5))
            walls.append(wall)
        gate_cpu_ms = (sum(_cpu_s(p.pid) for p in gate_procs) - cpu0) * 1000 / len(structured)
        tools_cpu_ms = (_cpu_s(tools.pid) - tools_cpu0) * 1000 / len(structured)
        structured_wall = statistics.median(walls)
        text, text_wall = await _batch(gateway, "notifications.send", _staff_note, NOTIFY_PROVENANCE, text_runs[WARMUP:])
    finally:
        for nc in conns:
            await nc.close()
        fleet.close()
    shutil.rmtree(tmp, ignore_errors=True)
    p50, text_p50 = _pct_ms(structured, 0.5), _pct_ms(text, 0.5)
    return {
        "gate_concurrent_calls": concurrent,
        "gate_concurrent_gate_processes": gates,
        "gate_concurrent_gate_cpu_ms_per_call": round(gate_cpu_ms, 2),
        "gate_concurrent_tools_cpu_ms_per_call": round(tools_cpu_ms, 2),
        "gate_concurrent_tool_ms": round(provider_s * 1000, 1),
        "gate_concurrent_p50_ms": p50,
        "gate_concurrent_p99_ms": _pct_ms(structured, 0.99),
        "gate_concurrent_batches": BATCHES,
        "gate_concurrent_batch_p50s_ms": batch_p50s,
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
