"""Runs per second and run latency with 1, 2 and 4 runtime processes on one bus, with realistic latencies.

The topology is the documented multi-process one: `warden init`, one external nats-server on its config, the
operator step (`warden up --role admin`), then a tools process, a gate process and N runtime processes, each
with its own credential and data folder (bench/fleet_worker.py: the `warden up --role` assembly plus the two
test hooks). Every tool call takes 50 ms more and every model call 200 ms (the scripted claims model with a
delay), so a run waits on I/O as a real one does and more processes can overlap more of it. Claims are the
shipped samples with fresh ids, published as the ingest edge would; each process count gets its own batch,
offered `window_per_process` x N runs in flight (what N processes run at once), after a warm-up batch.

The gate loads a copy of the shipped policy pack with only the per-minute rate limit raised (as
bench/runtime_bench.py does): every run acts as the same agent principal.

With one runtime process, the runtime and the gate are profiled while the batch runs (bench/cpu_profile.py):
their CPU per run and its share by concept (redaction, policy, checkpoints, bus, serialization, model, ...).
For every process count, each process's CPU (runtimes, gate, tools, nats-server) is read from /proc, per run.

The machine is shared: read ratios within one run, not absolutes across runs.
`python -m bench.fleet_bench [--runs 320] [--processes 1 2 4]` prints the figures as JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.bus import connect  # noqa: E402
from agents.credentials import load_for  # noqa: E402
from agents.nats_server import NatsCredentials, nats_server_binary  # noqa: E402
from agents.triggers import RUNS_COMPLETED_SUBJECT  # noqa: E402
from bench.topology import free_port, stop_processes  # noqa: E402
from bench.runtime_bench import RuntimeBenchError, _Driver, _pct_ms, bench_claims, bench_policy_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WARDEN = str(Path(sys.executable).parent / "warden")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class FleetBenchError(RuntimeError):
    """A process of the fleet did not come up, or the runs did not finish: the figures would be meaningless."""



def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Fleet:
    """The processes of one benchmark: a nats-server, the operator step, and role workers; all stopped by `close`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.secrets = tmp / "secrets"
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("WARDEN_", "NATS_", "OTEL_"))}
        return base | {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")} | extra

    def start_bus(self) -> None:
        init = subprocess.run([WARDEN, "init", "--out", str(self.secrets), "--url", self.url,
                               "--store", str(self.tmp / "jetstream")], capture_output=True, text=True, timeout=120,
                              env=self.env(), cwd=ROOT)
        if init.returncode != 0:
            raise FleetBenchError(f"warden init failed: {init.stderr.strip()[-300:]}")
        self.server = subprocess.Popen([str(nats_server_binary()), "-c", str(self.secrets / "nats-server.conf")],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        setup = subprocess.run([WARDEN, "up", "--role", "admin"], capture_output=True, text=True, timeout=120,
                               env=self.env(NATS_URL=self.url, WARDEN_CREDENTIALS=str(self.secrets / "admin.json")),
                               cwd=ROOT)
        if setup.returncode != 0:
            raise FleetBenchError(f"operator step failed: {setup.stderr.strip()[-300:]}")

    def start_worker(self, role: str, name: str, *args: str, **env: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen([PYTHON, "-m", "bench.fleet_worker", "--role", role, *args], stdout=log,
                                stderr=subprocess.STDOUT, cwd=ROOT,
                                env=self.env(**{"NATS_URL": self.url, "WARDEN_CREDENTIALS": str(self.secrets / f"{role}.json"),
                                                "WARDEN_DATA_DIR": str(self.tmp / f"data-{name}")} | env))
        proc.name = name  # type: ignore[attr-defined]
        self.workers.append(proc)
        return proc

    def wait_ready(self, procs: list[subprocess.Popen], timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        waiting = list(procs)
        while waiting:
            for proc in list(waiting):
                log = (self.tmp / f"{proc.name}.log").read_text()  # type: ignore[attr-defined]
                if "fleet-worker ready" in log:
                    waiting.remove(proc)
                elif proc.poll() is not None or time.monotonic() > deadline:
                    raise FleetBenchError(f"{proc.name} did not come up: {log.strip()[-400:]}")  # type: ignore[attr-defined]
            time.sleep(0.1)

    def stop(self, procs: list[subprocess.Popen]) -> None:
        stop_processes(procs, timeout_s=30)
        for proc in procs:
            if proc in self.workers:
                self.workers.remove(proc)

    def close(self) -> None:
        self.stop(list(self.workers))
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


def _profile(name: str, proc: subprocess.Popen, path: Path, runs: int, cpu_s: float) -> dict[str, Any]:
    """Flat figures `fleet_profile_<name>_<concept>_pct` (share of the process's CPU, every thread's CPU split over
    its stack samples) and `..._ms_per_run` (the process's CPU per run, from /proc, split by those shares)."""
    proc.send_signal(signal.SIGUSR2)
    for _ in range(100):
        if path.exists():
            break
        time.sleep(0.05)
    summary = json.loads(path.read_text())
    per_run = cpu_s * 1000 / runs
    prefix = f"fleet_profile_{name}"
    figures: dict[str, Any] = {f"{prefix}_cpu_ms_per_run": round(per_run, 2),
                               f"{prefix}_busy_samples": sum(summary["busy_samples"].values())}
    for concept, share in summary["cpu_share"].items():
        figures[f"{prefix}_{concept}_pct"] = round(share * 100, 1)
        figures[f"{prefix}_{concept}_ms_per_run"] = round(share * per_run, 2)
    return figures


async def bench_fleet(process_counts: tuple[int, ...] = (1, 2, 4), runs: int = 320, *, tool_latency_ms: float = 50.0,
                      model_delay_ms: float = 200.0, window_per_process: int = 16, warmup_per_process: int = 8,
                      timeout_s: float = 300.0) -> dict[str, Any]:
    """fleet_runs_per_s_N, fleet_run_p50_ms_N, fleet_run_p99_ms_N for each N in `process_counts`, the CPU per run
    of the runtime processes and of the gate, and the profile of one runtime process and the gate."""
    figures: dict[str, Any] = {"fleet_runs": runs, "fleet_tool_latency_ms": tool_latency_ms,
                               "fleet_model_delay_ms": model_delay_ms, "fleet_window_per_process": window_per_process}
    tmp = Path(tempfile.mkdtemp(prefix="warden-fleet-bench-"))
    fleet = Fleet(tmp)
    try:
        fleet.start_bus()
        tools = fleet.start_worker("tools", "tools", "--tool-latency-ms", str(tool_latency_ms))
        gate = fleet.start_worker("gate", "gate", "--profile", str(tmp / "gate-profile.json"),
                                  WARDEN_POLICY_DIR=str(bench_policy_dir(tmp / "policies")))
        fleet.wait_ready([tools, gate])
        ingest = load_for(fleet.secrets, "ingest")
        nc = await connect(NatsCredentials.from_roles(fleet.url, [ingest]), "ingest")
        driver = _Driver()
        await nc.subscribe(RUNS_COMPLETED_SUBJECT, cb=driver.on_completed)
        await nc.flush()
        js = nc.jetstream()
        statuses: dict[str, int] = {}
        claims = bench_claims(sum((warmup_per_process + runs) * n for n in process_counts))
        try:
            for n in process_counts:
                runtimes = [fleet.start_worker("runtime", f"runtime-{n}-{i}", "--model-delay-ms", str(model_delay_ms),
                                               "--profile", str(tmp / f"runtime-{n}-{i}-profile.json"))
                            for i in range(n)]
                fleet.wait_ready(runtimes)
                window = window_per_process * n
                warm, claims = claims[:warmup_per_process * n], claims[warmup_per_process * n:]
                batch, claims = claims[:runs], claims[runs:]
                await driver.drive(js, warm, window, f"fleet{n}", timeout_s)
                for proc in (gate, *runtimes):
                    proc.send_signal(signal.SIGUSR1)  # the samplers start measuring this batch
                measured = (fleet.server, tools, gate, *runtimes)
                cpu0 = {p.pid: _cpu_s(p.pid) for p in measured}
                before = dict(driver.statuses)
                latencies, elapsed = await driver.drive(js, batch, window, f"fleet{n}", timeout_s)
                for status, count in driver.statuses.items():
                    statuses[status] = statuses.get(status, 0) + count - before.get(status, 0)
                cpu = {p.pid: _cpu_s(p.pid) - cpu0[p.pid] for p in measured}
                figures[f"fleet_runs_per_s_{n}"] = round(runs / elapsed, 2)
                figures[f"fleet_run_p50_ms_{n}"] = _pct_ms(latencies, 0.50)
                figures[f"fleet_run_p99_ms_{n}"] = _pct_ms(latencies, 0.99)
                figures[f"fleet_runtime_cpu_ms_per_run_{n}"] = round(sum(cpu[p.pid] for p in runtimes) * 1000 / runs, 2)
                figures[f"fleet_gate_cpu_ms_per_run_{n}"] = round(cpu[gate.pid] * 1000 / runs, 2)
                figures[f"fleet_tools_cpu_ms_per_run_{n}"] = round(cpu[tools.pid] * 1000 / runs, 2)
                figures[f"fleet_nats_cpu_ms_per_run_{n}"] = round(cpu[fleet.server.pid] * 1000 / runs, 2)
                if n == 1:
                    figures |= _profile("runtime", runtimes[0], tmp / "runtime-1-0-profile.json", runs,
                                        cpu[runtimes[0].pid])
                    figures |= _profile("gate", gate, tmp / "gate-profile.json", runs, cpu[gate.pid])
                print(f"[fleet] {n} runtime process(es): {figures[f'fleet_runs_per_s_{n}']} runs/s, "
                      f"p99 {figures[f'fleet_run_p99_ms_{n}']} ms", file=sys.stderr, flush=True)
                fleet.stop(runtimes)
            for status in ("completed", "waiting", "failed"):  # measured batches only, every process count
                figures[f"fleet_runs_{status}"] = statuses.get(status, 0)
        finally:
            await nc.close()
    except RuntimeBenchError as exc:
        raise FleetBenchError(f"runs did not finish: {exc} (logs in {tmp})") from None
    finally:
        fleet.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=320, help="runs measured per process count")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4], help="runtime process counts")
    args = parser.parse_args(argv)
    try:
        figures = asyncio.run(bench_fleet(tuple(args.processes), args.runs))
    except FleetBenchError as exc:
        print(f"fleet bench failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
