"""Retries with jittered exponential backoff, for transient backend failures."""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable

from serving.model import Model, ModelError, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel

log = logging.getLogger(__name__)


def is_transient(exc: BaseException) -> bool:
    """Model errors are worth retrying, except a fast rejection by an open circuit breaker."""
    from serving.breaker import CircuitOpen

    return isinstance(exc, ModelError) and not isinstance(exc, CircuitOpen)


class RetryModel(WrapperModel):
    """Up to `attempts` tries; waits `base_delay_s * 2**n` (capped at `max_delay_s`) with full jitter between them.

    A stream is retried only while it has yielded nothing: replaying half an answer would duplicate text.
    """

    def __init__(self, inner: Model, *, attempts: int = 3, base_delay_s: float = 0.2, max_delay_s: float = 2.0,
                 retry_on: Callable[[BaseException], bool] = is_transient,
                 rng: random.Random | None = None) -> None:
        super().__init__(inner)
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.retry_on = retry_on
        self._rng = rng or random.Random()
        self.retries = 0

    def backoff_s(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)] (attempt counts from 0)."""
        return self._rng.uniform(0, min(self.max_delay_s, self.base_delay_s * (2 ** attempt)))

    async def _pause(self, attempt: int, exc: BaseException) -> None:
        delay = self.backoff_s(attempt)
        self.retries += 1
        log.info("model %s failed (%s); retry %d/%d in %.2fs", self.name, type(exc).__name__,
                 attempt + 1, self.attempts - 1, delay)
        await asyncio.sleep(delay)

    async def generate(self, request: ModelRequest) -> ModelResponse:
        for attempt in range(self.attempts):
            try:
                return await self.inner.generate(request)
            except Exception as exc:
                if attempt + 1 >= self.attempts or not self.retry_on(exc):
                    raise
                await self._pause(attempt, exc)
        raise AssertionError("unreachable")

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        for attempt in range(self.attempts):
            started = False
            try:
                async for chunk in self.inner.stream(request):
                    started = True
                    yield chunk
                return
            except Exception as exc:
                if started or attempt + 1 >= self.attempts or not self.retry_on(exc):
                    raise
                await self._pause(attempt, exc)
