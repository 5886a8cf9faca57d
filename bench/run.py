"""`make bench`: every benchmark, merged into bench/results/latest.json, with the targets checked.

Each benchmark runs in its own fresh process, one after another (as each component runs in production: the gate's
figures are not taken in a heap that also holds stock Presidio and llama.cpp); the lanes benchmark (which saturates
the CPU with llama.cpp) last. Progress goes to stderr, the table to stdout.
`python -m bench.run [--skip-lanes] [--out FILE]`
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    measured: str
    limit: Callable[[dict[str, Any]], float]
    at_least: bool = False

    def check(self, figures: dict[str, Any]) -> tuple[float | None, float | None, bool | None]:
        value = figures.get(self.measured)
        try:
            bound = self.limit(figures)
        except (KeyError, TypeError):
            return value, None, None
        if not isinstance(value, (int, float)):
            return value, bound, None
        return value, bound, (value >= bound) if self.at_least else (value <= bound)


TARGETS = (
    Target("target_redact_speedup_met", "redaction ≥ 2× Presidio stock", "redact_speedup_x", lambda f: 2.0, at_least=True),
    Target("target_policy_eval_p50_met", "policy eval p50 ≤ 200 µs", "policy_eval_p50_us", lambda f: 200.0),
    Target("target_gate_overhead_p50_met", "gate overhead p50 ≤ 3 ms (structured)", "gate_overhead_p50_ms", lambda f: 3.0),
    Target("target_gate_overhead_p99_met", "gate overhead p99 ≤ 10 ms (structured)", "gate_overhead_p99_ms", lambda f: 10.0),
    Target("target_gate_concurrent_met", "64 concurrent gated calls, p50 ≤ 1.5× a 200 ms tool", "gate_concurrent_p50_over_tool_x",
           lambda f: 1.5),
    Target("target_inbox_latency_met", "approval in the staff inbox ≤ 1 s after the gate opens it (max)",
           "inbox_latency_max_ms", lambda f: 1000.0),
    Target("target_gate_text300_overhead_met", "gate overhead p50 ≤ redaction + 2 ms (300-char text)",
           "gate_overhead_text300_p50_ms", lambda f: round(f["redact_300c_p50_ms"] + 2.0, 3)),
)


def machine() -> str:
    """One line: OS, CPU model and count, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.platform()}; {cpu}; {os.cpu_count()} CPUs; Python {platform.python_version()}"


def _progress(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _timed(name: str, fn: Callable[[], dict[str, Any]], figures: dict[str, Any]) -> None:
    _progress(f"{name}...")
    started = time.perf_counter()
    result = fn()
    wall = round(time.perf_counter() - started, 1)
    figures.update(result)
    figures[f"{name}_bench_wall_s"] = wall
    _progress(f"{name} done in {wall}s: " + ", ".join(f"{k}={v}" for k, v in list(result.items())[:4]))


BENCHES: tuple[tuple[str, str], ...] = (
    ("policy", "bench.policy_bench:bench_policy"),
    ("redaction", "bench.redaction_bench:bench_redaction"),
    ("gate", "bench.gate_bench:bench_gate"),
    ("gate-concurrency", "bench.gate_concurrency_bench:bench_gate_concurrency"),
    ("runtime", "bench.runtime_bench:bench_runtime"),
    ("fleet", "bench.fleet_bench:bench_fleet"),  # 1, 2 and 4 runtime processes, ~4 min
    ("inbox", "bench.inbox_bench:bench_inbox"),
    ("lanes", "bench.lanes_bench:bench_lanes"),
)
"""(name, module:function) in the order they run; a function may be a coroutine function."""

RESULT_MARK = "@@bench-result@@ "


class BenchFailed(RuntimeError):
    """A benchmark's process exited without a result."""


def run_one(target: str) -> dict[str, Any]:
    """Run one benchmark in this process: `module:function`, awaited when it is a coroutine function."""
    import importlib
    import inspect

    module, _, name = target.partition(":")
    result = getattr(importlib.import_module(module), name)()
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def run_isolated(target: str) -> dict[str, Any]:
    """Run one benchmark in a fresh Python process, as each component runs in production: nothing another
    benchmark loaded (stock Presidio, a second spaCy, llama.cpp, compiled policies) shares its heap or caches."""
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "bench.run", "--one", target], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise BenchFailed(f"{target} exited {proc.returncode} without a result")


def run_all(*, skip_lanes: bool = False) -> dict[str, Any]:
    """Every benchmark, each in its own process, merged into one flat dict with `machine`, `timestamp` and the
    target booleans."""
    figures: dict[str, Any] = {"machine": machine(), "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    started = time.perf_counter()
    for name, target in BENCHES:
        if name == "lanes" and skip_lanes:
            figures["lanes_skipped"] = True
            continue
        try:
            _timed(name, lambda target=target: run_isolated(target), figures)
        except BenchFailed as exc:
            if name != "lanes":
                raise
            # the embedded model may be missing; the other figures still stand
            _progress(f"lanes failed: {exc}")
            figures["lanes_skipped"] = True
            figures["lanes_error"] = str(exc)[:200]
    figures["bench_wall_s"] = round(time.perf_counter() - started, 1)
    for target in TARGETS:
        figures[target.key] = target.check(figures)[2]
    return figures


def markdown(figures: dict[str, Any]) -> str:
    """The figures and the targets as two markdown tables."""
    lines = [f"machine: {figures['machine']}  ", f"timestamp: {figures['timestamp']}", "",
             "| figure | value |", "| --- | ---: |"]
    for key, value in figures.items():
        if key in ("machine", "timestamp") or key.startswith("target_"):
            continue
        lines.append(f"| `{key}` | {value} |")
    lines += ["", "| target | measured | limit | result |", "| --- | ---: | ---: | :---: |"]
    for target in TARGETS:
        value, bound, met = target.check(figures)
        verdict = "n/a" if met is None else ("PASS" if met else "MISS")
        lines.append(f"| {target.label} | {target.measured} = {value} | {'≥' if target.at_least else '≤'} {bound} | {verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--skip-lanes", action="store_true", help="skip the embedded-model lanes benchmark (~80 s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where to write the JSON (default {RESULTS})")
    parser.add_argument("--one", metavar="MODULE:FUNCTION", help=argparse.SUPPRESS)  # a child of run_isolated
    args = parser.parse_args(argv)
    if args.one:
        print(RESULT_MARK + json.dumps(run_one(args.one)), flush=True)
        return 0
    figures = run_all(skip_lanes=args.skip_lanes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(markdown(figures))
    _progress(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
