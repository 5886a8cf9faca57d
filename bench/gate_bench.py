"""Tool-call latency through the gate against the same tool called directly, on a real bus, same run.

The gated path is what a graph does: a `gate.<graph>.call.<tool>` request from the graph's bus user, for a run
whose claim event is stored in EVENTS; the gate binds the caller, reads the run's record from the stored event
(one stream fetch per run, when the runtime registers the run's tokens at intake; every call here is a new run
with its own intake, untimed), validates, redacts, asks policy,
signs and calls `tools.<tool>`, redacts the result and audits. The direct path is the gate's own
user calling `tools.<tool>`, signed with the gate's key as the gate would: the tool service refuses unsigned
calls, so signing (about 0.15 ms) is inside the direct timing too, as it is inside the gated one. Calls
alternate gated/direct so machine noise hits both alike, and every call is a new effect (a new payment, a new
message): nothing is answered from an idempotency record.
The policy's rate limit for agents counts per run, and every call is its own run.
`python -m bench.gate_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.bus import connect, ensure_streams  # noqa: E402
from agents.bus_users import EVENTS_STREAM, runtime_user  # noqa: E402
from agents.gate_client import NatsToolGateway  # noqa: E402
from agents.intake_vault import PendingRunVault, register_tokens  # noqa: E402
from agents.nats_server import EmbeddedNats  # noqa: E402
from warden.settings import Settings  # noqa: E402
from graphs.claims import PACKAGE as CLAIMS  # noqa: E402
from warden.heap import settle_heap  # noqa: E402
from tools.client import call_tool  # noqa: E402
from tools.gate_proof import GateSigner, GateVerifier, generate_signing_key  # noqa: E402

GRAPH = CLAIMS.name

CLAIM_TEMPLATE: dict[str, Any] = {
    "claim_id": "CLM-1001", "policy_number": "POL-20418836", "claim_type": "auto", "status": "approved",
    "payee_account_on_file": "ACCT-4410327", "claimant_email": "marcus.delgado@example.com",
    "claimant_phone": "+1 217 555 0101", "policy_start": "2022-05-01", "submitted_at": "2026-11-05",
    "incident_date": "2026-11-02", "amount_claimed": 850.0, "prior_claims": 0, "fraud_score": 0.08,
    "fraud_band": "low", "has_police_report": True, "has_receipts": True, "adjuster_queue": "claims-auto",
    "currency": "USD", "region": "US-IL", "channel": "web",
}
"""Trusted facts the runtime attaches as context: short typed fields, about 1 KB on the wire with the rest."""

PAYMENT_PROVENANCE = {"claim_id": "system", "amount": "system", "currency": "system", "payee_account": "system"}
NOTIFY_PROVENANCE = {"channel": "system", "to": "system", "subject": "system", "body": "system"}

BODY_300C = (
    "Dear Marcus Delgado, your claim about the rear-end collision on Monroe Street has been reviewed and approved. "
    "We will pay the towing and repair costs to the account we hold on file within three business days. "
    "If anything looks wrong, please reply to this message and an adjuster will phone you today."
)
assert len(BODY_300C) == 300, len(BODY_300C)


def _claim(i: int) -> dict[str, Any]:
    return {**CLAIM_TEMPLATE, "claim_id": f"CLM-G{i:05d}"}


def _event(claim: dict[str, Any]) -> dict[str, Any]:
    """The stored claim event the gate reads the run's facts from."""
    return {"claim_id": claim["claim_id"], "policy_number": claim["policy_number"], "claim_type": claim["claim_type"],
            "amount_claimed": "850.00", "currency": "USD", "incident_date": claim["incident_date"],
            "claimant": {"name": "Marcus Delgado", "email": claim["claimant_email"], "phone": claim["claimant_phone"]},
            "payee_account_on_file": claim["payee_account_on_file"], "policy_start": claim["policy_start"],
            "submitted_at": claim["submitted_at"], "prior_claims": 0, "attachments": {"police_report": True},
            "document": "Rear-ended on Monroe Street; total claimed $850.00."}


def _payment_args(claim: dict[str, Any]) -> dict[str, Any]:
    return {"claim_id": claim["claim_id"], "amount": 10.0, "currency": "USD", "payee_account": claim["payee_account_on_file"]}


