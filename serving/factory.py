"""Which model a process uses, from settings: scripted, the embedded llama.cpp server, or any LiteLLM model.

Every served model gets the same stack, outermost first:
instrumentation -> accounting -> circuit breaker -> retry -> lanes -> timeout -> LiteLLM.
The breaker sees a failure only once retries are spent; each retry queues again in its lane (no slot is
held while backing off); the timeout covers the backend call, not the wait in the queue.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from warden.settings import Settings
from serving.accounting import AccountingModel
from serving.breaker import CircuitBreakerModel
from serving.instrumented import InstrumentedModel
from serving.lanes import LaneScheduler
from serving.litellm_model import LiteLLMModel, Structured, close_clients
from serving.llama_server import LlamaServer
from serving.model import Model
from serving.retry import RetryModel
from serving.scripted import ScriptedModel
from serving.timeout import TimeoutModel
from serving.wrapper import find_wrapper


class ModelConfigError(ValueError):
    """The settings name a model this process cannot reach."""


def build_model(settings: Settings, *, llama: LlamaServer | None = None,
                structured: Structured | None = None) -> Model:
    """The model for `settings.llm`: `scripted`, `local` (needs a started `llama`), or a LiteLLM model name.

    `structured` overrides how JSON schemas are sent (default: GBNF for local, vLLM's `structured_outputs`
    when `llm_api_base` is set, OpenAI `response_format` otherwise).
    """
    if settings.llm == "scripted":
        return InstrumentedModel(AccountingModel(ScriptedModel(), backend="scripted"), provider="scripted")
    if settings.llm == "local":
        if llama is None or not llama.running:
            raise ModelConfigError("--llm local needs the embedded model server: start a LlamaServer first "
                                   "(or use --llm scripted)")
        base = LiteLLMModel(llama.model_name, api_base=llama.base_url, structured=structured or "gbnf")
        # llama.cpp serves one request at a time: one slot for background work, one kept for chat.
        return _served_stack(base, backend="llama.cpp", provider="llama.cpp", max_inflight=2, timeout_s=60.0)
    default = "structured_outputs" if settings.llm_api_base else "response_format"
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    base = LiteLLMModel(settings.llm, api_base=settings.llm_api_base, api_key=api_key or None,
                        structured=structured or default)
    backend = "vllm" if settings.llm_api_base else settings.llm.split("/", 1)[0]
    return _served_stack(base, backend=backend, provider=backend, max_inflight=16, timeout_s=60.0)


@asynccontextmanager
async def model_context(settings: Settings) -> AsyncIterator[Model]:
    """The configured model for the life of the block; for `local`, the embedded server runs just as long
    (its log goes to `<data_dir>/logs/llama-server.log`)."""
    try:
        if settings.llm == "local":
            async with LlamaServer(log_path=settings.path("logs", "llama-server.log")) as llama:
                yield build_model(settings, llama=llama)
        else:
            yield build_model(settings)
    finally:
        await close_clients()


def _served_stack(base: Model, *, backend: str, provider: str, max_inflight: int, timeout_s: float) -> Model:
    model: Model = TimeoutModel(base, timeout_s)
    model = LaneScheduler(model, max_inflight=max_inflight)
    model = RetryModel(model, attempts=3, base_delay_s=0.25, max_delay_s=2.0)
    model = CircuitBreakerModel(model, failure_threshold=5, cooldown_s=30.0)
    model = AccountingModel(model, backend=backend)
    return InstrumentedModel(model, provider=provider)


def model_stats(model: Model) -> dict[str, Any]:
    """Backend, model name, calls, tokens and measured tokens/s of a model built here (for the demo summary)."""
    accounting = find_wrapper(model, AccountingModel)
    if accounting is None:
        return {"backend": "unknown", "model": model.name}
    stats = accounting.stats()
    breaker = find_wrapper(model, CircuitBreakerModel)
    if breaker is not None:
        stats["breaker"] = breaker.state.value
    return stats
