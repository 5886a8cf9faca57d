"""Lanes: queued interactive requests are served before queued background ones, and bursts cannot starve them."""
from __future__ import annotations

import asyncio

from serving.lanes import LaneScheduler
from serving.model import ModelRequest
from serving.scripted import ScriptedModel


def _req(lane: str, tag: str) -> ModelRequest:
    return ModelRequest(prompt=tag, lane=lane)  # type: ignore[arg-type]


async def _burst_then_chat(enabled: bool) -> tuple[list[str], float]:
    """Ten background requests flood a slow single-slot backend, then one chat arrives."""
    order: list[str] = []
    model = ScriptedModel(lambda r: order.append(r.prompt) or "ok", delay_s=0.02)
    lanes = LaneScheduler(model, max_inflight=1, enabled=enabled)
    background = [asyncio.create_task(lanes.generate(_req("background", f"bg{i}"))) for i in range(10)]
    await asyncio.sleep(0.005)  # the burst is queued
    loop = asyncio.get_running_loop()
    started = loop.time()
    await lanes.generate(_req("interactive", "chat"))
    chat_s = loop.time() - started
    await asyncio.gather(*background)
    return order, chat_s


async def test_interactive_jumps_the_background_queue() -> None:
    order, chat_s = await _burst_then_chat(enabled=True)
    assert order.index("chat") == 1  # only the background call already running goes first
    assert chat_s < 0.1


async def test_disabled_lanes_are_fifo() -> None:
    order, chat_s = await _burst_then_chat(enabled=False)
    assert order.index("chat") == 10
    assert chat_s >= 0.2


async def test_background_never_takes_the_reserved_interactive_slot() -> None:
    model = ScriptedModel(lambda r: "ok", delay_s=0.05)
    lanes = LaneScheduler(model, max_inflight=2)
    background = [asyncio.create_task(lanes.generate(_req("background", f"bg{i}"))) for i in range(4)]
    await asyncio.sleep(0.01)
    assert lanes.inflight == 1 and lanes.queued == {"interactive": 0, "background": 3}
    chat = asyncio.create_task(lanes.generate(_req("interactive", "chat")))
    await asyncio.sleep(0.01)
    assert lanes.inflight == 2  # the chat started at once, beside the running background call
    await asyncio.gather(chat, *background)
    assert lanes.inflight == 0 and lanes.served == {"interactive": 1, "background": 4}


async def test_inflight_is_bounded_and_cancelled_waiters_free_their_place() -> None:
    peak = 0
    model = ScriptedModel(lambda r: "ok", delay_s=0.02)

    async def watch(lanes: LaneScheduler) -> None:
        nonlocal peak
        while True:
            peak = max(peak, lanes.inflight)
            await asyncio.sleep(0.002)

    lanes = LaneScheduler(model, max_inflight=3, enabled=False)
    watcher = asyncio.create_task(watch(lanes))
    tasks = [asyncio.create_task(lanes.generate(_req("background", str(i)))) for i in range(12)]
    await asyncio.sleep(0.005)
    tasks[-1].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    watcher.cancel()
    assert peak == 3 and lanes.inflight == 0
    assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 1 and model.calls == 11


async def test_streams_hold_a_slot_until_done() -> None:
    model = ScriptedModel(lambda r: "a b c", stream_delay_s=0.01)
    lanes = LaneScheduler(model, max_inflight=1)
    chunks = [c async for c in lanes.stream(_req("interactive", "chat"))]
    assert "".join(chunks) == "a b c" and lanes.inflight == 0
