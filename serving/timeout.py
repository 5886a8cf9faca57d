"""A deadline on every model call, so a stuck backend turns into a `ModelTimeout` the caller can handle."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from serving.model import Model, ModelError, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel


class ModelTimeout(ModelError):
    """The model did not answer within its deadline."""


class TimeoutModel(WrapperModel):
    """`generate` must finish within `timeout_s`; a stream must finish within `timeout_s` as a whole."""

    def __init__(self, inner: Model, timeout_s: float) -> None:
        super().__init__(inner)
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.timeout_s = timeout_s

    async def generate(self, request: ModelRequest) -> ModelResponse:
        try:
            return await asyncio.wait_for(self.inner.generate(request), self.timeout_s)
        except TimeoutError as exc:
            raise ModelTimeout(f"{self.name}: no answer within {self.timeout_s:g}s") from exc

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        # wait_for around each chunk (not a timeout scope across yields) so the deadline never
        # cancels the consumer's code between chunks.
        deadline = time.monotonic() + self.timeout_s
        it = aiter(self.inner.stream(request))
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    chunk = await asyncio.wait_for(anext(it), max(remaining, 0.0))
                except StopAsyncIteration:
                    return
                except TimeoutError as exc:
                    raise ModelTimeout(f"{self.name}: stream not finished within {self.timeout_s:g}s") from exc
                yield chunk
        finally:
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                await aclose()
