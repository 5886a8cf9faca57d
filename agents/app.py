"""Assembles a Warden process: the bus, and whichever of tools, gate and runtime this process runs."""
from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any, Iterable

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from agents.bus import connect, ensure_streams
from agents.gate_client import NatsToolGateway
from agents.graph_actor import GraphActor
from agents.nats_server import EmbeddedNats, NatsCredentials, credentials_from_env
from agents.runtime_nats import NatsRuntime
from agents.settings import Settings
from agents.supervisor import Supervisor
from agents.telemetry import setup_telemetry
from graphs.ports import GraphDeps
from graphs.registry import GRAPHS
from guardrails.contracts import Principal
from serving.factory import model_context
from serving.model import Model

log = logging.getLogger(__name__)
ALL_ROLES = ("tools", "gate", "runtime")


class Warden:
    """One process's share of Warden. `roles` picks the components; all three by default."""

    def __init__(self, settings: Settings, *, roles: Iterable[str] = ALL_ROLES, model: Model | None = None,
                 graphs: Iterable[str] | None = None) -> None:
        self.settings = settings
        self.roles = tuple(roles)
        self.model = model
        self.graph_names = tuple(graphs or GRAPHS)
        self.creds: NatsCredentials | None = None
        self.runtime: NatsRuntime | None = None
        self.gate = None
        self.gate_service = None
        self.policy_watcher = None
        self.actors: dict[str, GraphActor] = {}
        self._server: EmbeddedNats | None = None
        self._stack = AsyncExitStack()

    async def start(self) -> "Warden":
        s = self.settings
        setup_telemetry(s.otlp_endpoint)
        if s.nats_url:
            self.creds = credentials_from_env(s.nats_url)
        else:
            self._server = EmbeddedNats(s.data_dir / "nats")
            self.creds = self._server.start()
            self._stack.callback(self._server.stop)
        admin = await self._connect("admin")
        await ensure_streams(admin)
        if "tools" in self.roles:
            from tools.registry import start_tool_services

            services = await start_tool_services(await self._connect("tools"), s)
            self._stack.push_async_callback(services.stop)
        if "gate" in self.roles:
            from guardrails.gate_service import GateService, build_gate

            self.gate = build_gate(s)
            service = GateService(await self._connect("gate"), self.gate, tool_timeout_s=s.tool_timeout_s)
            await service.start()
            self.gate_service = service
            self._stack.push_async_callback(service.stop)
            from guardrails.policy_watch import PolicyWatcher

            self.policy_watcher = PolicyWatcher(self.gate.engine, self.gate.engine.policy_dir)
            self.policy_watcher.start()
            self._stack.push_async_callback(self.policy_watcher.stop)
        if "runtime" in self.roles:
            await self._start_runtime()
        return self

    async def _start_runtime(self) -> None:
        from guardrails.redaction import get_redactor
        from guardrails.vault import Vault

        s = self.settings
        nc = await self._connect("runtime")
        if self.model is None:
            self.model = await self._stack.enter_async_context(model_context(s))
        conn = await aiosqlite.connect(s.path("checkpoints.db"))
        self._stack.push_async_callback(conn.close)
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        vault, redactor = Vault.from_settings(s), get_redactor()
        handlers = {}
        for name in self.graph_names:
            spec = GRAPHS[name]
            tools = NatsToolGateway(nc, Principal(id=f"agent:{name}", roles=["agent"]))
            graph = spec.build(GraphDeps(tools=tools, model=self.model)).compile(checkpointer=saver)
            actor = GraphActor(name, graph, lambda run_id, payload, spec=spec: spec.prepare(run_id, payload, vault, redactor))
            self.actors[name] = actor
            handlers[name] = actor
        self.runtime = NatsRuntime(nc, handlers, max_concurrent=s.max_concurrent_actors, mailbox_size=s.mailbox_size,
                                   idle_s=s.actor_idle_s, supervisor=Supervisor(max_deliveries=s.max_deliveries),
                                   resumable=tuple(self.actors))
        await self.runtime.start()
        self._stack.push_async_callback(self.runtime.stop)

    async def _connect(self, role: str):
        nc = await connect(self.creds, role)
        self._stack.push_async_callback(nc.drain)
        return nc

    async def stop(self) -> None:
        await self._stack.aclose()

    async def __aenter__(self) -> "Warden":
        try:
            return await self.start()
        except BaseException:  # what did start (the embedded nats-server above all) must not outlive a failed start
            await self.stop()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

