"""A fallback chain: try each model in order until one answers."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from serving.model import Model, ModelError, ModelRequest, ModelResponse

log = logging.getLogger(__name__)


class AllModelsFailed(ModelError):
    """Every model of a fallback chain failed; the message lists each failure."""


class FallbackModel:
    """Calls `models[0]`; on a `ModelError` moves on to the next. Streams fall over only before their first chunk."""

    def __init__(self, models: Sequence[Model]) -> None:
        if not models:
            raise ValueError("FallbackModel needs at least one model")
        self.models = list(models)
        self.name = "fallback(" + ",".join(m.name for m in self.models) + ")"
        self.served_by: dict[str, int] = {}

    def _failed(self, errors: list[str]) -> AllModelsFailed:
        return AllModelsFailed("all models failed: " + "; ".join(errors))

    async def generate(self, request: ModelRequest) -> ModelResponse:
        errors: list[str] = []
        for model in self.models:
            try:
                response = await model.generate(request)
            except ModelError as exc:
                log.warning("model %s failed (%s), falling back", model.name, type(exc).__name__)
                errors.append(f"{model.name}: {exc}")
                continue
            self.served_by[model.name] = self.served_by.get(model.name, 0) + 1
            return response
        raise self._failed(errors)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        errors: list[str] = []
        for model in self.models:
            started = False
            try:
                async for chunk in model.stream(request):
                    started = True
                    yield chunk
            except ModelError as exc:
                if started:
                    raise
                log.warning("model %s failed (%s), falling back", model.name, type(exc).__name__)
                errors.append(f"{model.name}: {exc}")
                continue
            self.served_by[model.name] = self.served_by.get(model.name, 0) + 1
            return
        raise self._failed(errors)
