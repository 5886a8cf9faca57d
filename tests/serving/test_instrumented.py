"""Model spans follow the GenAI semantic conventions and never carry prompt or completion text."""
from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from serving.instrumented import InstrumentedModel
from serving.model import ModelError, ModelRequest
from serving.scripted import ScriptedModel

SECRET_PROMPT = "Claimant Jane Roe, SSN 123-45-6789, phone +1 415 555 0100, reports water damage"
SECRET_ANSWER = "Jane Roe should be paid to ACCT-77812"


@pytest.fixture
def telemetry() -> tuple[InMemorySpanExporter, TracerProvider, InMemoryMetricReader, MeterProvider]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    return exporter, provider, reader, MeterProvider(metric_readers=[reader])


def _all_text(span) -> str:
    parts = [span.name, str(span.status.description or "")]
    parts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        parts.append(event.name)
        parts += [f"{k}={v}" for k, v in (event.attributes or {}).items()]
    return "\n".join(parts)


async def test_span_has_genai_attributes_and_no_text(telemetry) -> None:
    exporter, tracer_provider, reader, meter_provider = telemetry
    model = InstrumentedModel(ScriptedModel([SECRET_ANSWER], name="openai/gemma-3-270m"),
                              tracer_provider=tracer_provider, meter_provider=meter_provider)
    await model.generate(ModelRequest(prompt=SECRET_PROMPT, lane="interactive"))
    (span,) = exporter.get_finished_spans()
    attrs = dict(span.attributes)
    assert span.name == "text_completion openai/gemma-3-270m" and span.kind is SpanKind.CLIENT
    assert attrs["gen_ai.operation.name"] == "text_completion"
    assert attrs["gen_ai.request.model"] == "openai/gemma-3-270m"
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.usage.input_tokens"] == len(SECRET_PROMPT.split())
    assert attrs["gen_ai.usage.output_tokens"] == len(SECRET_ANSWER.split())
    assert attrs["warden.model.latency_ms"] >= 0 and attrs["warden.model.lane"] == "interactive"
    text = _all_text(span)
    for fragment in ("Jane", "Roe", "123-45-6789", "555", "ACCT-77812", "water"):
        assert fragment not in text
    metrics = reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics
    assert {m.name for m in metrics} == {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"}


async def test_failed_and_streamed_calls_leak_no_text_either(telemetry) -> None:
    exporter, tracer_provider, _, meter_provider = telemetry
    failing = InstrumentedModel(ScriptedModel([ModelError(f"rejected prompt: {SECRET_PROMPT}")]),
                                tracer_provider=tracer_provider, meter_provider=meter_provider)
    with pytest.raises(ModelError):
        await failing.generate(ModelRequest(messages=[{"role": "user", "content": SECRET_PROMPT}]))
    streaming = InstrumentedModel(ScriptedModel([SECRET_ANSWER]), tracer_provider=tracer_provider,
                                  meter_provider=meter_provider)
    chunks = [c async for c in streaming.stream(ModelRequest(prompt=SECRET_PROMPT))]
    assert "".join(chunks) == SECRET_ANSWER
    failed, streamed = exporter.get_finished_spans()
    assert failed.name == "chat scripted" and failed.status.status_code is StatusCode.ERROR
    assert failed.attributes["error.type"] == "ModelError"
    assert streamed.attributes["warden.model.stream_chunks"] == len(SECRET_ANSWER.split())
    for span in (failed, streamed):
        text = _all_text(span)
        assert "Jane" not in text and "123-45-6789" not in text and "ACCT-77812" not in text
