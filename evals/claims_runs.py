"""Claim events run end to end for an eval: a real Warden (embedded bus, gate, tools, runtime) on the eval's
private data folder, events published by the `ingest` user as `warden demo` publishes the samples (app/demo.py),
but any labelled events, not only the package's samples."""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

from warden.settings import Settings

GRAPH = "claims_triage"


async def run_claims(settings: Settings, events: list[dict[str, Any]], *, model: Any = None,
                     timeout_s: float = 300.0) -> dict[str, Any]:
    """Publish `events`, wait until every run has finished or waits on a human; returns timing and model stats.
    What each run decided is in the checkpoints under `settings.data_dir`."""
    from agents.bus import connect
    from agents.triggers import RUNS_COMPLETED_SUBJECT
    from app.assembly import Warden, ingest_payload
    from graphs.registry import select

    package = select([GRAPH])[GRAPH]
    t0 = time.perf_counter()
    async with Warden(settings, model=model, graphs=[GRAPH]) as warden:
        nc = await connect(warden.creds, "ingest")
        finished: set[str] = set()
        done = asyncio.Event()

        async def on_completed(msg) -> None:
            finished.add(json.loads(msg.data).get("key"))
            if len(finished) >= len(events):
                done.set()

        await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=on_completed)
        js = nc.jetstream()
        event_key = warden.role_creds["ingest"].secret("event_key") if "ingest" in warden.role_creds else None
        for event in events:
            body = ingest_payload(event, event_key, [package.key_field, *package.clear_fields])
            msg_id = event["claim_id"] + ":" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:12]
            await js.publish(package.trigger, json.dumps(body).encode(), headers={"Nats-Msg-Id": msg_id})
        try:
            await asyncio.wait_for(done.wait(), timeout=timeout_s)
        except asyncio.TimeoutError:
            pass
        stats = getattr(warden.model, "stats", None)
        model_stats = dict(stats()) if callable(stats) else {}
        await nc.drain()
    return {"elapsed_s": round(time.perf_counter() - t0, 1), "finished": len(finished), "model": model_stats}
