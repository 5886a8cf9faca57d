"""The AUDIT stream is a copy of the trail for subscribers, sent after each call's reply: every record the gate
appended reaches it, once, in the trail's order (a call's decision before its result, calls interleaved as they
were recorded). A real bus and gate; the calls run concurrently."""
from __future__ import annotations

import asyncio
import json

from agents.bus_users import AUDIT_STREAM
from agents.gate_client import NatsToolGateway
from bench.gate_bench import GRAPH, PAYMENT_PROVENANCE, _claim, _payment_args, gated_bus, intake


async def _stream_records(admin, want: int) -> list[tuple[int, str]]:
    js = admin.jetstream()
    for _ in range(200):  # the copies are published after the replies: wait for the stream to hold them
        info = await js.stream_info(AUDIT_STREAM)
        if info.state.messages >= want:
            break
        await asyncio.sleep(0.05)
    sub = await js.pull_subscribe("audit.>", stream=AUDIT_STREAM)
    msgs = await sub.fetch(want + 5, timeout=2)
    return [(json.loads(m.data)["seq"], json.loads(m.data)["hash"]) for m in msgs]


async def test_every_record_reaches_the_audit_stream_once_in_trail_order() -> None:
    async with gated_bus(3) as bus:
        gateway = NatsToolGateway(bus.nc_runtime, GRAPH, timeout_s=10.0)
        for i in range(3):
            await intake(bus.nc_runtime, i, bus.runs[i])
        outcomes = await asyncio.gather(*(gateway.call("payments.issue", _payment_args(_claim(i)), run_id=bus.runs[i],
                                                       graph=GRAPH, step=0, provenance=PAYMENT_PROVENANCE)
                                          for i in range(3)))
        assert [o.decision for o in outcomes] == ["allow"] * 3
        await bus.service.stop()  # a stopping gate sends every copy it still holds
        trail = [(r["seq"], r["hash"]) for r in bus.gate.audit.records()]
        assert len(trail) == 6  # each allowed call: its decision, then its result
        assert await _stream_records(bus.admin, len(trail)) == trail
