"""Assembles a Warden process: the bus, and whichever of tools, gate and runtime this process runs.

Each component connects as its own bus user with only its own credential. With an embedded nats-server this
process generates every role's credential (under `<data_dir>/secrets`) and runs the operator step itself;
against an external bus (NATS_URL) it loads only the roles it runs from WARDEN_CREDENTIALS, and refuses to
start without them (unless WARDEN_NATS_INSECURE=1, which it says on every start).
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from typing import Any, Iterable

from agents.bus import connect, graph_consumer, setup_bus
from agents.bus_users import EVENTS_STREAM, runtime_user
from agents.credentials import CredentialError, RoleCredentials, load_for
from agents.gate_client import NatsToolGateway
from agents.gate_reconcile import ReconcilingGateway
from agents.graph_actor import GraphActor
from agents.intake_vault import IntakeVault, register_tokens
from agents.nats_server import EmbeddedNats, NatsCredentials
from agents.runtime_nats import NatsRuntime
from warden.keyed_subjects import MAX_PARTITIONS
from warden.settings import Settings
from agents.supervisor import Supervisor
from agents.telemetry import setup_telemetry
from agents.triggers import Trigger
from app.checkpoints import CheckpointsOfAnotherStream, bind_to_stream, open_checkpointer
from graphs.ports import GraphDeps
from graphs.registry import select, triggers
from graphs.spec import GraphPackage
from serving.factory import model_context
from serving.model import Model

log = logging.getLogger(__name__)
ALL_ROLES = ("tools", "gate", "runtime")
ROLE_CHOICES = ("all", "admin", "tools", "gate", "runtime")
QUARANTINE_SUBJECT = "events.records.incoming"


class StartupError(RuntimeError):
    """A component cannot start (missing credential, missing consumer, unreachable bus): one line for the user."""


class Warden:
    """One process's share of Warden. `roles` picks the components; all three by default. The role `admin`
    alone runs the operator step (streams and consumers) against the bus and returns."""

    def __init__(self, settings: Settings, *, roles: Iterable[str] = ALL_ROLES, model: Model | None = None,
                 graphs: Iterable[str | GraphPackage] | None = None, gate_timeout_s: float = 15.0) -> None:
        """`graphs`: the graph packages this deployment runs (names of registered ones, or packages); all
        registered ones by default (graphs/registry.py). `gate_timeout_s`: how long a graph waits for the gate
        before the call is `pending` (then asked again with the same key, agents/gate_reconcile.py)."""
        self.settings = settings
        self.gate_timeout_s = gate_timeout_s
        self.roles = tuple(roles)
        self.model = model
        self.packages = select(graphs or None)
        self.graph_names = tuple(self.packages)
        self.creds: NatsCredentials | None = None
        self.role_creds: dict[str, RoleCredentials] = {}
        self.runtime: NatsRuntime | None = None
        self.gate = None
        self.gate_service = None
        self.policy_watcher = None
        self.actors: dict[str, GraphActor] = {}
        self._server: EmbeddedNats | None = None
        self.bus_replicas = 0  # copies EVENTS keeps, once this process ran the operator step
        self._stack = AsyncExitStack()

    async def start(self) -> "Warden":
        s = self.settings
        # one service per role in the trace view (warden-runtime, warden-gate, warden-tools); `warden` for all three
        setup_telemetry(s.otlp_endpoint, service="warden" if len(self.roles) != 1 else f"warden-{self.roles[0]}")
        self._load_credentials()
        if "admin" in self.role_creds:  # the operator step: only the admin creates streams and consumers
            admin = await connect(self.creds, "admin")
            try:
                self.bus_replicas = await setup_bus(admin, triggers(self.packages), quarantine_subject=QUARANTINE_SUBJECT,
                                                    replicas=s.nats_replicas, partitions=s.bus_partitions,
                                                    partition_ack_wait_s=s.bus_ack_wait_s)
            finally:
                await admin.drain()
        if "tools" in self.roles:
            await self._start_tools()
        if "gate" in self.roles:
            await self._start_gate()
        if "runtime" in self.roles:
            await self._start_runtime()
        return self

    # -- credentials ------------------------------------------------------------------------------------
    def _load_credentials(self) -> None:
        s = self.settings
        needed = set(self.roles) | ({"admin"} if self.roles == ("admin",) else set())
        if not s.nats_url:
            self._server = EmbeddedNats(s.data_dir / "nats", triggers(self.packages), secrets_dir=s.data_dir / "secrets")
            self.creds = self._server.start()
            self._stack.callback(self._server.stop)
            self.role_creds = dict(self._server.roles)
            return
        if s.credentials is None:
            if not s.nats_insecure:
                raise StartupError("NATS_URL is set but no credential is: run `warden init` and set WARDEN_CREDENTIALS "
                                   "(or WARDEN_NATS_INSECURE=1 for an unauthenticated development bus)")
            log.warning("WARDEN_NATS_INSECURE=1: connecting to %s without bus authentication", s.nats_url)
            self.creds = NatsCredentials(url=s.nats_url, insecure=True)
            return
        for role in needed:
            try:
                self.role_creds[role] = load_for(s.credentials, role)
            except CredentialError as exc:
                raise StartupError(str(exc)) from None
        if s.credentials.is_dir() and (s.credentials / "admin.json").exists() and self.roles == ALL_ROLES:
            self.role_creds["admin"] = load_for(s.credentials, "admin")  # one host running everything is its operator
        self.creds = NatsCredentials.from_roles(s.nats_url, self.role_creds.values())

    def _secret(self, role: str, name: str) -> bytes | None:
        creds = self.role_creds.get(role)
        return creds.secret(name) if creds and name in creds.secrets else None

    # -- components -------------------------------------------------------------------------------------
    async def _start_tools(self) -> None:
        from tools.gate_proof import GateVerifier, decode_key
        from tools.registry import start_tool_services

        public = self._secret("tools", "gate_public_key")
        if public is None:
            raise StartupError("the tools credential holds no gate_public_key: tools would refuse every call")
        services = await start_tool_services(await self._connect("tools"), self.settings, GateVerifier(decode_key(public)))
        self._stack.push_async_callback(services.stop)

    async def _start_gate(self) -> None:
        from guardrails.event_seal import open_event
        from guardrails.gate_service import GateService, build_gate
        from guardrails.policy_watch import PolicyWatcher
        from guardrails.records import RunRecords
        from tools.gate_proof import GateSigner, decode_key

        s = self.settings
        signing = self._secret("gate", "gate_signing_key")
        if signing is None and not self.creds.insecure:
            raise StartupError("the gate credential holds no gate_signing_key: run `warden init`")
        self.gate = build_gate(s, vault_key=self._secret("gate", "vault_key"))
        if callable(close := getattr(self.gate.store, "close", None)):  # a Postgres pool (gate state, approvals)
            self._stack.callback(close)
        nc = await self._connect("gate")
        event_key = self._secret("gate", "event_key")
        js = nc.jetstream()

        async def fetch(seq: int):
            msg = await js.get_msg(EVENTS_STREAM, seq)
            return msg.subject, msg.data

        opener = (lambda e: open_event(e, event_key, allow_plain=True)) if event_key else None
        # what the gate reads of each graph's runs comes from its package; the gate itself names no graph
        records = RunRecords(fetch, {name: p.record_spec for name, p in self.packages.items()}, opener)
        service = GateService(nc, self.gate, tool_timeout_s=s.tool_timeout_s,
                              signer=GateSigner(decode_key(signing)) if signing else None, records=records)
        await service.start()
        self.gate_service = service
        self._stack.push_async_callback(service.stop)
        self.policy_watcher = PolicyWatcher(self.gate.engine, self.gate.engine.policy_dir)
        self.policy_watcher.start()
        self._stack.push_async_callback(self.policy_watcher.stop)
        metrics = getattr(self.gate.engine, "metrics_lines", None)
        if callable(metrics):  # the OPA engine counts policy revision mismatches
            from serving.health import register_metrics

            self._stack.callback(register_metrics(metrics))
        await self._start_quarantine(nc)

    async def _start_quarantine(self, nc) -> None:
        """Records on events.records.incoming are scanned in the gate's process (it holds the vault)."""
        from guardrails.quarantine import Quarantine
        from serving.health import register_metrics

        quarantine = Quarantine(nc, self.gate.vault, redactor=self.gate.redactor)
        await quarantine.start()
        self._stack.push_async_callback(quarantine.stop)
        self._stack.callback(register_metrics(quarantine.metrics_lines))

    async def _start_runtime(self) -> None:
        from guardrails.event_seal import open_event
        from guardrails.redaction import get_redactor
        from serving.health import register_metrics

        s = self.settings
        if self.model is None:
            self.model = await self._stack.enter_async_context(model_context(s))
        saver = await self._stack.enter_async_context(open_checkpointer(s))  # Postgres with WARDEN_POSTGRES_URL
        redactor = get_redactor()
        event_key = self._secret("runtime", "event_key")
        handlers, connections = {}, {}
        for name in self.graph_names:
            spec = self.packages[name]
            nc = connections[name] = await self._connect(runtime_user(name))
            await self._bind_checkpoints(saver, nc, name)
            # a gate timeout is asked again with the same key, not denied
            tools = ReconcilingGateway(NatsToolGateway(nc, name, timeout_s=self.gate_timeout_s))
            self._stack.callback(register_metrics(tools.metrics_lines))
            graph = spec.build(GraphDeps(tools=tools, model=self.model)).compile(checkpointer=saver)

            async def prepare(run_id: str, payload: dict[str, Any], spec=spec, nc=nc, name=name) -> dict[str, Any]:
                event = open_event(payload, event_key, allow_plain=True) if event_key else payload
                vault = IntakeVault()
                # redaction is CPU work: off the loop, so other runs' gate calls are not held up behind it
                graph_input = await asyncio.to_thread(spec.prepare, run_id, event, vault, redactor)
                await register_tokens(nc, name, vault.for_run(run_id))  # before any token reaches state
                return graph_input

            self.actors[name] = handlers[name] = GraphActor(name, graph, prepare, summary=spec.summary,
                                                            outcome_key=spec.outcome_key)
        self.runtime = NatsRuntime(connections, handlers, max_concurrent=s.max_concurrent_actors,
                                   mailbox_size=s.mailbox_size, idle_s=s.actor_idle_s,
                                   supervisor=Supervisor(max_deliveries=s.max_deliveries), resumable=tuple(self.actors),
                                   partitions=MAX_PARTITIONS,
                                   triggers=tuple(Trigger(p.trigger, name, p.key_field) for name, p in self.packages.items()))
        await self.runtime.start()
        self._stack.push_async_callback(self.runtime.stop)

    async def _bind_checkpoints(self, saver, nc, graph: str) -> None:
        """Postgres checkpoints belong to one event stream (app/checkpoints.py); a missing consumer is reported
        by the runtime's own start."""
        try:
            info = await nc.jetstream().consumer_info(EVENTS_STREAM, graph_consumer(graph))
        except Exception:
            return
        try:
            await bind_to_stream(saver, graph, str(info.created))
        except CheckpointsOfAnotherStream as exc:
            raise StartupError(str(exc)) from None

    async def _connect(self, user: str):
        nc = await connect(self.creds, user)
        self._stack.push_async_callback(_release, nc, user)
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


async def _release(nc: Any, user: str) -> None:
    """Let go of a bus connection: drain it (finish what is in hand, flush) while the bus is there; when it is not
    (an outage, a node restart), close it without waiting for one. What was not acknowledged is redelivered by its
    stream, so stopping is never held hostage by the bus."""
    if nc.is_connected:
        await nc.drain()
        return
    if nc.is_closed:
        return
    log.warning("bus unreachable while stopping: closing %s's connection without draining it", user)
    try:
        await nc.close()  # stops its reconnecting first
    except OSError:  # then nats-py flushes what it buffered during the outage into the dead socket
        pass


def ingest_payload(event: dict[str, Any], key: bytes | None, clear: Iterable[str]) -> dict[str, Any]:
    """What the ingest edge publishes: the event with everything but its routing fields sealed at rest."""
    from guardrails.event_seal import seal_event

    return seal_event(event, key, clear) if key else event


__all__ = ["ALL_ROLES", "ROLE_CHOICES", "StartupError", "Warden", "ingest_payload"]
