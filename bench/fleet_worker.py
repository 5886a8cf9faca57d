"""One Warden role in its own process, for the fleet benchmark (bench/fleet_bench.py).

It runs exactly what `warden up --role ROLE` runs (app.assembly.Warden on NATS_URL, with this role's credential
from WARDEN_CREDENTIALS and its own WARDEN_DATA_DIR), minus the HTTP server, plus the benchmark's two test
hooks, which exist only in this bench-started process and never in `warden up`:
- `--model-delay-ms` (runtime): the scripted claims model answers after this long, like a served model would;
- `--tool-latency-ms` (tools): every tool call takes this much longer, inside the tool's own timeout, like a
  tool that calls a real backend.
With `--profile FILE` a stack sampler (bench/cpu_profile.py) runs: SIGUSR1 starts a measurement, SIGUSR2 writes
it to FILE. SIGTERM stops the process cleanly. It prints `fleet-worker ready` once its role is up.

`python -m bench.fleet_worker --role runtime --model-delay-ms 200 --profile runtime.json`
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.cpu_profile import StackSampler  # noqa: E402
from warden.heap import settle_heap  # noqa: E402

ROLES = ("tools", "gate", "runtime")


def slow_tools(latency_s: float) -> None:
    """Every tool call in this process takes `latency_s` longer (the test hook for the tools role)."""
    from tools.service import ToolService

    run = ToolService._run

    async def delayed(self, spec, request):  # inside the service's timeout, like a slow backend would be
        await asyncio.sleep(latency_s)
        return await run(self, spec, request)

    ToolService._run = delayed


def slow_scripted_model(delay_s: float):
    """The scripted claims model (the one `make bench` uses), answering after `delay_s` like a served model."""
    from graphs.claims.scripted import hostile_claims_script
    from serving.accounting import AccountingModel
    from serving.scripted import ScriptedModel

    return AccountingModel(ScriptedModel(hostile_claims_script, name="scripted-hostile", delay_s=delay_s),
                           backend="scripted")


async def serve(role: str, *, model_delay_s: float, tool_latency_s: float, profile: Path | None) -> None:
    from app.assembly import Warden
    from warden.settings import Settings

    sampler = StackSampler() if profile else None  # sampling only between SIGUSR1 and SIGUSR2 (see cpu_profile.stop)
    if tool_latency_s and role == "tools":
        slow_tools(tool_latency_s)
    model = slow_scripted_model(model_delay_s) if role == "runtime" else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if sampler is not None and profile is not None:
        loop.add_signal_handler(signal.SIGUSR1, lambda: (sampler.reset(), sampler.start()))
        loop.add_signal_handler(signal.SIGUSR2, lambda: (sampler.stop(), sampler.dump(profile)))
    async with Warden(Settings(llm="scripted"), roles=(role,), model=model):
        settle_heap()  # as `warden up` does once started
        print(f"fleet-worker ready role={role} pid={os.getpid()}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_worker", description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=ROLES, required=True)
    parser.add_argument("--model-delay-ms", type=float, default=0.0, help="runtime: the scripted model's latency")
    parser.add_argument("--tool-latency-ms", type=float, default=0.0, help="tools: added to every tool call")
    parser.add_argument("--profile", type=Path, default=None, help="sample stacks; SIGUSR1 resets, SIGUSR2 writes here")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.role, model_delay_s=args.model_delay_ms / 1000, tool_latency_s=args.tool_latency_ms / 1000,
                          profile=args.profile))
    except Exception as exc:  # one line for the bench's log, not a traceback
        print(f"fleet-worker {args.role} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
