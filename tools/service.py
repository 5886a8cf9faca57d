"""The base every tool service is built on: a `nats.micro` service whose endpoints validate, time out and reply with codes.

A request's body is the JSON of the tool's arguments; headers carry `Idempotency-Key` (required by
effectful tools), `Warden-Run-Id` and `Warden-Gate-Proof`. Before anything else, every endpoint (read-only
ones too) checks that the request came from the gate: its reply subject is in the gate's inbox and its proof
is the gate's signature over this tool, body and key (`tools.gate_proof`); otherwise it refuses with 401/403
and counts the refusal by reason. A reply is the JSON of the result model, or a micro error
(`Nats-Service-Error-Code` / `Nats-Service-Error`) with the code of a `tools.errors` type. Stack
traces stay in the service's log; a reply names at most a reference to find them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from nats.aio.client import Client
from nats.micro import add_service
from nats.micro.request import Request, ServiceError
from nats.micro.service import EndpointStats, Service, ServiceStats
from pydantic import BaseModel, ValidationError

from warden.concurrency import DEFAULT_LIMIT, BoundedDispatch, make_concurrent
from warden.trace_context import tool_span
from tools.errors import InvalidToolArgs, ToolError
from tools.gate_proof import PROOF_HEADER, GateVerifier, ProofRejected

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
RUN_ID_HEADER = "Warden-Run-Id"
MAX_HEADER_LEN = 200
SUBJECT_PREFIX = "tools."
GATE_INBOX_PREFIX = "_INBOX.gate."
"""Replies go only here: the gate connects with nats-py's `inbox_prefix="_INBOX.gate"`."""


@dataclass(frozen=True)
class CallContext:
    """What a handler knows about the call besides its arguments."""

    tool: str
    idempotency_key: str | None
    run_id: str | None


