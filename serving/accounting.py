"""Token and latency counters per model, for the demo summary and capacity planning."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from serving.model import Model, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel


@dataclass
class Usage:
    """Running totals for one model."""

    calls: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    def add(self, prompt_tokens: int, completion_tokens: int, latency_s: float) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.latency_s += latency_s
        if len(self.latencies_s) < 10_000:  # bounded: enough for percentiles in a demo or bench
            self.latencies_s.append(latency_s)

    @property
    def tokens_per_s(self) -> float:
        """Completion tokens per second of model time (decode speed as callers experience it)."""
        return self.completion_tokens / self.latency_s if self.latency_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies_s)
        return {"calls": self.calls, "failures": self.failures, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "tokens_per_s": round(self.tokens_per_s, 2),
                "latency_p50_ms": round(_pct(lat, 50) * 1000, 1), "latency_p95_ms": round(_pct(lat, 95) * 1000, 1)}


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1)))]


class AccountingModel(WrapperModel):
    """Counts calls, failures, tokens and latency, per answering model and in total."""

    def __init__(self, inner: Model, *, backend: str = "unknown") -> None:
        super().__init__(inner)
        self.backend = backend
        self.total = Usage()
        self.by_model: dict[str, Usage] = {}

    def _record(self, model: str, prompt_tokens: int, completion_tokens: int, latency_s: float) -> None:
        self.total.add(prompt_tokens, completion_tokens, latency_s)
        self.by_model.setdefault(model, Usage()).add(prompt_tokens, completion_tokens, latency_s)

    async def generate(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        try:
            response = await self.inner.generate(request)
        except Exception:
            self.total.failures += 1
            raise
        latency = response.latency_s or (time.perf_counter() - started)
        self._record(response.model, response.prompt_tokens, response.completion_tokens, latency)
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        # Streams carry no usage block from every server: count chunks (about one token each).
        started = time.perf_counter()
        chunks = 0
        try:
            async for chunk in self.inner.stream(request):
                chunks += 1
                yield chunk
        except Exception:
            self.total.failures += 1
            raise
        self._record(self.name, 0, chunks, time.perf_counter() - started)

    def stats(self) -> dict[str, Any]:
        """`{backend, model, calls, failures, prompt_tokens, completion_tokens, tokens_per_s, latency_p50_ms, ...}`."""
        out: dict[str, Any] = {"backend": self.backend, "model": self.name, **self.total.as_dict()}
        if len(self.by_model) > 1:
            out["by_model"] = {name: usage.as_dict() for name, usage in self.by_model.items()}
        return out
