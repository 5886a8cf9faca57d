"""Chaos: claim runs through the multi-process topology while a scenario kills and restarts parts of it.

`python -m bench.chaos [--runs 100] [--kills 3] [--seed 7] [--scenario NAME ...]` (`make chaos`). For each
scenario: a fresh topology (bench/topology.py: nats-server, then tools, gate and runtime as three
`warden up --role` processes with the scripted model), N distinct claims published as `ingest` (the shipped
samples with fresh claim ids, so honest outcomes are paid, awaiting approval and rejected), faults at seeded
random points, then the checks (bench/chaos_checks.py): runs lost (a published claim whose run neither ended nor
waits for a person), duplicate effects (a claim paid twice, a notification sent twice), the audit chain, and
orphans (a process of the scenario alive after teardown). It prints one table row per scenario, writes
bench/results/chaos.json and exits 1 if any figure is not zero.

Randomness: one `random.Random(f"{seed}:{scenario}")` per scenario chooses when each fault strikes (once the
k-th claim is stored in the stream, while up to 8 runs are in flight, plus a 0-0.3 s delay so it lands mid-run)
and nothing else, so a seed replays the same plan; where each process is at that moment is up to the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from agents.bus import connect
from agents.bus_users import EVENTS_STREAM
from agents.credentials import load_for
from agents.nats_server import NatsCredentials
from agents.triggers import RUNS_COMPLETED_SUBJECT
from app.assembly import ingest_payload
from app.demo import load_claims
from bench.chaos_checks import audit_chain, duplicate_effects, run_states
from bench.topology import BUS, ROLES, Topology, orphans

SUBJECT = "events.claims.submitted"
RESULTS = Path(__file__).resolve().parent / "results" / "chaos.json"
ENDED = ("completed", "waiting")


@dataclass(frozen=True)
class Scenario:
    """One way to break the topology: `targets` are stopped together with `sig`, then started again (bus
    first). A scenario needing another topology (a three-node cluster) passes its own `topology` factory."""

    name: str
    what: str
    targets: tuple[str, ...]
    sig: int = signal.SIGKILL
    topology: Callable[[Path], Topology] = Topology

    def inject(self, topo: Topology) -> None:
        for target in self.targets:
            topo.kill(target, self.sig)
        topo.start(*self.targets)


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    """Add a scenario to the registry `--scenario` chooses from (names are unique)."""
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    SCENARIOS[scenario.name] = scenario
    return scenario


register(Scenario("kill-runtime", "kill -9 the runtime, restart it", ("runtime",)))
register(Scenario("kill-gate", "kill -9 the gate, restart it", ("gate",)))
register(Scenario("kill-tools", "kill -9 the tool services, restart them", ("tools",)))
register(Scenario("kill-all", "kill -9 nats-server, tools, gate and runtime together, restart them", (BUS, *ROLES)))
register(Scenario("restart-nats", "stop nats-server (SIGTERM) and start it again on the same store", (BUS,),
                  sig=signal.SIGTERM))


@dataclass
class Result:
    """One scenario's figures (the table row and its JSON)."""

    scenario: str
    runs: int
    kills: int = 0
    runs_lost: int = 0
    duplicate_effects: int = 0
    audit_chain_ok: bool = False
    orphans: int = 0
    wall_s: float = 0.0
    decisions: dict[str, int] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (not (self.runs_lost or self.duplicate_effects or self.orphans) and self.audit_chain_ok
                and "error" not in self.detail)


def chaos_claims(n: int, prefix: str) -> list[dict[str, Any]]:
    """n claims cycling through the shipped samples, each with its own claim id (so its own payment key). The
    stride is prime to the 24 samples, so even a short run mixes claims paid, held for an adjuster and rejected."""
    samples = load_claims()
    return [{**samples[(i * 5) % len(samples)], "claim_id": f"CLM-{prefix}-{i:04d}"} for i in range(n)]


class _Driver:
    """Publishes one scenario's claims with at most `window` unfinished, and learns which runs ended: from
    `runs.completed`, and from the checkpoints for what an announcement missed while the bus was away."""

    def __init__(self, topo: Topology, claims: list[dict[str, Any]], window: int) -> None:
        self.topo, self.claims, self.window = topo, claims, window
        self.ids = {c["claim_id"] for c in claims}
        self.seq: dict[str, int] = {}  # claim id -> stream sequence (its run id)
        self.ended: dict[str, tuple[str, str | None]] = {}
        self.published = 0

    def run_id(self, claim_id: str) -> str:
        return f"run-claims_triage-{self.seq[claim_id]}"

    async def on_completed(self, msg) -> None:
        data = json.loads(msg.data)
        if data.get("key") in self.ids and data.get("status") in ENDED:
            self.ended.setdefault(data["key"], (data["status"], data.get("decision")))

    async def publish_all(self, nc, event_key: bytes, deadline: float) -> None:
        js = nc.jetstream()
        for claim in self.claims:
            while self.published - len(self.ended) >= self.window and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            body = json.dumps(ingest_payload(claim, event_key, ["claim_id"])).encode()
            while time.monotonic() < deadline:  # as a claims system would: again, same Nats-Msg-Id, until stored
                try:
                    ack = await js.publish(SUBJECT, body, headers={"Nats-Msg-Id": claim["claim_id"]}, timeout=5)
                    self.seq[claim["claim_id"]] = ack.seq  # a deduplicated repeat names the original's sequence
                    break
                except Exception:
                    await asyncio.sleep(0.5)
            self.published += 1

    async def sweep(self) -> None:
        """Checkpoints of the claims not announced yet (an announcement is lost while the bus restarts)."""
        missing = {c: self.run_id(c) for c in self.seq if c not in self.ended}
        if missing:
            states = await run_states(self.topo.data_dir("runtime"), list(missing.values()))
            for claim, run_id in missing.items():
                if states[run_id][0] in ENDED:
                    self.ended.setdefault(claim, states[run_id])


