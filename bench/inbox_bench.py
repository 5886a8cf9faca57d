"""How fast an approval reaches a person: from the gate opening it to the staff inbox stream delivering it.

A real Warden (embedded bus, gate, tools, runtime with the scripted claims model) serves the staff API on a free
port; an adjuster listens on `/v1/approvals/stream`; claims above the automatic payment limit are published one
after another (copies of CLM-1005 under new claim ids, so each run opens its own approval). For each approval the
latency is the time it arrived on the stream minus its `created_at` (the gate's clock; one machine, one clock).
`python -m bench.inbox_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import httpx  # noqa: E402

from agents.bus import connect  # noqa: E402
from app.assembly import Warden, ingest_payload  # noqa: E402
from bench.gate_bench import _pct_ms  # noqa: E402
from graphs.claims.scripted import hostile_claims_script  # noqa: E402
from guardrails.directory import Directory  # noqa: E402
from serving.scripted import ScriptedModel  # noqa: E402
from warden.settings import Settings  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "graphs" / "claims" / "samples" / "claims.jsonl"
APPROVALS = 20


def _claims(n: int) -> list[dict[str, Any]]:
    base = next(c for c in (json.loads(l) for l in SAMPLES.read_text().splitlines() if l.strip())
                if c["claim_id"] == "CLM-1005")
    return [base | {"claim_id": f"CLM-B{i:04d}"} for i in range(n)]


async def bench_inbox(n: int = APPROVALS) -> dict[str, Any]:
    """p50/p99/max latency (ms) from an approval's creation to its arrival on the adjuster's inbox stream."""
    from api.server import start_api_server

    with tempfile.TemporaryDirectory(prefix="warden-inbox-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "warden", llm="scripted")
        token = Directory(settings.path("users.db")).add_user("bench-adjuster", ["adjuster"])
        async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
            server = await start_api_server(warden, 0)
            arrivals: dict[str, tuple[float, float]] = {}
            got_all = asyncio.Event()

            async def listen() -> None:
                headers = {"Authorization": f"Bearer {token}"}
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", headers=headers,
                                             timeout=None) as client:
                    async with client.stream("GET", "/v1/approvals/stream") as response:
                        buf = ""
                        async for chunk in response.aiter_text():
                            now = time.time()
                            buf += chunk
                            complete, _, buf = buf.rpartition("\n\n")
                            for block in complete.split("\n\n"):
                                if "event: approval.pending" not in block:
                                    continue
                                data = json.loads("".join(l[6:] for l in block.split("\n") if l.startswith("data: ")))
                                arrivals.setdefault(data["id"], (now, float(data["created_at"])))
                            if len(arrivals) >= n:
                                got_all.set()
                                return

            listener = asyncio.create_task(listen())
            await asyncio.sleep(0.5)
            ingest = await connect(warden.creds, "ingest")
            key = warden.role_creds["ingest"].secret("event_key")
            try:
                for claim in _claims(n):
                    await ingest.jetstream().publish("events.claims.submitted",
                                                     json.dumps(ingest_payload(claim, key, ["claim_id"])).encode())
                    await asyncio.sleep(0.2)  # one at a time: the figure is delivery latency, not queueing
                await asyncio.wait_for(got_all.wait(), timeout=120)
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
                await ingest.drain()
                await server.close()
    latencies = [max(0.0, at - created) for at, created in arrivals.values()]
    return {"inbox_approvals_measured": len(latencies), "inbox_latency_p50_ms": _pct_ms(latencies, 0.5),
            "inbox_latency_p99_ms": _pct_ms(latencies, 0.99),
            "inbox_latency_max_ms": round(max(latencies) * 1000, 1), "inbox_latency_mean_ms":
            round(statistics.mean(latencies) * 1000, 1)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_inbox()), indent=2))
