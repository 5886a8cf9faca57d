"""A run's event stream survives a client that drops at random: reconnecting with Last-Event-ID loses nothing and
repeats nothing, while events keep being written."""
from __future__ import annotations

import asyncio
import random

from api_helpers import parse_sse

RUN = "run-claims_triage-900001"


async def test_dropping_the_stream_100_times_at_random_loses_and_repeats_no_event(bare) -> None:
    journal, rng = bare.ctx.journal, random.Random(12)
    total = 1000
    written: list[int] = [journal.record(RUN, "tool.decision", {"n": 0}, source_key="t:0", graph="claims_triage")]

    async def writer() -> None:
        for n in range(1, total):
            written.append(journal.record(RUN, "tool.decision", {"n": n}, source_key=f"t:{n}", graph="claims_triage"))
            await asyncio.sleep(rng.choice((0, 0, 0.001, 0.003)))

    producing = asyncio.create_task(writer())
    seen: list[int] = []
    drops = 0
    async with bare.client("staff") as client:
        while drops < 100 or len(seen) < total:
            headers = {"Last-Event-ID": str(seen[-1])} if seen else {}
            cut = rng.randint(1, 900) if drops < 100 else None  # bytes to read before dropping (mid-frame too)
            async with client.stream("GET", f"/v1/runs/{RUN}/events", headers=headers) as r:
                assert r.status_code == 200
                buf, received = "", 0
                async for chunk in r.aiter_text():
                    buf += chunk
                    received += len(chunk)
                    complete, _, buf = buf.rpartition("\n\n")
                    seen += [int(i) for i, _, _ in parse_sse(complete) if i is not None]
                    if len(seen) >= total or (cut is not None and received >= cut):
                        break
            drops += cut is not None
    await producing
    assert drops == 100
    assert seen == written  # every event, in order, once


async def test_the_query_parameter_resumes_too_and_a_bad_last_event_id_is_422(bare) -> None:
    journal = bare.ctx.journal
    run = "run-claims_triage-900002"
    seqs = [journal.record(run, "tool.decision", {"n": n}, source_key=f"u:{n}", graph="claims_triage") for n in range(3)]
    async with bare.client("staff") as client:
        async with client.stream("GET", f"/v1/runs/{run}/events", params={"last_event_id": seqs[0]}) as r:
            buf = ""
            async for chunk in r.aiter_text():
                buf += chunk
                if buf.count("\n\n") >= 3:
                    break
        assert [int(i) for i, _, _ in parse_sse(buf) if i] == seqs[1:]
        r = await client.get(f"/v1/runs/{run}/events", headers={"Last-Event-ID": "abc"})
        assert r.status_code == 422
        assert (await client.get("/v1/runs/run-unknown-1/events")).status_code == 404
