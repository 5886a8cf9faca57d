"""A circuit breaker: after repeated failures, reject fast instead of piling requests onto a dead backend."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from enum import Enum

from serving.model import Model, ModelError, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel


class CircuitOpen(ModelError):
    """The breaker is open: the backend failed repeatedly and is rested until its cooldown ends."""


class BreakerState(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreakerModel(WrapperModel):
    """Closed: calls pass, consecutive failures are counted. Open after `failure_threshold` of them: every call
    raises `CircuitOpen` at once. After `cooldown_s`, half-open: one probe call passes; success closes the
    breaker, failure opens it again for another cooldown."""

    def __init__(self, inner: Model, *, failure_threshold: int = 5, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(inner)
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        self._probe_started_at = 0.0

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def _admit(self) -> bool:
        """Raise CircuitOpen unless a call may go through; True when the call is the half-open probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return False
        # A probe abandoned mid-stream never reports back: after another cooldown, let a new one through.
        probe_stale = self._probe_in_flight and self._clock() - self._probe_started_at >= self.cooldown_s
        if state is BreakerState.HALF_OPEN and (not self._probe_in_flight or probe_stale):
            self._probe_in_flight = True
            self._probe_started_at = self._clock()
            return True
        remaining = max(0.0, self.cooldown_s - (self._clock() - (self._opened_at or 0.0)))
        raise CircuitOpen(f"{self.name}: circuit open after {self._failures} consecutive failures; "
                          f"next probe in {remaining:.1f}s")

    def _on_success(self, probe: bool) -> None:
        self._failures = 0
        self._opened_at = None
        if probe:
            self._probe_in_flight = False

    def _on_failure(self, probe: bool) -> None:
        self._failures += 1
        if probe or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        if probe:
            self._probe_in_flight = False

    async def generate(self, request: ModelRequest) -> ModelResponse:
        probe = self._admit()
        try:
            response = await self.inner.generate(request)
        except BaseException as exc:
            self._record_exit(probe, exc)
            raise
        self._on_success(probe)
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        probe = self._admit()
        try:
            async for chunk in self.inner.stream(request):
                yield chunk
        except BaseException as exc:
            self._record_exit(probe, exc)
            raise
        self._on_success(probe)

    def _record_exit(self, probe: bool, exc: BaseException) -> None:
        # Cancellation (or a consumer closing the stream early) says nothing about the backend's health.
        if isinstance(exc, Exception):
            self._on_failure(probe)
        elif probe:
            self._probe_in_flight = False
