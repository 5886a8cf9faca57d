"""A scripted model: the one allowed test double, and the backend behind `--llm scripted`.

It is a real `Model`: graphs, wrappers and the lanes scheduler cannot tell it from a served one.
It records every request so tests can assert what reached a prompt (no raw PII, ever).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from serving.model import ModelError, ModelRequest, ModelResponse

Script = Callable[[ModelRequest], str]
Step = str | BaseException


class ScriptedModel:
    """Answers from a list (consumed in order; an exception in the list is raised) or a function of the request."""

    def __init__(self, script: Iterable[Step] | Script | None = None, *, name: str = "scripted",
                 delay_s: float = 0.0, stream_delay_s: float = 0.0) -> None:
        self.name = name
        self.delay_s = delay_s
        self.stream_delay_s = stream_delay_s
        self.requests: list[ModelRequest] = []
        if script is None:
            script = default_script
        if callable(script):
            self._fn: Script | None = script
            self._steps: list[Step] = []
        else:
            self._fn = None
            self._steps = list(script)

    @property
    def prompts(self) -> list[str]:
        """Every prompt received, as text (chat messages joined), in arrival order."""
        return [r.text() for r in self.requests]

    @property
    def calls(self) -> int:
        return len(self.requests)

    def _next_text(self, request: ModelRequest) -> str:
        if self._fn is not None:
            return self._fn(request)
        if not self._steps:
            raise ModelError(f"{self.name}: script exhausted after {len(self.requests) - 1} responses")
        step = self._steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    async def generate(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        started = time.perf_counter()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text = self._next_text(request)
        return ModelResponse(text=text, model=self.name, prompt_tokens=_count_tokens(request.text()),
                             completion_tokens=_count_tokens(text), latency_s=time.perf_counter() - started)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        """Yields the scripted answer word by word (whitespace kept, so chunks join back to the text)."""
        self.requests.append(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text = self._next_text(request)
        for i, word in enumerate(text.split(" ")):
            if self.stream_delay_s:
                await asyncio.sleep(self.stream_delay_s)
            yield word if i == 0 else " " + word


def _count_tokens(text: str) -> int:
    return len(text.split())


def default_script(request: ModelRequest) -> str:
    """Schema-shaped JSON when a schema is asked for (graphs then validate and fall back), else a short reply."""
    if request.json_schema is not None:
        return json.dumps(schema_stub(request.json_schema))
    return "OK"


def schema_stub(schema: dict[str, Any], _defs: dict[str, Any] | None = None) -> Any:
    """The simplest instance of a JSON schema: first enum value, empty strings, zeros, required properties only."""
    defs = _defs if _defs is not None else {**schema.get("$defs", {}), **schema.get("definitions", {})}
    if "$ref" in schema:
        return schema_stub(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema and schema[key]:
            return schema_stub(schema[key][0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: schema_stub(props[k], defs) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return [schema_stub(schema.get("items", {}), defs) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "x" * schema.get("minLength", 0)
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return max(0, low + (1 if "exclusiveMinimum" in schema else 0))
    if kind == "boolean":
        return False
    return None
