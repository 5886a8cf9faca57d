"""OpenTelemetry spans and metrics for model calls, following the GenAI semantic conventions.

Prompts and completions never go into a span: attributes carry model names, token counts, sizes and
latency only, and errors are recorded by type (exception messages can echo a prompt).
"""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from serving.model import Model, ModelRequest, ModelResponse
from serving.wrapper import WrapperModel

_SCOPE = "warden.serving"


def operation_name(request: ModelRequest) -> str:
    """GenAI `gen_ai.operation.name`: `chat` for messages, `text_completion` for a bare prompt."""
    return "chat" if request.messages is not None else "text_completion"


class InstrumentedModel(WrapperModel):
    """One CLIENT span per call (`{operation} {model}`), plus duration and token-usage histograms."""

    def __init__(self, inner: Model, *, provider: str | None = None,
                 tracer_provider: trace.TracerProvider | None = None,
                 meter_provider: metrics.MeterProvider | None = None) -> None:
        super().__init__(inner)
        self.provider = provider or (self.name.split("/", 1)[0] if "/" in self.name else self.name)
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s",
                                                description="GenAI operation duration")
        self._tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}",
                                              description="Tokens used per GenAI operation")

    def _request_attributes(self, request: ModelRequest) -> dict[str, Any]:
        return {
            "gen_ai.operation.name": operation_name(request),
            "gen_ai.provider.name": self.provider,
            "gen_ai.system": self.provider,  # older name of the same attribute, still read by many backends
            "gen_ai.request.model": self.name,
            "gen_ai.request.max_tokens": request.max_tokens,
            "gen_ai.request.temperature": request.temperature,
            "gen_ai.output.type": "json" if request.json_schema is not None else "text",
            "warden.model.lane": request.lane,
            "warden.model.prompt_chars": len(request.text()),
        }

    def _metric_attributes(self, request: ModelRequest, error: str | None) -> dict[str, Any]:
        attrs = {"gen_ai.operation.name": operation_name(request), "gen_ai.provider.name": self.provider,
                 "gen_ai.request.model": self.name}
        if error:
            attrs["error.type"] = error
        return attrs

    def _fail(self, span: trace.Span, exc: BaseException) -> str:
        error = type(exc).__name__
        span.set_attribute("error.type", error)
        span.set_status(Status(StatusCode.ERROR, error))
        return error

    def _record_latency(self, span, request: ModelRequest, started: float, error: str | None) -> None:
        """Latency on the span and in the duration histogram, whether the call succeeded or not."""
        elapsed = time.perf_counter() - started
        span.set_attribute("warden.model.latency_ms", round(elapsed * 1000, 3))
        self._duration.record(elapsed, self._metric_attributes(request, error))

    async def generate(self, request: ModelRequest) -> ModelResponse:
        attrs = self._request_attributes(request)
        started = time.perf_counter()
        error: str | None = None
        with self._tracer.start_as_current_span(f"{attrs['gen_ai.operation.name']} {self.name}", kind=SpanKind.CLIENT,
                                                attributes=attrs, record_exception=False,
                                                set_status_on_exception=False) as span:
            try:
                response = await self.inner.generate(request)
            except BaseException as exc:
                error = self._fail(span, exc)
                raise
            finally:
                self._record_latency(span, request, started, error)
            span.set_attributes({
                "gen_ai.response.model": response.model,
                "gen_ai.usage.input_tokens": response.prompt_tokens,
                "gen_ai.usage.output_tokens": response.completion_tokens,
                "warden.model.completion_chars": len(response.text),
            })
            base = self._metric_attributes(request, None)
            self._tokens.record(response.prompt_tokens, {**base, "gen_ai.token.type": "input"})
            self._tokens.record(response.completion_tokens, {**base, "gen_ai.token.type": "output"})
            return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[str]:
        attrs = self._request_attributes(request)
        attrs["gen_ai.request.stream"] = True
        started = time.perf_counter()
        first_chunk_s: float | None = None
        chunks = 0
        error: str | None = None
        # Not made current: a stream's span may outlive the consumer's context (early close, GC).
        span = self._tracer.start_span(f"{attrs['gen_ai.operation.name']} {self.name}", kind=SpanKind.CLIENT,
                                       attributes=attrs)
        try:
            async for chunk in self.inner.stream(request):
                if first_chunk_s is None:
                    first_chunk_s = time.perf_counter() - started
                chunks += 1
                yield chunk
        except GeneratorExit:  # the consumer stopped early: not a model failure
            raise
        except BaseException as exc:
            error = self._fail(span, exc)
            raise
        finally:
            if first_chunk_s is not None:
                span.set_attribute("warden.model.time_to_first_chunk_ms", round(first_chunk_s * 1000, 3))
            span.set_attribute("warden.model.stream_chunks", chunks)
            self._record_latency(span, request, started, error)
            span.end()
