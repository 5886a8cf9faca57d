"""End-to-end run throughput and latency: claim events in on the bus, `runs.completed` out, everything real but the model.

The whole Warden process runs (embedded nats-server, tool services, gate, runtime with SQLite checkpoints);
the model is the scripted hostile claims model, so the figures measure the runtime, bus, gate and tools,
not inference. Claims are the shipped samples with fresh claim ids (CLM-B0, CLM-B1, ...), published as
the admin would, with at most `window` runs in flight so latency reflects a loaded runtime, not a queue.
All runs act as `agent:claims_triage`, so past 60 calls per minute per tool the policy's rate limit denies
calls; those runs still end (escalated or in review) and are counted in `runtime_tool_calls_denied`.
`python -m bench.runtime_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.app import Warden  # noqa: E402
from agents.bus import connect  # noqa: E402
from agents.demo import load_claims  # noqa: E402
from agents.settings import Settings  # noqa: E402
from agents.triggers import RUNS_COMPLETED_SUBJECT  # noqa: E402
from graphs.claims_scripted import hostile_claims_script  # noqa: E402
from serving.accounting import AccountingModel  # noqa: E402
from serving.scripted import ScriptedModel  # noqa: E402

SUBJECT = "events.claims.submitted"


def _pct_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return round(ordered[idx] * 1000, 1)


def bench_claims(n: int) -> list[dict[str, Any]]:
    """n claim events cycling through the shipped samples, each with its own claim id."""
    samples = load_claims()
    return [{**samples[i % len(samples)], "claim_id": f"CLM-B{i}"} for i in range(n)]


class RuntimeBenchError(RuntimeError):
    """Runs did not all finish in time: the figures would be meaningless."""


async def bench_runtime(n: int = 200, window: int | None = None, timeout_s: float = 180.0) -> dict[str, Any]:
    """runs_per_s over n runs and per-run latency (publish -> runs.completed) p50/p99, with `window` runs in flight."""
    claims = bench_claims(n)
    nonce = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="warden-runtime-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), llm="scripted")
        window = window or settings.max_concurrent_actors
        model = AccountingModel(ScriptedModel(hostile_claims_script, name="scripted-hostile"), backend="scripted")
        async with Warden(settings, model=model) as warden:
            sent: dict[str, float] = {}
            latencies: dict[str, float] = {}
            statuses: Counter[str] = Counter()
            free = asyncio.Semaphore(window)
            done = asyncio.Event()
            nc = await connect(warden.creds, "runtime")
            admin = await connect(warden.creds, "admin")

            async def on_completed(msg) -> None:
                data = json.loads(msg.data)
                key = data.get("key")
                if key in sent and key not in latencies:
                    latencies[key] = time.perf_counter() - sent[key]
                    statuses[data.get("status", "?")] += 1
                    free.release()
                    if len(latencies) >= n:
                        done.set()

            await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=on_completed)
            await nc.flush()
            js = admin.jetstream()
            started = time.perf_counter()
            try:
                async with asyncio.timeout(timeout_s):
                    for claim in claims:
                        await free.acquire()
                        sent[claim["claim_id"]] = time.perf_counter()
                        await js.publish(SUBJECT, json.dumps(claim).encode(),
                                         headers={"Nats-Msg-Id": f"bench-{nonce}-{claim['claim_id']}"})
                    await done.wait()
            except TimeoutError:
                raise RuntimeBenchError(f"only {len(latencies)}/{n} runs finished within {timeout_s:.0f}s") from None
            elapsed = time.perf_counter() - started
            details = [o.detail for o in warden.runtime.host.outcomes if o.key in sent]
            await nc.drain()
            await admin.drain()
    values = list(latencies.values())
    return {
        "runs_per_s": round(n / elapsed, 2),
        "run_p50_ms": _pct_ms(values, 0.50),
        "run_p99_ms": _pct_ms(values, 0.99),
        "runtime_runs": n,
        "runtime_window": window,
        "runtime_runs_completed": statuses.get("completed", 0),
        "runtime_runs_waiting": statuses.get("waiting", 0),
        "runtime_runs_failed": statuses.get("failed", 0),
        "runtime_tool_calls_allowed": sum(d.get("allowed", 0) for d in details),
        "runtime_tool_calls_denied": sum(d.get("denied", 0) for d in details),
        "runtime_tool_calls_awaiting": sum(d.get("awaiting", 0) for d in details),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_runtime()), indent=2))
