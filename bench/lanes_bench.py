"""Chat latency on the embedded model while background work floods it, with lanes on and off, same run.

The background load is what graph runs send: few-shot extraction prompts with JSON-schema constrained
decoding, `n_background` of them always outstanding. The chat is a short interactive completion.
Run: `python -m bench.lanes_bench` (prints JSON).
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from serving.accounting import AccountingModel  # noqa: E402
from serving.lanes import LaneScheduler  # noqa: E402
from serving.litellm_model import LiteLLMModel, close_clients  # noqa: E402
from serving.llama_server import LlamaServer  # noqa: E402
from serving.model import Model, ModelRequest  # noqa: E402

EXTRACTION_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["category", "amount"],
                     "properties": {"category": {"type": "string", "enum": ["auto", "home", "travel"]},
                                    "amount": {"type": "number"}}}
BACKGROUND = ModelRequest(prompt=(
    "Extract the claim category and amount as JSON.\n"
    "Claim: My car was rear-ended, repair estimate is 1200 dollars.\n"
    'JSON: {"category": "auto", "amount": 1200}\n'
    "Claim: A pipe burst in the kitchen and flooded the floor; the plumber charged 450.\n"
    'JSON: {"category": "home", "amount": 450}\n'
    "Claim: Hail cracked the windshield and dented the roof; the body shop quotes 2300.\n"
    "JSON: "), json_schema=EXTRACTION_SCHEMA, max_tokens=48, lane="background")
CHAT = ModelRequest(prompt="Q: Is claim CLM-1001 still open?\nA:", max_tokens=12, lane="interactive")
THROUGHPUT = ModelRequest(prompt="The history of insurance begins", max_tokens=96, lane="background")


def _pct_ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[idx] * 1000, 1)


async def _chats(model: Model, count: int, gap_s: float) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        await model.generate(CHAT)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(gap_s)
    return latencies


async def _chats_under_load(base: Model, *, enabled: bool, n_background: int, chats: int) -> list[float]:
    """Chat latencies while `n_background` clients each keep one background request outstanding."""
    lanes = LaneScheduler(base, max_inflight=2, enabled=enabled)
    stop = asyncio.Event()

    async def background_client() -> None:
        while not stop.is_set():
            await lanes.generate(BACKGROUND)

    clients = [asyncio.create_task(background_client()) for _ in range(n_background)]
    await asyncio.sleep(1.0)  # let the backlog build
    try:
        return await _chats(lanes, chats, gap_s=0.3)
    finally:
        stop.set()
        # Drain rather than cancel: the server finishes a request even when its client goes away.
        await asyncio.gather(*clients)


async def run(*, n_background: int = 6, chats: int = 10) -> dict[str, Any]:
    async with LlamaServer() as server:
        base = AccountingModel(LiteLLMModel(server.model_name, api_base=server.base_url, structured="gbnf"),
                               backend="llama.cpp")
        await base.generate(BACKGROUND)  # warm up: grammar compile, prompt cache
        idle = await _chats(base, chats, gap_s=0.05)
        decode = AccountingModel(base.inner, backend="llama.cpp")
        for _ in range(2):
            await decode.generate(THROUGHPUT)
        on = await _chats_under_load(base, enabled=True, n_background=n_background, chats=chats)
        off = await _chats_under_load(base, enabled=False, n_background=n_background, chats=chats)
        await close_clients()
    return {
        "chat_p95_ms_lanes_on": _pct_ms(on, 95),
        "chat_p95_ms_lanes_off": _pct_ms(off, 95),
        "chat_p95_ms_idle": _pct_ms(idle, 95),
        "chat_p50_ms_lanes_on": _pct_ms(on, 50),
        "chat_p50_ms_lanes_off": _pct_ms(off, 50),
        "chat_p50_ms_idle": _pct_ms(idle, 50),
        "embedded_tokens_per_s": decode.stats()["tokens_per_s"],
        "embedded_calls": base.stats()["calls"],
        "lanes_background_clients": n_background,
    }


def bench_lanes() -> dict[str, Any]:
    """The lanes figures for `bench/results/latest.json` (starts and stops its own embedded server)."""
    return asyncio.run(run())


if __name__ == "__main__":
    started = time.perf_counter()
    result = bench_lanes()
    result["lanes_bench_wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))
