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


def parse_sse(text: str) -> list[tuple[str | None, str, dict]]:
    """(id, event, data) for each message of an SSE body; comments and retry lines are skipped."""
    out = []
    for block in text.split("\n\n"):
        event_id, event, data = None, "message", ""
        for line in block.split("\n"):
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        if data:
            out.append((event_id, event, json.loads(data)))
    return out
