"""Lanes: interactive requests (a staff member waiting on a chat) go before background work (graph runs).

The scheduler bounds how many calls a backend sees at once (`max_inflight`) and hands free slots to the
highest-priority waiter: every queued interactive request before any background one, FIFO within a lane.
It also keeps `interactive_reserve` slots that background work may never take, so a burst of background
requests cannot fill the backend and make the next chat wait behind all of them.
`enabled=False` turns it into a plain FIFO limiter (same bound, no priorities, no reserve) for comparison.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from serving.model import Lane, Model, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel

_PRIORITY: dict[str, int] = {"interactive": 0, "background": 1}


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    lane: Lane = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class LaneScheduler(WrapperModel):
    """A Model that queues calls to `inner` by lane; see the module docstring."""

    def __init__(self, inner: Model, max_inflight: int = 2, enabled: bool = True, *,
                 interactive_reserve: int = 1) -> None:
        super().__init__(inner)
        if max_inflight < 1:
            raise ValueError("max_inflight must be at least 1")
        self.max_inflight = max_inflight
        self.enabled = enabled
        # Background may use at most this many slots; never less than one, so background work always progresses.
        self.background_limit = max(1, max_inflight - max(0, interactive_reserve)) if enabled else max_inflight
        self._inflight = {"interactive": 0, "background": 0}
        self._queue: list[_Waiter] = []
        self._seq = itertools.count()
        self.served = {"interactive": 0, "background": 0}

    @property
    def inflight(self) -> int:
        return self._inflight["interactive"] + self._inflight["background"]

    @property
    def queued(self) -> dict[str, int]:
        counts = {"interactive": 0, "background": 0}
        for w in self._queue:
            if not w.future.done():
                counts[w.lane] += 1
        return counts

    def _may_start(self, lane: Lane) -> bool:
        if self.inflight >= self.max_inflight:
            return False
        return lane == "interactive" or self._inflight["background"] < self.background_limit

    def _dispatch(self) -> None:
        """Grant free slots to waiters in priority order; a background head that may not start blocks only
        background waiters (interactive ones behind it in the heap still get reserved slots)."""
        skipped: list[_Waiter] = []
        while self._queue and self.inflight < self.max_inflight:
            waiter = heapq.heappop(self._queue)
            if waiter.future.done():  # cancelled while waiting
                continue
            if not self._may_start(waiter.lane):
                skipped.append(waiter)
                continue
            self._inflight[waiter.lane] += 1
            waiter.future.set_result(None)
        for waiter in skipped:
            heapq.heappush(self._queue, waiter)

    def _release(self, lane: Lane) -> None:
        self._inflight[lane] -= 1
        self._dispatch()

    @asynccontextmanager
    async def slot(self, lane: Lane) -> AsyncIterator[None]:
        """Hold one backend slot for the duration of the block."""
        priority = _PRIORITY[lane] if self.enabled else 0
        waiter = _Waiter(priority, next(self._seq), lane, asyncio.get_running_loop().create_future())
        heapq.heappush(self._queue, waiter)
        self._dispatch()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._release(lane)  # granted just as we were cancelled: give the slot back
            raise
        try:
            self.served[lane] += 1
            yield
        finally:
            self._release(lane)

    async def generate(self, request: ModelRequest) -> ModelResponse:
        async with self.slot(request.lane):
            return await self.inner.generate(request)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        async with self.slot(request.lane):
            async for chunk in self.inner.stream(request):
                yield chunk
