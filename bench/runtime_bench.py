"""End-to-end run throughput and latency: claim events in on the bus, `runs.completed` out, everything real but the model.

The whole Warden process runs (embedded nats-server, tool services, gate, runtime with SQLite checkpoints);
the model is the scripted hostile claims model, so the figures measure the runtime, bus, gate and tools,
not inference. Claims are the shipped samples with fresh claim ids (CLM-B0, CLM-B1, ...), published as
the admin would, with at most `window` runs in flight so latency reflects a loaded runtime, not a queue.
All runs act as `agent:claims_triage`, and the shipped fleet limit (calls per minute per agent and tool, sized for
three runtimes) could deny calls of a long burst, leaving runs that skip their real work. So the gate here loads a
copy of the shipped policy pack with only the `rate_limit` numbers raised (`Settings.policy_dir`); every rule,
the rate-limit rules included, is still evaluated. The shipped pack is untouched.
`python -m bench.runtime_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from app.assembly import Warden  # noqa: E402
from agents.bus import connect  # noqa: E402
from app.demo import load_claims  # noqa: E402
from warden.settings import Settings  # noqa: E402
from agents.triggers import RUNS_COMPLETED_SUBJECT  # noqa: E402
from graphs.claims.scripted import hostile_claims_script  # noqa: E402
from guardrails.policy import DATA_FILE, default_policy_dir  # noqa: E402
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


def bench_policy_dir(target: Path, calls_per_minute: int = 1_000_000) -> Path:
    """A copy of the shipped policy pack whose rate limit a benchmark burst cannot reach."""
    shutil.copytree(default_policy_dir(), target)
    data = json.loads((target / DATA_FILE).read_text())
    data["rate_limit"]["calls_per_minute"] = calls_per_minute
    data["rate_limit"]["key_calls_per_minute"] = calls_per_minute
    data["rate_limit"]["fleet"]["calls_per_minute_per_runtime"] = calls_per_minute
    (target / DATA_FILE).write_text(json.dumps(data))
    return target


class RuntimeBenchError(RuntimeError):
    """Runs did not all finish in time: the figures would be meaningless."""


class _Driver:
    """Publishes claims with at most `window` runs in flight and times each to its `runs.completed`."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latencies: dict[str, float] = {}
        self.statuses: Counter[str] = Counter()
        self._free: asyncio.Semaphore | None = None
        self._waiting: set[str] = set()
        self._remaining = 0
        self._done = asyncio.Event()

    async def on_completed(self, msg) -> None:
        data = json.loads(msg.data)
        key = data.get("key")
        if key in self._waiting:
            self._waiting.discard(key)
            self.latencies[key] = time.perf_counter() - self.sent[key]
            self.statuses[data.get("status", "?")] += 1
            self._remaining -= 1
            if self._free:
                self._free.release()
            if self._remaining <= 0:
                self._done.set()

    async def drive(self, js, claims: list[dict[str, Any]], window: int, nonce: str, timeout_s: float) -> tuple[list[float], float]:
        """(latencies in s, wall time in s) for these claims."""
        self._free, self._done, self._remaining = asyncio.Semaphore(window), asyncio.Event(), len(claims)
        keys = [c["claim_id"] for c in claims]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                for claim in claims:
                    await self._free.acquire()
                    self._waiting.add(claim["claim_id"])
                    self.sent[claim["claim_id"]] = time.perf_counter()
                    await js.publish(SUBJECT, json.dumps(claim).encode(),
                                     headers={"Nats-Msg-Id": f"bench-{nonce}-{claim['claim_id']}"})
                await self._done.wait()
        except TimeoutError:
            raise RuntimeBenchError(f"{len(self._waiting)} of {len(claims)} runs unfinished after {timeout_s:.0f}s") from None
        return [self.latencies[k] for k in keys], time.perf_counter() - started


async def bench_runtime(n: int = 200, window: int | None = None, unloaded: int = 20, timeout_s: float = 180.0) -> dict[str, Any]:
    """runs_per_s over n runs and per-run latency (publish -> runs.completed) p50/p99 with `window` runs in flight,
    plus the latency of runs one at a time (`unloaded` of them) measured first in the same process."""
    claims = bench_claims(n + unloaded + 3)
    warm, single, loaded = claims[:3], claims[3:3 + unloaded], claims[3 + unloaded:]
    nonce = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="warden-runtime-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", llm="scripted",
                            policy_dir=bench_policy_dir(Path(tmp) / "policies"))
        window = window or settings.max_concurrent_actors
        model = AccountingModel(ScriptedModel(hostile_claims_script, name="scripted-hostile"), backend="scripted")
        async with Warden(settings, model=model) as warden:
            driver = _Driver()
            nc = await connect(warden.creds, "ingest")  # the event source: publishes claims, watches runs.completed
            admin = await connect(warden.creds, "ingest")
            try:
                await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=driver.on_completed)
                await nc.flush()
                js = admin.jetstream()
                await driver.drive(js, warm, 1, nonce, timeout_s)
                single_lat, _ = await driver.drive(js, single, 1, nonce, timeout_s) if unloaded else ([], 0.0)
                loaded_lat, elapsed = await driver.drive(js, loaded, window, nonce, timeout_s)
                keys = {c["claim_id"] for c in loaded}
                details = [o.detail for o in warden.runtime.host.outcomes if o.key in keys]
                statuses = Counter(o.status for o in warden.runtime.host.outcomes if o.key in keys)
            finally:
                await nc.close()  # drain() waits out its 30 s timeout on this connection; nothing is pending here
                await admin.close()
    figures: dict[str, Any] = {
        "runs_per_s": round(n / elapsed, 2),
        "run_p50_ms": _pct_ms(loaded_lat, 0.50),
        "run_p99_ms": _pct_ms(loaded_lat, 0.99),
        "runtime_runs": n,
        "runtime_window": window,
        "runtime_runs_completed": statuses.get("completed", 0),
        "runtime_runs_waiting": statuses.get("waiting", 0),
        "runtime_runs_failed": statuses.get("failed", 0),
        "runtime_tool_calls_allowed": sum(d.get("allowed", 0) for d in details),
        "runtime_tool_calls_denied": sum(d.get("denied", 0) for d in details),
        "runtime_tool_calls_awaiting": sum(d.get("awaiting", 0) for d in details),
    }
    if single_lat:
        figures["run_unloaded_p50_ms"] = _pct_ms(single_lat, 0.50)
        figures["run_unloaded_p99_ms"] = _pct_ms(single_lat, 0.99)
    return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_runtime()), indent=2))
