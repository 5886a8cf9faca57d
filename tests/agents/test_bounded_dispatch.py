"""Messages handled concurrently on a live nats-server: what one handler sends leaves before the next message is
handled, even when many arrive together (the gate's tool requests used to wait until every request had been judged)."""
from __future__ import annotations

import asyncio
import time

from agents.bus import connect
from warden.concurrency import BoundedDispatch

BURST = 20


async def test_a_handlers_publish_leaves_before_the_rest_of_a_burst_is_handled(nats_creds) -> None:
    events: list[tuple[str, int]] = []
    done = asyncio.Event()
    handler_nc = await connect(nats_creds, "admin")
    listener_nc = await connect(nats_creds, "admin")
    sender_nc = await connect(nats_creds, "admin")
    try:
        async def judge(msg) -> None:  # CPU work on the loop (as the gate judges a short call), then a request out
            events.append(("handled", int(msg.data)))
            time.sleep(0.004)
            await handler_nc.publish("test.dispatch.out", msg.data)

        async def received(msg) -> None:
            events.append(("out", int(msg.data)))
            if sum(kind == "out" for kind, _ in events) == BURST:
                done.set()

        await handler_nc.subscribe("test.dispatch.in", cb=BoundedDispatch(judge, limit=BURST, name="test").dispatch)
        await listener_nc.subscribe("test.dispatch.out", cb=received)
        await handler_nc.flush()
        await listener_nc.flush()
        for i in range(BURST):  # one write: the handler's connection reads the whole burst at once
            await sender_nc.publish("test.dispatch.in", str(i).encode())
        await sender_nc.flush()
        await asyncio.wait_for(done.wait(), 10)
    finally:
        for nc in (handler_nc, listener_nc, sender_nc):
            await nc.close()
    assert sorted(i for kind, i in events if kind == "out") == list(range(BURST))
    first_out, last_handled = events.index(("out", 0)), events.index(("handled", BURST - 1))
    assert first_out < last_handled, f"the first message out left only after the whole burst was handled: {events}"
