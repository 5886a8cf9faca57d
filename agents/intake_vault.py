"""Tokenizing at intake without being able to resolve: the runtime names PII, the gate keeps it.

The runtime host holds no vault key and no vault file. At intake it assigns run-scoped tokens (`<PERSON_1>`) in
memory, exactly as the gate's vault would number them, and hands the mapping to the gate on
`gate.<graph>.tokens` before the run starts; after that only tokens remain in graph state and checkpoints. The
gate stores each token bound to its run (whose id names the graph), first registration wins.
"""
from __future__ import annotations

import json
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeout

from agents.bus_users import tokens_subject
from agents.supervisor import Unavailable


class TokenRegistrationError(RuntimeError):
    """The gate did not accept the run's tokens: the run must not start (it retries on redelivery)."""


class GateUnavailable(TokenRegistrationError, Unavailable):
    """No gate answered the registration: the run waits for one (agents/supervisor.py `Unavailable`)."""


class PendingRunVault:
    """The tokens of one run being prepared: same numbering rules as guardrails.vault.RunVault."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._tokens: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def tokenize(self, entity_type: str, value: str) -> str:
        key = (entity_type, value)
        if key not in self._tokens:
            self._counts[entity_type] = self._counts.get(entity_type, 0) + 1
            self._tokens[key] = f"<{entity_type}_{self._counts[entity_type]}>"
        return self._tokens[key]

    def resolve(self, token: str) -> str | None:
        """The runtime may read back what it tokenized itself during intake, nothing else."""
        return next((v for (t, v), tok in self._tokens.items() if tok == token), None)

    def entries(self) -> dict[str, dict[str, str]]:
        return {tok: {"type": t, "value": v} for (t, v), tok in self._tokens.items()}


class IntakeVault:
    """Vault-shaped for graph `prepare` functions: `for_run` gives a fresh in-memory token space."""

    def __init__(self) -> None:
        self.runs: dict[str, PendingRunVault] = {}

    def for_run(self, run_id: str) -> PendingRunVault:
        return self.runs.setdefault(run_id, PendingRunVault(run_id))


async def register_tokens(nc: Client, graph: str, run: PendingRunVault, *, timeout_s: float = 10.0) -> int:
    """Hand a run's tokens to the gate; raises TokenRegistrationError unless every one was stored."""
    entries = run.entries()
    if not entries:
        return 0
    body = json.dumps({"run_id": run.run_id, "tokens": entries}, ensure_ascii=False).encode()
    try:
        msg = await nc.request(tokens_subject(graph), body, timeout=timeout_s)
    except (NatsTimeout, NoRespondersError) as exc:
        raise GateUnavailable(f"gate did not take the tokens of {run.run_id} ({type(exc).__name__})") from None
    reply: dict[str, Any] = json.loads(msg.data)
    if reply.get("stored") != len(entries):
        raise TokenRegistrationError(f"gate refused the tokens of {run.run_id}: {reply.get('error', 'unknown error')}")
    return len(entries)
