"""The copies of the audit trail that go to the AUDIT stream (`audit.<tool>`), for subscribers.

SQLite holds the chain of record: each record is appended before the step it records, so no call waits on its copy.
One publisher task sends the copies in the order they were queued. It first runs once the call has queued its next
message (the tool request, or the reply), so a copy rides in the same write to the bus, behind that message: the
message no longer waits for the copy to be serialised, and the bus routes it first. An allowed call is four writes
to the bus (publishing the copies from a task that yielded first made it six).
"""
from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], Awaitable[None]]


class AuditCopies:
    """An ordered outbox of stored audit records and the one task that publishes them."""

    def __init__(self, publisher: Callable[[], Publish | None]) -> None:
        """`publisher`: returns the current publish function, or None when there is no bus (nothing is queued)."""
        self._publisher = publisher
        self._outbox: collections.deque[dict[str, Any]] = collections.deque()
        self._task: asyncio.Task | None = None

    def queue(self, stored: dict[str, Any]) -> None:
        """Queue one record as the trail stored it (with seq and hashes); called on the event loop."""
        if self._publisher() is None:
            return
        self._outbox.append(stored)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._publish_all())

    async def flush(self) -> None:
        """Wait until every record queued so far is published (a stopping gate sends what it recorded)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def _publish_all(self) -> None:
        while self._outbox:
            stored = self._outbox.popleft()
            publish = self._publisher()
            if publish is None:
                continue
            try:
                await publish(stored)
            except Exception as exc:  # the SQLite trail is the record of truth; the stream is a copy
                log.warning("audit publish failed: %s", exc)
