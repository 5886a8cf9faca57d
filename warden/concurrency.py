"""Concurrent handling of one NATS subscription, bounded.

nats-py awaits a subscription's callback before it hands over the next message, so a handler that awaits a slow
tool makes every other caller wait behind it (four 0.5 s tool calls through the gate took 2 s). `BoundedDispatch`
runs each message as its own task, at most `limit` at once; past that the callback waits for a free slot, and the
messages wait in the subscription's own pending queue (backpressure, nothing dropped).

After starting a message's task the callback yields once, so that task's first step runs, and with it whatever it
woke, before the next message is taken. nats-py hands over every message already received without yielding, and
its writes to the socket wait for a flusher task: without the yield, 64 requests arriving together became 64 ready
tasks queued ahead of the flusher, and no tool request left the gate until all 64 had been judged (every call
then finished at the latest one's time).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 64


class BoundedDispatch:
    """A subscription callback that runs `handler(msg)` concurrently, `limit` at a time."""

    def __init__(self, handler: Callable[[Any], Awaitable[None]], *, limit: int = DEFAULT_LIMIT, name: str = "") -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self._handler = handler
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task] = set()
        self.limit = limit
        self.name = name or getattr(handler, "__qualname__", "handler")
        self.peak = 0
        self.failures = 0

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def dispatch(self, msg: Any) -> None:
        """The subscription callback (nats-py wants a coroutine function, not a callable object)."""
        await self._slots.acquire()
        task = asyncio.create_task(self._run(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.peak = max(self.peak, len(self._tasks))
        await asyncio.sleep(0)  # this message's first step (and the writes it queues) before the next message

    async def _run(self, msg: Any) -> None:
        try:
            await self._handler(msg)
        except asyncio.CancelledError:
            raise
        except Exception:  # one message's failure never stops the others; the handler answers its own errors
            self.failures += 1
            log.exception("%s failed on one message", self.name)
        finally:
            self._slots.release()

    async def drain(self, timeout_s: float = 10.0) -> int:
        """Wait for the messages in hand to finish (cancel what is left after `timeout_s`); returns how many were
        cancelled."""
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.warning("%s: %d message(s) still in hand after %.0f s were cancelled", self.name, len(pending), timeout_s)
        return len(pending)


def make_concurrent(subscription: Any, *, limit: int = DEFAULT_LIMIT, name: str = "") -> BoundedDispatch:
    """Make an existing callback subscription (one nats.micro created, say) run its messages concurrently.

    nats-py reads the subscription's callback for every message, so replacing it takes effect at the next one."""
    callback = getattr(subscription, "_cb", None)
    if callback is None:
        raise TypeError("not a callback subscription (this nats-py version keeps no _cb): cannot make it concurrent")
    dispatch = BoundedDispatch(callback, limit=limit, name=name)
    subscription._cb = dispatch.dispatch
    return dispatch
