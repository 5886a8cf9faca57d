"""One claim is one trace: the event's trace context rides the NATS headers from the publisher through the run,
the gate and the tool, on the real bus with every real component (only the model is scripted).

A trace header is telemetry: a garbage one is ignored (the run starts a new trace) and the claim is judged and
paid exactly as without it."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.baggage import set_baggage
from opentelemetry import context as otel_context

from app.assembly import Warden
from agents.bus import connect
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel
from warden.settings import Settings
from warden.trace_context import context_from, trace_carrier, trace_headers

CLAIMS = {c["claim_id"]: c for c in (json.loads(l) for l in (Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl")
                                     .read_text().splitlines() if l.strip())}
TRACED, UNTRACED, GARBAGE = "CLM-1001", "CLM-1002", "CLM-1003"  # all three are paid automatically
GARBAGE_HEADERS = {"traceparent": "00-not-a-trace-id-at-all-zz-01", "tracestate": "x=" + "y" * 4000}


def _exporter() -> InMemorySpanExporter:
    """An in-memory exporter on the process's tracer provider (installed once: OTel allows one per process)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture(scope="module")
async def traced_claims(tmp_path_factory):
    exporter = _exporter()
    publisher = trace.get_tracer("test.publisher")
    settings = Settings(data_dir=tmp_path_factory.mktemp("warden"), llm="scripted")
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        nc = await connect(warden.creds, "ingest")
        outcomes: dict[str, dict] = {}
        done = asyncio.Event()

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            outcomes[data["key"]] = data
            if all(k in outcomes for k in (TRACED, UNTRACED, GARBAGE)):
                done.set()

        await nc.subscribe("runs.completed", cb=on_completed)
        js = nc.jetstream()
        with publisher.start_as_current_span("claim submitted") as event_span:
            # baggage set by the publisher's process must never travel on the bus (it could hold anything)
            token = otel_context.attach(set_baggage("claimant", "marcus.delgado@example.com"))
            await js.publish("events.claims.submitted", json.dumps(CLAIMS[TRACED]).encode(),
                             headers=trace_headers({"Nats-Msg-Id": f"trace-{TRACED}"}))
            otel_context.detach(token)
        await js.publish("events.claims.submitted", json.dumps(CLAIMS[UNTRACED]).encode(),
                         headers={"Nats-Msg-Id": f"trace-{UNTRACED}"})
        await js.publish("events.claims.submitted", json.dumps(CLAIMS[GARBAGE]).encode(),
                         headers={"Nats-Msg-Id": f"trace-{GARBAGE}", **GARBAGE_HEADERS})
        await asyncio.wait_for(done.wait(), timeout=90)
        audit = warden.gate.audit.records()
        await nc.close()
    yield {"outcomes": outcomes, "spans": list(exporter.get_finished_spans()), "event": event_span.get_span_context(),
           "audit": audit}
    exporter.clear()


def _run_trace(traced_claims, claim_id: str) -> tuple[ReadableSpan, list[ReadableSpan], list[ReadableSpan]]:
    """The run span of a claim's run, and the gate.call and tool spans in its trace."""
    run_id = traced_claims["outcomes"][claim_id]["run_id"]
    runs = [s for s in traced_claims["spans"] if s.name.startswith("run ") and s.attributes.get("warden.run_id") == run_id]
    assert len(runs) == 1, f"one run span for {run_id}"
    run = runs[0]
    in_trace = [s for s in traced_claims["spans"] if s.context.trace_id == run.context.trace_id]
    return run, [s for s in in_trace if s.name == "gate.call"], [s for s in in_trace if s.name.startswith("tool ")]


def _assert_one_trace(run: ReadableSpan, gate_calls: list[ReadableSpan], tools: list[ReadableSpan]) -> None:
    assert any(s.attributes.get("warden.tool") == "payments.issue" and s.attributes.get("warden.decision") == "allow"
               for s in gate_calls), "the payment's gate.call is in the run's trace"
    assert any(s.name == "tool payments.issue" for s in tools), "the payment's tool span is in the run's trace"
    assert all(s.parent is not None and s.parent.span_id == run.context.span_id for s in gate_calls)
    gate_ids = {s.context.span_id for s in gate_calls}
    assert all(s.parent is not None and s.parent.span_id in gate_ids for s in tools)
    allowed = sum(s.attributes.get("warden.decision") == "allow" for s in gate_calls)
    assert len(tools) == allowed, "every allowed call reached its tool inside the same trace"


def test_an_event_with_a_traceparent_continues_its_trace_through_run_gate_and_tool(traced_claims) -> None:
    assert traced_claims["outcomes"][TRACED]["decision"] == "paid"
    run, gate_calls, tools = _run_trace(traced_claims, TRACED)
    event = traced_claims["event"]
    assert run.context.trace_id == event.trace_id
    assert run.parent is not None and run.parent.span_id == event.span_id
    _assert_one_trace(run, gate_calls, tools)


def test_an_event_without_trace_context_gets_a_new_trace_per_run(traced_claims) -> None:
    assert traced_claims["outcomes"][UNTRACED]["decision"] == "paid"
    run, gate_calls, tools = _run_trace(traced_claims, UNTRACED)
    assert run.parent is None
    assert run.context.trace_id != traced_claims["event"].trace_id
    _assert_one_trace(run, gate_calls, tools)


def test_a_garbage_traceparent_is_ignored_and_the_claim_is_judged_normally(traced_claims) -> None:
    assert traced_claims["outcomes"][GARBAGE]["decision"] == "paid"
    run, gate_calls, tools = _run_trace(traced_claims, GARBAGE)
    assert run.parent is None, "a malformed header starts a new trace"
    _assert_one_trace(run, gate_calls, tools)
    run_id = traced_claims["outcomes"][GARBAGE]["run_id"]
    records = [r for r in traced_claims["audit"] if r["run_id"] == run_id]
    assert records and all(r["trace_id"] == format(run.context.trace_id, "032x") for r in records)


def test_no_span_attribute_carries_the_claimants_pii(traced_claims) -> None:
    pii = [CLAIMS[c]["claimant"][f] for c in (TRACED, UNTRACED, GARBAGE) for f in ("name", "email", "phone")]
    for span in traced_claims["spans"]:
        text = json.dumps({k: str(v) for k, v in (span.attributes or {}).items()}) + span.name
        assert not [value for value in pii if value in text], span.name


def test_headers_carry_only_w3c_trace_context_never_baggage() -> None:
    tracer = trace.get_tracer("test")
    token = otel_context.attach(set_baggage("claimant", "pat@example.com"))
    try:
        with tracer.start_as_current_span("publisher"):
            headers = trace_headers({"Nats-Msg-Id": "m-1"})
    finally:
        otel_context.detach(token)
    assert set(headers) <= {"Nats-Msg-Id", "traceparent", "tracestate"} and "traceparent" in headers
    assert "pat@example.com" not in json.dumps(headers)


@pytest.mark.parametrize("headers", [None, {}, {"traceparent": "garbage"}, GARBAGE_HEADERS,
                                     {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"},
                                     {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01" + "x" * 600},
                                     {"traceparent": ["not", "a", "string"]}])
def test_a_malformed_trace_header_means_no_parent(headers) -> None:
    assert not trace.get_current_span(context_from(headers)).get_span_context().is_valid
    assert trace_carrier(headers) == {}


def test_a_valid_trace_header_is_passed_on_re_encoded() -> None:
    parent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    assert trace_carrier({"traceparent": parent, "Nats-Msg-Id": "x"}) == {"traceparent": parent}