ToolHandler = Callable[[Any, CallContext], Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, argument schema, handler, and whether it changes the world."""

    name: str
    args_model: type[BaseModel]
    handler: ToolHandler
    effectful: bool

    @property
    def subject(self) -> str:
        return tool_subject(self.name)

    @property
    def endpoint_name(self) -> str:
        return self.name.replace(".", "-")  # micro endpoint names allow no dots


def tool_subject(tool: str) -> str:
    """The NATS subject a tool is served on: `tools.<tool name>`."""
    return SUBJECT_PREFIX + tool


def describe_validation_error(tool: str, exc: ValidationError) -> str:
    """Which fields are wrong and why, without echoing their values (they may hold PII)."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        field = ".".join(str(p) for p in err["loc"]) or "(body)"
        parts.append(f"{field}: {err['msg']}")
    return f"invalid arguments for {tool}: " + "; ".join(parts)


class ToolService:
    """A family of tools served as one micro service (`payments`, `scoring`, ...), with built-in stats.

    `verifier` is required and checked here, not defaulted: a service that could start without one would
    serve whoever reaches it, and one that started and refused everything would hide the wiring mistake
    until the first call. Failing at construction stops the process at start-up instead.
    """

    def __init__(self, nc: Client, family: str, tools: list[ToolSpec], *, verifier: GateVerifier, timeout_s: float,
                 gate_inbox_prefix: str = GATE_INBOX_PREFIX, version: str = "1.0.0", description: str = "",
                 on_stop: Callable[[], Any] | None = None, max_concurrent: int = DEFAULT_LIMIT) -> None:
        if not isinstance(verifier, GateVerifier):
            raise TypeError(f"tool service {family} needs a GateVerifier holding the gate's public key")
        if not gate_inbox_prefix.endswith("."):
            raise ValueError(f"gate_inbox_prefix must end with '.', got {gate_inbox_prefix!r}")
        self.verifier = verifier
        self.gate_inbox_prefix = gate_inbox_prefix
        self.nc = nc
        self.family = family
        self.tools = {t.name: t for t in tools}
        self.timeout_s = timeout_s
        self._version = version
        self._description = description or f"Warden {family} tools"
        self._on_stop = on_stop
        self.max_concurrent = max_concurrent
        self._dispatch: list[BoundedDispatch] = []
        self._service: Service | None = None
        self._codes: dict[str, Counter[str]] = {t.endpoint_name: Counter() for t in tools}
        self._refused: dict[str, Counter[str]] = {t.endpoint_name: Counter() for t in tools}

    async def start(self) -> "ToolService":
        self._service = await add_service(self.nc, name=self.family, version=self._version,
                                          description=self._description, stats_handler=self._endpoint_data)
        for spec in self.tools.values():
            await self._service.add_endpoint(name=spec.endpoint_name, subject=spec.subject, handler=self._handler(spec),
                                             metadata={"tool": spec.name, "effectful": str(spec.effectful).lower()})
            # micro awaits each request before the next: a 200 ms provider call would queue every other caller
            endpoint = self._service._endpoints[-1]
            self._dispatch.append(make_concurrent(endpoint._subscription, limit=self.max_concurrent, name=spec.name))
        await self.nc.flush()  # subscriptions are live on the server before anyone calls
        return self

    async def stop(self) -> None:
        if self._service is not None:
            await self._service.stop()  # no new requests; then let those in hand answer
            for dispatch in self._dispatch:
                await dispatch.drain(self.timeout_s)
            self._dispatch.clear()
            self._service = None
        if self._on_stop is not None:
            self._on_stop()

    def stats(self) -> ServiceStats:
        """micro's stats (requests, errors, processing time per endpoint), with error counts per code in `data`."""
        if self._service is None:
            raise RuntimeError(f"tool service {self.family} is not started")
        return self._service.stats()

    def refused(self) -> dict[str, dict[str, int]]:
        """Requests refused for not coming from the gate, per tool and reason (`missing`, `expired`, ...)."""
        return {name: dict(self._refused[spec.endpoint_name]) for name, spec in self.tools.items()}

    def _endpoint_data(self, endpoint: EndpointStats) -> dict[str, Any]:
        return {"errors_by_code": dict(self._codes.get(endpoint.name, {})),
                "refused_by_reason": dict(self._refused.get(endpoint.name, {}))}

    def _handler(self, spec: ToolSpec) -> Callable[[Request], Awaitable[None]]:
        async def handle(request: Request) -> None:
            with tool_span(spec.name, request.headers):  # a child of the gate's gate.call, when it sent one
                await self._handle(spec, request)

        return handle

    async def _handle(self, spec: ToolSpec, request: Request) -> None:
        if not request._msg.reply:  # a publish, not a request: nobody would learn the outcome
            log.warning("ignoring %s message without a reply subject", spec.name)
            self._refused[spec.endpoint_name]["no_reply"] += 1
            return
        try:
            self._check_from_gate(spec, request)
        except ProofRejected as exc:
            self._refused[spec.endpoint_name][exc.reason] += 1
            log.warning("refused %s: %s (%s)", spec.name, exc.reason, exc.message)
            raise self._error(spec, exc.code, exc.message) from None
        try:
            result = await asyncio.wait_for(self._run(spec, request), timeout=self.timeout_s)
        except ToolError as exc:
            raise self._error(spec, exc.code, exc.message) from None
        except TimeoutError:
            raise self._error(spec, 504, f"{spec.name} did not finish within {self.timeout_s:g}s; "
                                         "retry with the same idempotency key") from None
        except Exception:
            ref = uuid.uuid4().hex[:12]
            log.exception("tool %s failed (ref %s)", spec.name, ref)
            raise self._error(spec, 500, f"{spec.name} failed with an internal error (ref {ref})") from None
        await request.respond(result.model_dump_json().encode())

    def _error(self, spec: ToolSpec, code: int, message: str) -> ServiceError:
        """micro replies with this error and counts it in the endpoint's stats."""
        self._codes[spec.endpoint_name][str(code)] += 1
        return ServiceError(str(code), " ".join(message.split())[:1000])  # a header value: one line, bounded

    def _check_from_gate(self, spec: ToolSpec, request: Request) -> None:
        """Raises `ProofRejected` unless the reply goes to the gate and the gate signed this exact call."""
        if not request._msg.reply.startswith(self.gate_inbox_prefix):
            raise ProofRejected(403, f"{spec.name} answers only the gate; the reply subject is not the gate's inbox",
                                reason="reply_subject")
        headers = request.headers or {}
        self.verifier.verify(headers.get(PROOF_HEADER), spec.name, request.data or b"",
                             headers.get(IDEMPOTENCY_HEADER) or None)

    async def _run(self, spec: ToolSpec, request: Request) -> BaseModel:
        headers = request.headers or {}
        key = headers.get(IDEMPOTENCY_HEADER) or None
        run_id = headers.get(RUN_ID_HEADER) or None
        if spec.effectful and not key:
            raise InvalidToolArgs(f"{spec.name} changes state: the {IDEMPOTENCY_HEADER} header is required")
        for name, value in ((IDEMPOTENCY_HEADER, key), (RUN_ID_HEADER, run_id)):
            if value is not None and len(value) > MAX_HEADER_LEN:
                raise InvalidToolArgs(f"{name} header is longer than {MAX_HEADER_LEN} characters")
        try:
            raw = json.loads(request.data or b"{}")
        except ValueError:
            raise InvalidToolArgs(f"invalid arguments for {spec.name}: body is not JSON") from None
        if not isinstance(raw, dict):
            raise InvalidToolArgs(f"invalid arguments for {spec.name}: body must be a JSON object")
        try:
            args = spec.args_model.model_validate(raw)
        except ValidationError as exc:
            raise InvalidToolArgs(describe_validation_error(spec.name, exc)) from None
        return await spec.handler(args, CallContext(tool=spec.name, idempotency_key=key, run_id=run_id))
