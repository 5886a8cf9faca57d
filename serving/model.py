"""The model interface every backend and wrapper implements: one request type, one response type."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Lane = Literal["interactive", "background"]


class ModelRequest(BaseModel):
    """A completion (`prompt`, for base models) or chat (`messages`) request, optionally JSON-schema constrained."""

    prompt: str | None = None
    messages: list[dict[str, str]] | None = None
    json_schema: dict[str, Any] | None = None
    max_tokens: int = Field(default=256, ge=1, le=8192)
    temperature: float = Field(default=0.0, ge=0, le=2)
    stop: list[str] | None = None
    lane: Lane = "background"

    def text(self) -> str:
        """The whole prompt as one string (for recording and size checks)."""
        if self.prompt is not None:
            return self.prompt
        return "\n".join(m.get("content", "") for m in self.messages or [])


class ModelResponse(BaseModel):
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


class ModelError(RuntimeError):
    """A model call failed (transport, timeout, open breaker); callers fall back to deterministic code."""


@runtime_checkable
class Model(Protocol):
    """What graphs see of a model."""

    name: str

    async def generate(self, request: ModelRequest) -> ModelResponse: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[str]: ...
