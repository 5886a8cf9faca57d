"""Gate throughput under concurrency: 64 calls at once through the gate to a tool whose provider takes 200 ms.

Served one at a time, 64 calls would take 64 × 200 ms; the target is that each call's latency stays within 1.5× of
the tool's own. Real embedded bus, real gate (policy, audit, signing) and tool service; the 200 ms is the external
provider behind the tool (added in the gate's tool transport, the one double). Each call is its own run (its own
stored event, tokens registered untimed first), a `notifications.send` to the staff queue.
`python -m bench.gate_concurrency_bench` prints the figures as JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from agents.bus import connect, ensure_streams  # noqa: E402
from agents.bus_users import EVENTS_STREAM, runtime_user  # noqa: E402
from agents.gate_client import NatsToolGateway  # noqa: E402
from agents.intake_vault import PendingRunVault, register_tokens  # noqa: E402
from agents.nats_server import EmbeddedNats  # noqa: E402
from bench.gate_bench import CLAIMS, GRAPH, NOTIFY_PROVENANCE, _claim, _event, _pct_ms  # noqa: E402
from tools.gate_proof import GateSigner, GateVerifier, generate_signing_key  # noqa: E402
from warden.settings import Settings  # noqa: E402

PROVIDER_S = 0.2
CONCURRENT = 64


async def bench_gate_concurrency(concurrent: int = CONCURRENT, provider_s: float = PROVIDER_S) -> dict[str, Any]:
    """p50/p99 latency of `concurrent` simultaneous gated calls, and the batch's wall time, against `provider_s`."""
    from guardrails.gate_service import GateService, build_gate
    from guardrails.records import RunRecords
    from tools.registry import start_tool_services

    with tempfile.TemporaryDirectory(prefix="warden-gate-conc-") as tmp:
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
            services = await start_tool_services(nc_tools, settings, GateVerifier(public_key))
            nc_gate = await connect(creds, "gate")
            conns.append(nc_gate)
            gate = build_gate(settings)
            runs = []
            for i in range(concurrent):
                ack = await admin.jetstream().publish("events.claims.submitted", json.dumps(_event(_claim(i))).encode())
                runs.append(f"run-{GRAPH}-{ack.seq}")
            js = nc_gate.jetstream()

            async def fetch(seq: int):
                msg = await js.get_msg(EVENTS_STREAM, seq)
                return msg.subject, msg.data

            service = GateService(nc_gate, gate, tool_timeout_s=10.0, signer=GateSigner(signing_key),
                                  records=RunRecords(fetch, {GRAPH: CLAIMS.record_spec}))
            await service.start()
            real = gate.call_tool

            async def provider(tool: str, args: dict[str, Any], key: str, run_id: str) -> dict[str, Any]:
                await asyncio.sleep(provider_s)  # the external system behind the tool
                return await real(tool, args, key, run_id)

            gate.call_tool = provider
            nc_runtime = await connect(creds, runtime_user(GRAPH))
            conns.append(nc_runtime)
            for run in runs:  # intake, untimed
                intake = PendingRunVault(run)
                intake.tokenize("EMAIL_ADDRESS", "marcus.delgado@example.com")
                await register_tokens(nc_runtime, GRAPH, intake)
            gateway = NatsToolGateway(nc_runtime, GRAPH, timeout_s=60.0)

            async def one(i: int) -> float:
                t0 = time.perf_counter()
                outcome = await gateway.call("notifications.send", {
                    "channel": "staff", "to": "claims-adjusters", "subject": f"Review {i}",
                    "body": "Claim CLM-1001 was paid."}, run_id=runs[i], graph=GRAPH, step=1, provenance=NOTIFY_PROVENANCE)
                if outcome.decision != "allow" or outcome.result is None:
                    raise RuntimeError(f"call {i} not executed: {outcome.decision} {outcome.reasons} {outcome.error}")
                return time.perf_counter() - t0

            started = time.perf_counter()
            latencies = await asyncio.gather(*(one(i) for i in range(concurrent)))
            wall = time.perf_counter() - started
        finally:
            if service:
                await service.stop()
            if services:
                await services.stop()
            for nc in reversed(conns):
                await nc.drain()
            server.stop()
    p50 = _pct_ms(list(latencies), 0.5)
    return {
        "gate_concurrent_calls": concurrent,
        "gate_concurrent_tool_ms": round(provider_s * 1000, 1),
        "gate_concurrent_p50_ms": p50,
        "gate_concurrent_p99_ms": _pct_ms(list(latencies), 0.99),
        "gate_concurrent_batch_wall_ms": round(wall * 1000, 1),
        "gate_concurrent_p50_over_tool_x": round(p50 / (provider_s * 1000), 2),
        "gate_concurrent_serial_would_take_ms": round(concurrent * provider_s * 1000, 1),
        "gate_concurrent_mean_ms": round(statistics.mean(latencies) * 1000, 1),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(bench_gate_concurrency()), indent=2))
