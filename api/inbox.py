"""The approvals inbox: pending approvals as the gate opens them, pushed to every staff stream within a second.

The gate publishes each new approval on `approvals.pending`; where this process may subscribe (the embedded,
all-in-one `warden up`) that wakes the inbox at once. Either way the inbox re-reads the ApprovalStore every
`interval_s`, which also catches decisions taken from the CLI and approvals that expired.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from guardrails.approvals import Approval, ApprovalStore
from api.journal import RunJournal

log = logging.getLogger(__name__)


def approval_view(a: Approval) -> dict[str, Any]:
    """What a person sees of an approval: redacted arguments (PII as tokens) and the facts to decide by."""
    return {"id": a.id, "run_id": a.run_id, "graph": a.graph, "tool": a.tool, "role": a.role, "reason": a.reason,
            "args": a.args, "args_hash": a.args_hash, "facts": a.facts, "status": a.status,
            "created_at": a.created_at, "expires_at": a.expires_at, "decided_by": a.decided_by,
            "decided_role": a.decided_role}


def visible_to(a: Approval, roles: list[str]) -> bool:
    """A person's inbox holds what their role may decide (an admin sees everything)."""
    return "admin" in roles or a.role in roles


class ApprovalInbox:
    """Watches the store; each change is sent to every subscriber queue and written to the run's journal."""

    def __init__(self, store: ApprovalStore, journal: RunJournal | None = None, *, interval_s: float = 0.25) -> None:
        self.store = store
        self.journal = journal
        self.interval_s = interval_s
        self.statuses: dict[str, str] = {}
        self._subscribers: set[asyncio.Queue] = set()
        self._poke = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._sub: Any = None
        self.before_journal: Callable[[], Awaitable[None]] | None = None
        """Run before journaling a change (the audit tail's catch-up, so a run's timeline stays in order)."""

    async def start(self, nc: Any = None) -> None:
        """Begin watching; `nc` (a connection allowed to subscribe to `approvals.pending`) makes it instant."""
        await self.refresh()
        if nc is not None:
            async def on_pending(_msg: Any) -> None:
                self._poke.set()

            self._sub = await nc.subscribe("approvals.pending", cb=on_pending)
        self._task = asyncio.create_task(self._loop(), name="api:approvals-inbox")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:
                pass

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._subscribers.discard(queue)

    def pending(self, roles: list[str]) -> list[Approval]:
        return [a for a in self.store.list("pending") if visible_to(a, roles)]

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._poke.wait(), self.interval_s)
            except asyncio.TimeoutError:
                pass
            self._poke.clear()
            try:
                await self.refresh()
            except Exception as exc:  # a busy store: the next tick retries
                log.warning("approvals inbox refresh failed: %s", exc)

    async def refresh(self) -> None:
        """Compare the store with what was last seen and announce each change."""
        approvals = await asyncio.to_thread(self.store.list, None)
        changed = [a for a in approvals if self.statuses.get(a.id) != a.status]
        if changed and self.before_journal is not None:
            try:
                await self.before_journal()
            except Exception as exc:
                log.debug("before journal: %s", exc)
        for a in changed:
            self.statuses[a.id] = a.status
            self._emit(a)

    def _emit(self, a: Approval) -> None:
        kind = "approval.pending" if a.status == "pending" else "approval.decided"
        event = {"type": kind, "approval": approval_view(a)}
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled client: it re-reads the list when it reconnects
                self._subscribers.discard(queue)
        if self.journal is not None:
            self.journal.record(a.run_id, f"approval.{a.status}",
                                {"approval_id": a.id, "tool": a.tool, "role": a.role, "status": a.status,
                                 "decided_by": a.decided_by, "reason": a.reason},
                                source_key=f"approval:{a.id}:{a.status}", graph=a.graph)