def _notify_args(claim: dict[str, Any]) -> dict[str, Any]:
    return {"channel": "email", "to": claim["claimant_email"], "subject": f"Claim {claim['claim_id']} approved",
            "body": BODY_300C}


def _pct_ms(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in ms (values are seconds)."""
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return round(ordered[idx] * 1000, 3)


class GateBenchError(RuntimeError):
    """A benchmark call did not do what it was meant to (denied, failed): the figures would be meaningless."""


async def _gated(gw: NatsToolGateway, tool: str, args: dict[str, Any], run_id: str, step: int,
                 provenance: dict[str, str]) -> float:
    t0 = time.perf_counter()
    outcome = await gw.call(tool, args, run_id=run_id, graph=GRAPH, step=step, provenance=provenance)
    elapsed = time.perf_counter() - t0
    if outcome.decision != "allow" or outcome.result is None:
        raise GateBenchError(f"gated {tool} was not executed: decision={outcome.decision} reasons={outcome.reasons} "
                             f"error={outcome.error}")
    return elapsed


async def _direct(nc, signer: GateSigner, tool: str, args: dict[str, Any], run_id: str, step: int) -> float:
    t0 = time.perf_counter()
    result = await call_tool(nc, tool, args, idempotency_key=f"{run_id}:{step}:0:{tool}", run_id=run_id, timeout_s=5.0,
                             signer=signer)
    elapsed = time.perf_counter() - t0
    if result.get("status") not in ("paid", "queued"):
        raise GateBenchError(f"direct {tool} did not take effect: {result}")
    return elapsed


async def intake(nc_runtime, i: int, run_id: str) -> None:
    """As the runtime does at intake, before any tool call of a run: hand the run's tokens to the gate (which reads
    the run's stored event then, once per run). Benches do it for every run before the timed calls: it is intake,
    not a tool call."""
    pending = PendingRunVault(run_id)
    pending.tokenize("EMAIL_ADDRESS", _claim(i)["claimant_email"])
    await register_tokens(nc_runtime, GRAPH, pending)


async def _measure(nc_runtime, nc_gate, signer: GateSigner, tool: str, n: int, warmup: int, make_args,
                   provenance, runs: list[str]) -> dict[str, list[float]]:
    """Alternate gated and direct calls of `tool`; returns their latencies (s), warm-up dropped."""
    gateway = NatsToolGateway(nc_runtime, GRAPH, timeout_s=10.0)
    gated: list[float] = []
    direct: list[float] = []
    tag = tool.split(".")[0]
    for i in range(n + warmup):
        await intake(nc_runtime, i, runs[i])
    for i in range(n + warmup):
        claim = _claim(i)
        args = make_args(claim)
        g = await _gated(gateway, tool, args, runs[i], i, provenance)
        d = await _direct(nc_gate, signer, tool, make_args({**claim, "claim_id": f"CLM-D{i:05d}"}), f"bench-{tag}-d{i}", i)
        if i >= warmup:
            gated.append(g)
            direct.append(d)
    return {"gated": gated, "direct": direct}


def _judge_p50(records: list[dict[str, Any]], tool: str) -> float | None:
    """Median of the gate's own judge time (validate, redact, policy) from its audit records."""
    values = [r["timing_ms"]["judge"] for r in records if r.get("tool") == tool and "judge" in (r.get("timing_ms") or {})]
    return round(statistics.median(values), 3) if values else None


def _request_bytes() -> int:
    claim = _claim(0)
    gw_req = {"tool": "payments.issue", "args": _payment_args(claim),
              "principal": {"id": f"agent:{GRAPH}", "roles": ["agent"], "on_behalf_of": None},
              "run": {"id": f"run-{GRAPH}-1", "graph": GRAPH, "step": 0, "call": 0},
              "provenance": PAYMENT_PROVENANCE, "context": {}, "approval_id": None}
    return len(json.dumps(gw_req).encode())


@contextlib.asynccontextmanager
async def gated_bus(runs_wanted: int) -> AsyncIterator[SimpleNamespace]:
    """An embedded bus with the tool services, a gate service signing its calls and `runs_wanted` stored claim events
    (scored low, as the graph would have); yields the gate, its service, the graph's, the gate's and the admin's
    connections, the signer and the run ids. Everything is stopped on exit."""
    from guardrails.gate_service import GateService, build_gate
    from guardrails.records import RunRecords
    from tools.registry import start_tool_services

    with tempfile.TemporaryDirectory(prefix="warden-gate-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        server = EmbeddedNats(Path(tmp) / "nats", {GRAPH: CLAIMS.trigger})
        creds = server.start()
        conns, services, service = [], None, None
        try:
            admin = await connect(creds, "admin")
            conns.append(admin)
            await ensure_streams(admin)
            nc_tools = await connect(creds, "tools")
            conns.append(nc_tools)
            signing_key, public_key = generate_signing_key()
            signer = GateSigner(signing_key)
            services = await start_tool_services(nc_tools, settings, GateVerifier(public_key))
            nc_gate = await connect(creds, "gate")
            conns.append(nc_gate)
            gate = build_gate(settings)
            runs: list[str] = []
            for i in range(runs_wanted):  # the stored events the runs come from; scored as the graph would have
                ack = await admin.jetstream().publish("events.claims.submitted", json.dumps(_event(_claim(i))).encode())
                runs.append(f"run-{GRAPH}-{ack.seq}")
                gate.store.record_fraud(_claim(i)["claim_id"], "low", 0.05)
            js = nc_gate.jetstream()

            async def fetch(seq: int):
                msg = await js.get_msg(EVENTS_STREAM, seq)
                return msg.subject, msg.data

            records = RunRecords(fetch, {GRAPH: CLAIMS.record_spec})
            service = GateService(nc_gate, gate, tool_timeout_s=10.0, signer=signer, records=records)
            await service.start()
            nc_runtime = await connect(creds, runtime_user(GRAPH))
            conns.append(nc_runtime)
            settle_heap()  # as `warden up` does once its components are up (warden/heap.py)
            yield SimpleNamespace(gate=gate, service=service, nc_runtime=nc_runtime, nc_gate=nc_gate, signer=signer,
                                  runs=runs, admin=admin)
        finally:
            if service:
                await service.stop()
            if services:
                await services.stop()
            for nc in reversed(conns):
                await nc.drain()
            server.stop()


async def bench_gate(n: int = 300, warmup: int = 30) -> dict[str, Any]:
    """Gated vs direct p50/p99 (ms) for a structured payment and a 300-character email, on one embedded bus."""
    async with gated_bus(n + warmup) as bus:
        pay = await _measure(bus.nc_runtime, bus.nc_gate, bus.signer, "payments.issue", n, warmup, _payment_args,
                             PAYMENT_PROVENANCE, bus.runs)
        text = await _measure(bus.nc_runtime, bus.nc_gate, bus.signer, "notifications.send", n, warmup, _notify_args,
                              NOTIFY_PROVENANCE, bus.runs)
        records = bus.gate.audit.records()

    figures = {
        "gate_call_p50_ms": _pct_ms(pay["gated"], 0.50),
        "gate_call_p99_ms": _pct_ms(pay["gated"], 0.99),
        "direct_call_p50_ms": _pct_ms(pay["direct"], 0.50),
        "direct_call_p99_ms": _pct_ms(pay["direct"], 0.99),
        "gate_call_text300_p50_ms": _pct_ms(text["gated"], 0.50),
        "gate_call_text300_p99_ms": _pct_ms(text["gated"], 0.99),
        "direct_call_text300_p50_ms": _pct_ms(text["direct"], 0.50),
        "direct_call_text300_p99_ms": _pct_ms(text["direct"], 0.99),
        "gate_judge_p50_ms": _judge_p50(records, "payments.issue"),
        "gate_judge_text300_p50_ms": _judge_p50(records, "notifications.send"),
        "gate_request_bytes": _request_bytes(),
        "gate_calls_measured": n,
    }
    figures["gate_overhead_p50_ms"] = round(figures["gate_call_p50_ms"] - figures["direct_call_p50_ms"], 3)
    figures["gate_overhead_p99_ms"] = round(figures["gate_call_p99_ms"] - figures["direct_call_p99_ms"], 3)
    figures["gate_overhead_text300_p50_ms"] = round(figures["gate_call_text300_p50_ms"] - figures["direct_call_text300_p50_ms"], 3)
    return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_gate()), indent=2))
