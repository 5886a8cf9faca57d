"""Helpers for the API tests: the sample claims and a poller."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

SAMPLES = Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl"
CLAIMS = {c["claim_id"]: c for c in (json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip())}


async def eventually(check, *, timeout_s: float = 20.0, every_s: float = 0.1):
    """Poll an async `check` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every_s)