async def _unacked(admin) -> dict[str, int]:
    info = await admin.jetstream().consumer_info(EVENTS_STREAM, "graph-claims_triage")
    return {"num_pending": info.num_pending or 0, "num_ack_pending": info.num_ack_pending or 0}


async def _set_ack_wait(admin, ack_wait_s: float) -> None:
    """The operator's redelivery delay for the runtime's consumers (shipped: 60 s): the time a killed runtime's
    unacked events wait before another delivery."""
    js = admin.jetstream()
    for info in await js.consumers_info(EVENTS_STREAM):
        if info.config.ack_wait != ack_wait_s:
            info.config.ack_wait = ack_wait_s
            await js.add_consumer(EVENTS_STREAM, info.config)


def _say(text: str) -> None:
    print(text, flush=True)


async def run_campaign(scenarios: list[Scenario], *, runs: int, kills: int, seed: int, ack_wait_s: float = 60.0,
                       say: Callable[[str], None] = _say, keep: bool = False) -> list[Result]:
    """Start one topology, play each scenario on it in turn (`runs` claims of its own through `kills` faults),
    tear down, check each. `make chaos` gives every scenario a campaign of its own; the suite shares one.
    Never raises for a figure: an error is reported in the results' `detail`."""
    t0 = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="warden-chaos-"))
    topo = scenarios[0].topology(base)
    step = lambda text: say(f"[chaos] {time.monotonic() - t0:6.1f}s  {text}")  # noqa: E731
    played: list[tuple[Result, _Driver, float]] = []
    ingest = admin = None
    try:
        await asyncio.to_thread(topo.init)
        ingest_creds = load_for(topo.secrets, "ingest")
        creds = NatsCredentials.from_roles(topo.url, [ingest_creds, load_for(topo.secrets, "admin")])
        admin = await connect(creds, "admin")
        await _set_ack_wait(admin, ack_wait_s)
        await asyncio.to_thread(topo.start_all)
        ingest = await connect(creds, "ingest")
        step(f"topology up in {base} (ack wait {ack_wait_s:.0f} s)")
        for scenario in scenarios:
            driver = _Driver(topo, chaos_claims(runs, f"X{seed}{scenario.name.upper().replace('-', '')}"),
                             window=max(2, min(8, runs // 2)))
            result = Result(scenario.name, runs)
            played.append((result, driver, time.monotonic()))
            sub = await ingest.subscribe(RUNS_COMPLETED_SUBJECT, cb=driver.on_completed)
            try:
                await _play(scenario, topo, driver, result, admin, ingest, ingest_creds.secret("event_key"),
                            kills=kills, seed=seed, ack_wait_s=ack_wait_s,
                            step=lambda text, n=scenario.name: step(f"{n}: {text}"))
            finally:
                await sub.unsubscribe()
            result.wall_s = round(time.monotonic() - played[-1][2], 1)
    except Exception as exc:  # the figures below still say what happened; the error is reported with them
        for result, _, _ in played[-1:] or []:
            result.detail["error"] = f"{type(exc).__name__}: {exc}"
        step(f"ERROR {type(exc).__name__}: {exc}")
        if not played:
            played.append((Result(scenarios[0].name, runs, detail={"error": f"{type(exc).__name__}: {exc}"}),
                           _Driver(topo, chaos_claims(runs, "unplayed"), 1), t0))
    finally:
        for nc in (ingest, admin):
            if nc is not None:
                try:
                    await asyncio.wait_for(nc.close(), 5)
                except Exception:
                    pass
        await asyncio.to_thread(topo.stop)
    left = orphans(topo)
    audit_ok, audit = audit_chain(topo.data_dir("gate"))
    results = []
    for result, driver, _ in played:
        await _check(result, topo, driver, left, audit_ok, audit)
        step(f"{result.scenario}: lost {result.runs_lost}, duplicate effects {result.duplicate_effects}, audit "
             f"{audit}, orphans {result.orphans}; decisions {result.decisions}")
        results.append(result)
    if not keep and all(r.ok and not r.detail.get("undecided") for r in results):
        shutil.rmtree(base, ignore_errors=True)
    return results


async def _play(scenario: Scenario, topo: Topology, driver: _Driver, result: Result, admin, ingest,
                event_key: bytes, *, kills: int, seed: int, ack_wait_s: float, step: Callable[[str], None]) -> None:
    """Publish the scenario's claims and strike at its seeded points; return once every run ended (or waits),
    or at the deadline, and the runtime has acked every event (or ack wait has passed)."""
    runs = len(driver.claims)
    rng = random.Random(f"{seed}:{scenario.name}")
    # a fault once this many claims were published (so up to `window` runs are in flight), 0-0.3 s later
    plan = sorted(rng.sample(range(1, runs), min(kills, runs - 1)))
    delays = [rng.uniform(0.0, 0.3) for _ in plan]
    step(f"{runs} claims, at most {driver.window} in flight; faults after claims {plan} were published")
    deadline = time.monotonic() + 120 + runs * 2.0 + kills * (ack_wait_s + 90)
    publishing = asyncio.create_task(driver.publish_all(ingest, event_key, deadline))
    last_sweep = time.monotonic()
    try:
        # A planned fault is struck even when the runs were quicker than this loop's poll (it comes after them then).
        while time.monotonic() < deadline and (plan or len(driver.ended) < runs or not publishing.done()):
            if plan and len(driver.seq) >= plan[0]:
                plan.pop(0)
                await asyncio.sleep(delays.pop(0))
                t, ended, in_flight = time.monotonic(), len(driver.ended), driver.published - len(driver.ended)
                await asyncio.to_thread(scenario.inject, topo)
                result.kills += 1
                step(f"fault {result.kills}: {scenario.what}, with {ended}/{runs} ended and {in_flight} in flight; "
                     f"back in {time.monotonic() - t:.1f} s")
            if time.monotonic() - last_sweep > 3.0:
                await driver.sweep()
                last_sweep = time.monotonic()
            await asyncio.sleep(0.1)
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
    await driver.sweep()
    step(f"{len(driver.ended)}/{runs} runs ended or waiting ({len(driver.seq)} published)")
    unacked = await _unacked(admin)
    for _ in range(int(ack_wait_s) + 30):  # a run that ended just before a kill is acked on its redelivery
        if not any(unacked.values()):
            break
        await asyncio.sleep(1.0)
        unacked = await _unacked(admin)
    result.detail["consumer_unacked"] = unacked


async def _check(result: Result, topo: Topology, driver: _Driver, left: list[str], audit_ok: bool,
                 audit: str) -> None:
    """Fill the figures from the stores, after teardown."""
    states = await run_states(topo.data_dir("runtime"), [driver.run_id(c) for c in driver.seq])
    lost = [c for c in sorted(driver.ids) if c not in driver.seq or states[driver.run_id(c)][0] not in ENDED]
    result.runs_lost = len(lost)
    result.decisions = dict(Counter(str(states[driver.run_id(c)][1]) for c in driver.seq))
    effects = duplicate_effects(topo.data_dir("tools"), driver.ids)
    result.duplicate_effects = effects.pop("count")
    result.audit_chain_ok = audit_ok
    result.orphans = len(left)
    undecided = {c: [driver.run_id(c), *states[driver.run_id(c)]] for c in sorted(driver.seq)
                 if states[driver.run_id(c)][1] is None}  # ended without a decision: worth a look
    result.detail |= {"lost": lost[:20], "undecided": undecided, "effects": effects, "audit": audit,
                      "orphans": left, "folder": str(topo.base)}


def table(results: list[Result]) -> str:
    head = ("scenario", "runs", "killed", "runs lost", "duplicate effects", "audit chain ok", "orphans", "wall s")
    rows = [(r.scenario, r.runs, r.kills, r.runs_lost, r.duplicate_effects, "yes" if r.audit_chain_ok else "NO",
             r.orphans, f"{r.wall_s:.1f}") for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda row: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)  # noqa: E731
                                 for i, (x, w) in enumerate(zip(row, widths)))
    return "\n".join([line(head), *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="claim runs per scenario (default 100)")
    parser.add_argument("--kills", type=int, default=3, help="faults per scenario (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="chooses the fault points (default 7)")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default: all")
    parser.add_argument("--ack-wait", type=float, default=60.0, help="the consumers' redelivery delay, s (shipped 60)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep each scenario's scratch folder")
    args = parser.parse_args(argv)
    if args.runs < 2 or args.kills < 0:
        parser.error("--runs must be at least 2 and --kills at least 0")
    logging.getLogger("agents.bus").setLevel(logging.ERROR)  # "connect failed" while the bus restarts is the point
    results = []
    for name in args.scenario or list(SCENARIOS):  # a fresh topology per scenario
        results += asyncio.run(run_campaign([SCENARIOS[name]], runs=args.runs, kills=args.kills, seed=args.seed,
                                            ack_wait_s=args.ack_wait, keep=args.keep))
        print(flush=True)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seed": args.seed, "runs": args.runs, "kills": args.kills,
                                    "ack_wait_s": args.ack_wait, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                            time.gmtime()),
                                    "scenarios": [r.__dict__ for r in results]}, indent=2))
    print(f"wrote {args.out}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
