"""W3C trace context in NATS headers, so one claim is one trace from its event to its payment.

Every hop that crosses the bus (event -> runtime, runtime -> gate, gate -> tool) carries `traceparent` and, when
there is one, `tracestate`; nothing else. Baggage is never propagated: it is free text a caller could fill with
anything, and headers must never carry PII. The W3C propagator is used by itself, not the global one, so an
`OTEL_PROPAGATORS` setting cannot add baggage back.

A trace header is telemetry only: nothing here returns a value any decision reads, and a malformed or oversized
header is ignored (the receiver starts a new trace and handles the message exactly as it would without one).
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACE_HEADERS = ("traceparent", "tracestate")
MAX_TRACE_HEADER_LEN = 512  # W3C: a tracestate longer than this may be dropped; a traceparent is 55 characters

_PROPAGATOR = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("warden.bus")
M = TypeVar("M")


def trace_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the current span's trace context; unchanged when no span is recording or sampled."""
    out = dict(headers or {})
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    out.update({k: v for k, v in carrier.items() if k in TRACE_HEADERS})
    return out


def context_from(headers: Mapping[str, Any] | None) -> otel_context.Context:
    """The trace context a message's headers carry, or an empty one (a new trace) when absent or malformed."""
    carrier = {}
    for name in TRACE_HEADERS:
        value = (headers or {}).get(name) if hasattr(headers, "get") else None
        if isinstance(value, str) and 0 < len(value) <= MAX_TRACE_HEADER_LEN and value.isascii():
            carrier[name] = value
    if "traceparent" not in carrier:
        return otel_context.Context()
    try:
        return _PROPAGATOR.extract(carrier, context=otel_context.Context())
    except Exception:  # a header no decision depends on must never fail a call
        return otel_context.Context()


def trace_carrier(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """The valid trace context of `headers`, re-encoded (for an envelope to keep until its run starts, or to pass
    on when a message is republished): only a well-formed traceparent survives, never anything else."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=context_from(headers))
    return carrier


@contextlib.contextmanager
def continued_from(headers: Mapping[str, Any] | None) -> Iterator[None]:
    """Make the trace a message carries current for the duration of its handling."""
    token = otel_context.attach(context_from(headers))
    try:
        yield
    finally:
        otel_context.detach(token)


def continue_trace(handler: Callable[[M], Awaitable[None]]) -> Callable[[M], Awaitable[None]]:
    """A message handler that runs inside the trace its message's headers carry (a subscription callback)."""

    @functools.wraps(handler)
    async def traced(msg: M) -> None:
        with continued_from(getattr(msg, "headers", None)):
            await handler(msg)

    return traced


@contextlib.contextmanager
def publishing(subject: str, headers: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """A producer span for an event Warden publishes; yields `headers` with its trace context to publish with.

    The span names only the subject: an event's body may hold PII, so nothing of it becomes an attribute."""
    with _tracer.start_as_current_span(f"{subject} publish", kind=SpanKind.PRODUCER,
                                       attributes={"messaging.system": "nats",
                                                   "messaging.destination.name": subject[:200]}):
        yield trace_headers(headers)


@contextlib.contextmanager
def run_span(graph: str, run_id: str, carrier: Mapping[str, str] | None) -> Iterator[trace.Span]:
    """The span of one run of a graph: a child of the event's trace when it carried one, else a new root."""
    with _tracer.start_as_current_span(f"run {graph}", context=context_from(carrier), kind=SpanKind.CONSUMER,
                                       attributes={"warden.graph": graph[:100], "warden.run_id": run_id[:200]}) as span:
        yield span


@contextlib.contextmanager
def tool_span(tool: str, headers: Mapping[str, Any] | None) -> Iterator[trace.Span]:
    """A tool service's span for one call, a child of the gate's `gate.call` when the request carried it."""
    with _tracer.start_as_current_span(f"tool {tool}", context=context_from(headers), kind=SpanKind.SERVER,
                                       attributes={"warden.tool": tool[:100]}) as span:
        yield span
