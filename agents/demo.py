"""`warden demo`: the sample claims, published as real events, through the real bus, gate and tools."""
from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from agents.app import Warden, ingest_payload
from agents.bus import connect
from agents.settings import Settings
from agents.triggers import RUNS_COMPLETED_SUBJECT

CLAIMS_FILE = Path(__file__).resolve().parent.parent / "graphs" / "data" / "claims.jsonl"


def load_claims(path: Path = CLAIMS_FILE, count: int | None = None) -> list[dict[str, Any]]:
    claims = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return claims[:count] if count else claims


def _msg_id(claim: dict[str, Any]) -> str:
    return claim["claim_id"] + ":" + hashlib.sha256(json.dumps(claim, sort_keys=True).encode()).hexdigest()[:12]


async def run_demo(settings: Settings, *, count: int | None = None, model=None, out: TextIO = sys.stdout,
                   timeout_s: float = 600.0) -> dict[str, Any]:
    """Publish the claims, wait for every run to end or wait on a human, print the table. Returns the summary."""
    claims = load_claims(count=count)
    demo_dir = settings.data_dir
    if (demo_dir / "nats").exists() and not settings.nats_url:
        shutil.rmtree(demo_dir, ignore_errors=True)  # a fresh bus and ledger each demo
    print(f"warden demo: {len(claims)} claims, state under {demo_dir}/", file=out)
    t0 = time.perf_counter()
    async with Warden(settings, model=model) as warden:
        print(f"  bus: nats-server {'at ' + settings.nats_url if settings.nats_url else '(embedded)'}; "
              f"policy engine: {warden.gate.engine.name} {warden.gate.engine.bundle[:19]}; model: {_model_label(warden.model)}", file=out)
        outcomes: dict[str, dict[str, Any]] = {}
        done = asyncio.Event()
        nc = await connect(warden.creds, "ingest")  # the event source: may publish triggers and watch runs.completed

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            outcomes[data["key"]] = data
            if len(outcomes) >= len(claims):
                done.set()

        await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=on_completed)
        js = nc.jetstream()
        event_key = warden.role_creds["ingest"].secret("event_key") if "ingest" in warden.role_creds else None
        for claim in claims:
            # PII sealed at rest: only claim_id stays readable in the EVENTS stream (and routes the event)
            body = ingest_payload(claim, event_key, ["claim_id"])
            await js.publish("events.claims.submitted", json.dumps(body).encode(), headers={"Nats-Msg-Id": _msg_id(claim)})
        print(f"  published {len(claims)} events on events.claims.submitted; waiting for runs...", file=out)
        try:
            await asyncio.wait_for(done.wait(), timeout=timeout_s)
        except asyncio.TimeoutError:
            print(f"  timed out after {timeout_s:.0f}s with {len(outcomes)}/{len(claims)} runs finished", file=out)
        details = {o.key: o for o in warden.runtime.host.outcomes}
        summary = _print_table(claims, details, warden, out)
        summary["elapsed_s"] = round(time.perf_counter() - t0, 1)
        summary["model"] = _model_stats(warden.model)
        _print_summary(summary, out)
        await nc.drain()
    return summary


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


def _print_table(claims: list[dict[str, Any]], details: dict[str, Any], warden: Warden, out: TextIO) -> dict[str, Any]:
    header = f"{'claim':<10} {'decision':<19} {'fraud':>5} {'allow':>5} {'deny':>4} {'wait':>4} {'redact':>6}  fields(model/fallback)  note"
    print("\n" + header + "\n" + "-" * len(header), file=out)
    totals = {"claims": len(claims), "paid": 0, "awaiting_approval": 0, "rejected": 0, "escalated": 0, "other": 0,
              "allowed": 0, "denied": 0, "awaiting": 0, "redactions": 0, "injected_payees_paid": 0}
    for claim in claims:
        o = details.get(claim["claim_id"])
        if o is None:
            print(f"{claim['claim_id']:<10} {'(no result)':<19}", file=out)
            totals["other"] += 1
            continue
        d = o.detail
        gate_redactions = _gate_redactions(warden, o.run_id)
        redactions = d.get("intake_redactions", 0) + gate_redactions
        sources = d.get("field_sources", {})
        n_model = sum(v == "model" for v in sources.values())
        n_fallback = sum(v == "fallback" for v in sources.values())
        score = d.get("fraud_score")
        note = "; ".join(d.get("reasons", []))[:70]
        print(f"{claim['claim_id']:<10} {str(o.decision):<19} {score if score is None else f'{score:.2f}':>5} "
              f"{d['allowed']:>5} {d['denied']:>4} {d['awaiting']:>4} {redactions:>6}  {n_model:>2}/{n_fallback:<2}"
              f"                  {note}", file=out)
        key = {"paid": "paid", "awaiting_approval": "awaiting_approval", "rejected": "rejected", "escalated": "escalated"}.get(str(o.decision), "other")
        totals[key] += 1
        totals["allowed"] += d["allowed"]
        totals["denied"] += d["denied"]
        totals["awaiting"] += d["awaiting"]
        totals["redactions"] += redactions
    totals["injected_payees_paid"] = _injected_paid(warden, claims)
    return totals


def _gate_redactions(warden: Warden, run_id: str) -> int:
    return sum(len(r.get("redactions", [])) for r in warden.gate.audit.records(run_id=run_id)) if warden.gate else 0


def _injected_paid(warden: Warden, claims: list[dict[str, Any]]) -> int:
    """Count ledger rows paying an account other than the one on file: must be zero."""
    from tools.payments import ledger_payees

    if not (warden.settings.data_dir / "payments.db").exists():
        return 0
    on_file = {c["claim_id"]: c["payee_account_on_file"] for c in claims}
    return sum(1 for claim_id, payee in ledger_payees(warden.settings) if on_file.get(claim_id) != payee)


def _print_summary(s: dict[str, Any], out: TextIO) -> None:
    m = s["model"]
    print(f"\nsummary: {s['claims']} claims: {s['paid']} paid, {s['awaiting_approval']} awaiting approval, "
          f"{s['rejected']} rejected, {s['escalated']} escalated, {s['other']} other", file=out)
    print(f"  tool calls: {s['allowed']} allowed, {s['denied']} denied, {s['awaiting']} awaiting approval; "
          f"{s['redactions']} PII redactions; payments to injected payees: {s['injected_payees_paid']}", file=out)
    tps = m.get("tokens_per_s")
    print(f"  model: backend {m.get('backend')}, {m.get('model')}" + (f", {tps:.1f} tokens/s" if tps else "")
          + (" (scripted model: no real inference)" if m.get("backend") == "scripted" else ""), file=out)
    print(f"  elapsed: {s['elapsed_s']}s", file=out)
