"""A gateway wrapper that turns a `pending` outcome (the gate did not answer in time) into the call's real outcome.

A timed-out call may still run, so recording it as denied would be wrong, and calling again with a new key could
do the effect twice. The same call (same run, step and call index) carries the same idempotency key, and the gate
and tools dedupe by it: asking again returns the original result (`status: duplicate`) if the effect happened,
or does it once if it did not. Only a call that stays unanswered after every retry reaches the graph as pending.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from graphs.ports import ToolGateway, ToolOutcome
from guardrails.contracts import Provenance

log = logging.getLogger(__name__)


class ReconcilingGateway:
    """Wraps any ToolGateway; retries a `pending` call as the very same call, `retries` times at most."""

    def __init__(self, inner: ToolGateway, *, retries: int = 2, backoff_s: float = 0.5) -> None:
        self.inner = inner
        self.retries = retries
        self.backoff_s = backoff_s
        self.pending: Counter[str] = Counter()  # per graph: outcomes the gate did not answer in time
        self.reconciled: Counter[str] = Counter()  # per graph: of those, learned by asking again

    async def call(self, tool: str, args: dict[str, Any], *, run_id: str, graph: str, step: int, call: int = 0,
                   provenance: dict[str, Provenance] | None = None, context: dict[str, Any] | None = None,
                   approval_id: str | None = None) -> ToolOutcome:
        """The inner gateway's outcome; a pending one is asked again with identical arguments (so the same key)."""
        async def ask() -> ToolOutcome:
            return await self.inner.call(tool, args, run_id=run_id, graph=graph, step=step, call=call,
                                         provenance=provenance, context=context, approval_id=approval_id)

        outcome = await ask()
        attempt = 0
        while outcome.decision == "pending":
            self.pending[graph] += 1
            if attempt >= self.retries:
                break
            attempt += 1
            log.warning("%s for %s step %d: gate did not answer in time; asking again with the same key (%d/%d)",
                        tool, run_id, step, attempt, self.retries)
            await asyncio.sleep(self.backoff_s * attempt)
            outcome = await ask()
            if outcome.decision != "pending":
                self.reconciled[graph] += 1
        return outcome

    def metrics_lines(self) -> list[str]:
        """Prometheus lines: pending answers seen and how many a retry with the same key resolved."""
        lines = [f'warden_gate_pending_total{{graph="{g}"}} {n}' for g, n in sorted(self.pending.items())]
        return lines + [f'warden_gate_reconciled_total{{graph="{g}"}} {n}' for g, n in sorted(self.reconciled.items())]
