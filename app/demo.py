"""`warden demo`: a graph package's sample events (the claims by default), published as real events, through the
real bus, gate and tools; the table printed is the package's."""
from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from app.assembly import Warden, ingest_payload
from agents.bus import connect
from warden.settings import Settings
from warden.trace_context import publishing
from agents.triggers import RUNS_COMPLETED_SUBJECT
from graphs.registry import select
from graphs.spec import GraphPackage

DEFAULT_GRAPH = "claims_triage"
"""What `warden demo` runs without `--graph` (the contract's demo: the sample claims)."""


def load_samples(package: GraphPackage, count: int | None = None) -> list[dict[str, Any]]:
    """The package's sample events (JSONL), the first `count` of them."""
    if package.samples is None:
        raise ValueError(f"graph {package.name} ships no sample events")
    events = [json.loads(line) for line in package.samples.read_text().splitlines() if line.strip()]
    return events[:count] if count else events


def load_claims(path: Path | None = None, count: int | None = None) -> list[dict[str, Any]]:
    """The sample claims (the claims package's samples, or a JSONL file)."""
    if path is None:
        return load_samples(select([DEFAULT_GRAPH])[DEFAULT_GRAPH], count)
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return events[:count] if count else events


def find_graph(name: str | None) -> GraphPackage:
    """The package `name` names: a graph name, or the unique prefix of one (`claims` for `claims_triage`)."""
    registered = select()
    name = name or DEFAULT_GRAPH
    if name in registered:
        return registered[name]
    matches = [p for n, p in registered.items() if n.startswith(name)]
    if len(matches) != 1:
        raise ValueError(f"no single graph named {name!r} (registered: {', '.join(registered)})")
    return matches[0]


def _msg_id(package: GraphPackage, event: dict[str, Any]) -> str:
    return str(event[package.key_field]) + ":" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:12]


async def run_demo(settings: Settings, *, count: int | None = None, model=None, out: TextIO = sys.stdout,
                   timeout_s: float = 600.0, graph: str | None = None) -> dict[str, Any]:
    """Publish a graph's sample events, wait for every run to end or wait on a human, print its table.
    Returns the summary."""
    summaries = await run_demos(settings, [find_graph(graph)], count=count, model=model, out=out, timeout_s=timeout_s)
    return next(iter(summaries.values()))


async def run_demos(settings: Settings, packages: list[GraphPackage], *, count: int | None = None, model=None,
                    out: TextIO = sys.stdout, timeout_s: float = 600.0) -> dict[str, dict[str, Any]]:
    """Several graphs' samples at once on one Warden (`warden demo --all`): every event is published, then each
    graph prints its own table. Returns each graph's summary."""
    samples = {p.name: load_samples(p, count) for p in packages}
    total = sum(len(events) for events in samples.values())
    demo_dir = settings.data_dir
    if (demo_dir / "nats").exists() and not settings.nats_url:
        shutil.rmtree(demo_dir, ignore_errors=True)  # a fresh bus and ledger each demo
    print(f"warden demo: " + ", ".join(f"{len(samples[p.name])} {p.sample_noun}" for p in packages)
          + f", state under {demo_dir}/", file=out)
    t0 = time.perf_counter()
    summaries: dict[str, dict[str, Any]] = {}
    async with Warden(settings, model=model, graphs=[p.name for p in packages]) as warden:
        print(f"  bus: nats-server {'at ' + settings.nats_url if settings.nats_url else '(embedded)'}; "
              f"policy engine: {warden.gate.engine.name} {warden.gate.engine.bundle[:19]}; model: {_model_label(warden.model)}", file=out)
        outcomes: dict[str, dict[str, Any]] = {}  # by run: two events may share a key (one service's metrics)
        done = asyncio.Event()
        nc = await connect(warden.creds, "ingest")  # the event source: may publish triggers and watch runs.completed

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            outcomes[data.get("run_id") or f"{data.get('graph')}:{data['key']}"] = data
            if len(outcomes) >= total:
                done.set()

        await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=on_completed)
        js = nc.jetstream()
        event_key = warden.role_creds["ingest"].secret("event_key") if "ingest" in warden.role_creds else None
        for package in packages:
            for event in samples[package.name]:
                # PII sealed at rest: only the routing key stays readable in the EVENTS stream
                body = ingest_payload(event, event_key, [package.key_field, *package.clear_fields])
                with publishing(package.trigger, {"Nats-Msg-Id": _msg_id(package, event)}) as headers:
                    await js.publish(package.trigger, json.dumps(body).encode(), headers=headers)
            print(f"  published {len(samples[package.name])} events on {package.trigger}", file=out)
        print("  waiting for runs...", file=out)
        try:
            await asyncio.wait_for(done.wait(), timeout=timeout_s)
        except asyncio.TimeoutError:
            print(f"  timed out after {timeout_s:.0f}s with {len(outcomes)}/{total} runs finished", file=out)
        for package in packages:
            if len(packages) > 1:
                print(f"\n== {package.name} ({package.trigger})", file=out)
            details = {o.key: o for o in warden.runtime.host.outcomes if o.graph == package.name}
            summary = (package.print_table or _print_runs)(samples[package.name], details, warden, out)
            summary["elapsed_s"] = round(time.perf_counter() - t0, 1)
            summary["model"] = _model_stats(warden.model)
            (package.print_totals or _print_totals)(summary, out)
            summaries[package.name] = summary
        _print_summary(summaries[packages[-1].name], out)
        await nc.drain()
    return summaries


def _model_label(model: Any) -> str:
    stats = _model_stats(model)
    return f"{stats.get('backend', '?')} {stats.get('model', getattr(model, 'name', '?'))}"


def _model_stats(model: Any) -> dict[str, Any]:
    stats = getattr(model, "stats", None)
    if callable(stats):
        try:
            return dict(stats())
        except Exception:
            pass
    return {"backend": "scripted" if "scripted" in getattr(model, "name", "") else "unknown", "model": getattr(model, "name", "?")}


def _print_runs(events: list[dict[str, Any]], details: dict[str, Any], warden: Any, out: TextIO) -> dict[str, Any]:
    """A graph without its own table: one row per run (key, decision, gate calls)."""
    totals = {"runs": len(events), "allowed": 0, "denied": 0, "awaiting": 0, "no_result": 0}
    print(f"\n{'key':<24} {'decision':<19} {'allow':>5} {'deny':>4} {'wait':>4}", file=out)
    for key in sorted(details):
        o = details[key]
        d = o.detail
        print(f"{key:<24} {str(o.decision):<19} {d.get('allowed', 0):>5} {d.get('denied', 0):>4} {d.get('awaiting', 0):>4}", file=out)
        for name in ("allowed", "denied", "awaiting"):
            totals[name] += d.get(name, 0)
    totals["no_result"] = max(0, len(events) - len(details))
    return totals


def _print_totals(s: dict[str, Any], out: TextIO) -> None:
    print(f"\nsummary: {s['runs']} runs ({s['no_result']} without a result); tool calls: {s['allowed']} allowed, "
          f"{s['denied']} denied, {s['awaiting']} awaiting approval", file=out)


def _print_summary(s: dict[str, Any], out: TextIO) -> None:
    m = s["model"]
    tps = m.get("tokens_per_s")
    print(f"  model: backend {m.get('backend')}, {m.get('model')}" + (f", {tps:.1f} tokens/s" if tps else "")
          + (" (scripted model: no real inference)" if m.get("backend") == "scripted" else ""), file=out)
    print(f"  elapsed: {s['elapsed_s']}s", file=out)
