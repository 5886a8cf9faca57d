"""A Model served over LiteLLM: any OpenAI-compatible endpoint (embedded llama.cpp, vLLM) or hosted provider.

`prompt` requests go to the text-completion endpoint (base models, few-shot prompts); `messages` requests
go to chat. A JSON schema is enforced by the server; how the schema is sent depends on the engine and is
the one per-engine knob (`structured`), the call path is the same for all of them.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import AsyncIterator
from functools import lru_cache
from types import ModuleType
from typing import Any, Literal

from serving.model import ModelError, ModelRequest, ModelResponse

# How a JSON schema reaches the server:
#   gbnf               llama-cpp-python server: a GBNF `grammar` field (its /v1/completions takes no response_format)
#   structured_outputs vLLM >= 0.12: `structured_outputs: {"json": schema}` (completions and chat)
#   guided_json        vLLM < 0.12: `guided_json: schema`
#   response_format    OpenAI-style `response_format: {"type": "json_schema", ...}` (hosted APIs, vLLM chat)
#   none               send nothing; rely on the prompt and the caller's validation
Structured = Literal["gbnf", "structured_outputs", "guided_json", "response_format", "none"]


@lru_cache(maxsize=1)
def _litellm() -> ModuleType:
    """LiteLLM, imported and configured on first use: importing it costs about 5 s of CPU, which every
    `warden up` role paid at start (and again on each restart) though only a runtime with a served model calls it."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the cost map over the network
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    # httpx rather than aiohttp under the OpenAI client: aiohttp sessions cached per loop leak "Unclosed" warnings.
    litellm.disable_aiohttp_transport = True
    return litellm


@lru_cache(maxsize=64)
def _gbnf(schema_json: str) -> str:
    # Imported lazily: only the embedded engine needs llama_cpp's converter in this process.
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(schema_json)


def structured_fields(schema: dict[str, Any], structured: Structured) -> dict[str, Any]:
    """The extra request-body fields that make `structured` engines constrain output to `schema`."""
    if structured == "gbnf":
        return {"grammar": _gbnf(json.dumps(schema))}
    if structured == "structured_outputs":
        return {"structured_outputs": {"json": schema}}
    if structured == "guided_json":
        return {"guided_json": schema}
    if structured == "response_format":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": schema.get("title", "output"), "schema": schema}}}
    return {}


class LiteLLMModel:
    """`model` is a LiteLLM model name, e.g. `openai/gemma-3-270m` with `api_base` for an OpenAI-compatible server.

    `api_key` goes out as the bearer token (vLLM started with an API key checks it); it is kept out of errors.
    """

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None,
                 structured: Structured = "response_format", request_timeout_s: float = 120.0) -> None:
        self.name = model
        self.api_base = api_base
        # Local servers take any key, but the OpenAI client refuses to start without one.
        self.api_key = api_key if api_key is not None else ("not-needed" if api_base else None)
        self.structured = structured
        self.request_timeout_s = request_timeout_s

    def _kwargs(self, request: ModelRequest, *, stream: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.name,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": stream,
            "timeout": self.request_timeout_s,
            "max_retries": 0,  # retries are RetryModel's job, with backoff and breaker accounting
        }
        if request.stop:
            kwargs["stop"] = request.stop
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if request.json_schema is not None:
            extra = structured_fields(request.json_schema, self.structured)
            if extra:
                kwargs["extra_body"] = extra
        return kwargs

    async def _call(self, request: ModelRequest, *, stream: bool) -> Any:
        if request.prompt is None and request.messages is None:
            raise ModelError("a model request needs a prompt or messages")
        kwargs = self._kwargs(request, stream=stream)
        try:
            if request.prompt is not None:
                return await _litellm().atext_completion(prompt=request.prompt, **kwargs)
            return await _litellm().acompletion(messages=request.messages, **kwargs)
        except ModelError:
            raise
        except Exception as exc:
            raise _model_error(self.name, exc, self.api_key) from exc

    async def generate(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        response = await self._call(request, stream=False)
        latency = time.perf_counter() - started
        try:
            choice = response.choices[0]
            text = choice.text if request.prompt is not None else choice.message.content
        except (AttributeError, IndexError, KeyError) as exc:
            raise ModelError(f"{self.name}: malformed response ({type(exc).__name__})") from exc
        usage = getattr(response, "usage", None)
        return ModelResponse(text=text or "", model=self.name,
                             prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                             completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                             latency_s=latency)

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        response = await self._call(request, stream=True)
        try:
            async for chunk in response:
                text = _chunk_text(chunk, completion=request.prompt is not None)
                if text:
                    yield text
        except ModelError:
            raise
        except Exception as exc:
            raise _model_error(self.name, exc, self.api_key) from exc


def _chunk_text(chunk: Any, *, completion: bool) -> str:
    choices = getattr(chunk, "choices", None) or (chunk.get("choices") if isinstance(chunk, dict) else None)
    if not choices:
        return ""
    choice = choices[0]
    if completion:
        text = choice.get("text") if isinstance(choice, dict) else getattr(choice, "text", None)
        if text is None:  # some wrappers stream completions in chat shape
            delta = choice.get("delta") if isinstance(choice, dict) else getattr(choice, "delta", None)
            text = _delta_content(delta)
        return text or ""
    delta = choice.get("delta") if isinstance(choice, dict) else getattr(choice, "delta", None)
    return _delta_content(delta)


def _delta_content(delta: Any) -> str:
    if delta is None:
        return ""
    content = delta.get("content") if isinstance(delta, dict) else getattr(delta, "content", None)
    return content or ""


def _model_error(name: str, exc: Exception, api_key: str | None = None) -> ModelError:
    # Type and a short message only: provider errors can echo the request back (the key included).
    message = str(exc).splitlines()[0] if str(exc) else ""
    if api_key and api_key != "not-needed":
        message = message.replace(api_key, "***")
    return ModelError(f"{name}: {type(exc).__name__}: {message[:200]}")


async def close_clients() -> None:
    """Close LiteLLM's cached HTTP sessions (call once at shutdown; avoids 'Unclosed client session' noise)."""
    if "litellm" not in sys.modules:  # never used in this process: nothing to close, nothing to import
        return
    from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

    await close_litellm_async_clients()
