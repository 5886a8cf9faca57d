"""Serving the staff API inside `warden up`: built from the running Warden's stores, on the same event loop."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from guardrails.audit import AuditLog

from api.app import create_app
from api.context import ApiContext
from api.feed import AuditTail, follow_runs_completed
from api.inbox import ApprovalInbox
from api.journal import RunJournal
from api.tickets import ticket_service

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: `warden up` owns SIGTERM and stops us in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ApiServer:
    """The running API: its background feeds, its bus subscriptions and the HTTP server."""

    def __init__(self, ctx: ApiContext, server: uvicorn.Server, task: asyncio.Task, sock: socket.socket,
                 closers: list) -> None:
        self.ctx = ctx
        self.port: int = sock.getsockname()[1]
        self._server, self._task, self._sock, self._closers = server, task, sock, closers

    async def close(self) -> None:
        """Stop accepting, end open streams (after a short grace), then the feeds and connections."""
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 5)
        except (asyncio.TimeoutError, Exception):
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._sock.close()
        for closer in reversed(self._closers):
            try:
                await closer()
            except Exception as exc:
                log.debug("api close: %s", exc)


class HealthOnly:
    """What a process without the gate serves: /healthz and /metrics (serving/health.py)."""

    def __init__(self, server: asyncio.AbstractServer) -> None:
        self._server = server
        self.port: int = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._server.close()


def context_for(warden: Any) -> ApiContext:
    """The API's context over a started Warden: the gate's own stores where this process runs the gate, else
    the same files under the data folder."""
    from guardrails.approvals import ApprovalStore
    from guardrails.audit import AuditLog
    from guardrails.directory import Directory
    from serving.health import metric_lines

    s = warden.settings
    gate = getattr(warden, "gate", None)
    approvals = gate.approvals if gate else ApprovalStore(s.path("approvals.db"), ttl_s=s.approval_ttl_s)
    journal = RunJournal(s.path("api.db"))
    service = getattr(warden, "gate_service", None)

    def readiness() -> dict[str, bool]:
        checks = {"bus": warden.creds is not None}
        if "gate" in warden.roles:
            checks["policy"] = gate is not None and bool(getattr(gate.engine, "bundle", ""))
        if "runtime" in warden.roles:
            checks["model"] = warden.model is not None
        return checks

    ctx = ApiContext(settings=s, directory=gate.directory if gate else Directory(s.path("users.db")),
                      approvals=approvals, audit=gate.audit if gate else AuditLog(s.path("audit.db")),
                      journal=journal, inbox=ApprovalInbox(approvals, journal), roles=tuple(warden.roles),
                      announce=service.announce_decisions if service else None, readiness=readiness,
                      metric_lines=lambda: metric_lines(warden))
    ctx.tickets = ticket_service(s, ctx.redact)
    return ctx


async def start_api_server(warden: Any, port: int, *, host: str = "127.0.0.1", ctx: ApiContext | None = None) -> ApiServer:
    """Start the feeds and serve the API on `host:port` (0: a free port). Raises OSError when the port is taken."""
    from agents.bus import connect

    if ctx is None and getattr(warden, "gate", None) is None:
        # The staff API acts on the gate's stores (approvals, audit, users): only the gate's process serves it.
        # Any other role keeps the dependency-free /healthz and /metrics.
        from serving.health import start_health_server

        return HealthOnly(await start_health_server(warden, port, host=host))
    ctx = ctx or context_for(warden)
    closers: list = []
    if not isinstance(ctx.audit, AuditLog) and not callable(getattr(ctx.audit, "since", None)):
        log.warning("this audit backend (%s) has no since(); run timelines show approvals and run ends only",
                    type(ctx.audit).__name__)
    tail = AuditTail(ctx.settings.path("audit.db"), ctx.journal, audit=ctx.audit)
    tail.start()
    closers.append(tail.stop)
    passwords = getattr(warden.creds, "passwords", {}) if warden.creds else {}
    insecure = bool(getattr(warden.creds, "insecure", False))
    staff_nc = None
    if warden.creds is not None and ("admin" in passwords or insecure):
        # approvals.pending is announced for staff surfaces; only the admin user may read it on this bus
        staff_nc = await connect(warden.creds, "admin", name="warden-api")
        closers.append(staff_nc.drain)
    ctx.inbox.before_journal = tail.catch_up
    await ctx.inbox.start(staff_nc)
    closers.append(ctx.inbox.stop)
    if staff_nc is not None:
        await follow_runs_completed(staff_nc, ctx.journal, tail)
    if ctx.starter is None and warden.creds is not None and ("ingest" in passwords or insecure):
        from api.run_starter import RunStarter

        ingest_nc = await connect(warden.creds, "ingest", name="warden-api-ingest")
        closers.append(ingest_nc.drain)
        ctx.starter = RunStarter(ingest_nc.jetstream(), dict(getattr(warden, "packages", {}) or {}),
                                 _event_key(warden, "ingest"))
    if ctx.chat is None and getattr(warden, "model", None) is not None:
        ctx.chat = _assistant(warden, ctx, staff_nc)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    config = uvicorn.Config(create_app(ctx), log_level="warning", lifespan="off", access_log=False,
                            timeout_graceful_shutdown=2, timeout_keep_alive=5)
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="api:uvicorn")
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.02)
    if task.done():
        task.result()
    closers.insert(0, lambda: asyncio.to_thread(ctx.journal.close))
    return ApiServer(ctx, server, task, sock, closers)


def _assistant(warden: Any, ctx: ApiContext, nc: Any) -> Any:
    """The staff assistant over this process's model, reading claims from the stored events it can open."""
    from agents.bus_users import EVENTS_STREAM
    from api.chat import ChatService
    from api.claim_records import StoredClaims

    claims = None
    if nc is not None:
        js = nc.jetstream()

        async def fetch(seq: int) -> bytes:
            return (await js.get_msg(EVENTS_STREAM, seq)).data

        claims = StoredClaims(ctx.journal, fetch, _event_key(warden))
    return ChatService(warden.model, ctx.redact, claims=claims, extractive=warden.settings.llm == "scripted")


def _event_key(warden: Any, role: str | None = None) -> bytes | None:
    """The event key from `role`'s credential (any role holding one when None); None on an unsealed bus."""
    creds = getattr(warden, "role_creds", {}) or {}
    holders = [creds[role]] if role and role in creds else ([] if role else list(creds.values()))
    return next((c.secret("event_key") for c in holders if "event_key" in c.secrets), None)
