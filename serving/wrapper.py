"""The base for behaviour added by wrapping: a Model that delegates to an inner Model."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

from serving.model import Model, ModelRequest, ModelResponse

W = TypeVar("W")


class WrapperModel:
    """Delegates everything to `inner`; subclasses override `generate` and/or `stream`."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name = inner.name

    async def generate(self, request: ModelRequest) -> ModelResponse:
        return await self.inner.generate(request)

    def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        return self.inner.stream(request)

    def stats(self) -> dict[str, Any]:
        """Usage figures from the nearest layer that keeps them (see AccountingModel.stats)."""
        inner_stats = getattr(self.inner, "stats", None)
        return inner_stats() if callable(inner_stats) else {"backend": "unknown", "model": self.name}


def find_wrapper(model: Model, kind: type[W]) -> W | None:
    """The first wrapper of type `kind` in a stack of wrappers (outermost first), or None."""
    current: object = model
    while current is not None:
        if isinstance(current, kind):
            return current
        current = getattr(current, "inner", None)
    return None


def innermost(model: Model) -> Model:
    """The backend at the bottom of a wrapper stack."""
    current = model
    while isinstance(current, WrapperModel):
        current = current.inner
    return current
