"""Counts of the runtime's own failures (a pull loop, an outcome handler, an ack), for `/metrics`.

A failure there must never stop consumption silently: it is logged, counted here and the loop goes on, so an
operator sees a rising counter instead of a graph that quietly stopped taking events.
"""
from __future__ import annotations

from collections import Counter

STAGES = ("actor", "outcome", "ack", "deadletter", "in_progress", "unavailable")
"""Where after a handler a failure can happen: each is counted on its own."""


class RuntimeErrors:
    """Per-graph counters: `loop` for a pull loop's iteration, `handler` by stage (outcome, ack, deadletter...)."""

    def __init__(self) -> None:
        self.loop: Counter[str] = Counter()
        self.handler: Counter[tuple[str, str]] = Counter()

    def known(self, graph: str) -> None:
        """Report zeros for a graph before anything failed, so a dashboard can tell "none" from "not scraped"."""
        self.loop[graph] += 0
        for stage in STAGES:
            self.handler[(graph, stage)] += 0

    def count_loop(self, graph: str) -> None:
        self.loop[graph] += 1

    def count_handler(self, graph: str, stage: str) -> None:
        self.handler[(graph, stage)] += 1

    def metrics_lines(self) -> list[str]:
        """Prometheus text lines; label values are graph names and fixed stage words (no user data)."""
        lines = ["# TYPE warden_runtime_loop_errors_total counter"]
        lines += [f'warden_runtime_loop_errors_total{{graph="{g}"}} {n}' for g, n in sorted(self.loop.items())]
        lines.append("# TYPE warden_runtime_handler_errors_total counter")
        lines += [f'warden_runtime_handler_errors_total{{graph="{g}",stage="{s}"}} {n}'
                  for (g, s), n in sorted(self.handler.items())]
        return lines
