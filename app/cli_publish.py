"""`warden publish`: the event source's side, by hand. Publishes a graph's events (JSONL) on their keyed subject, as
the holder of the `ingest` credential, sealed with its event key, and waits for each run to settle.

Keyed (`events.keyed.<domain>.<verb>.<key>`) so that each key's events are handled in order however many runtime
processes consume them (warden/keyed_subjects.py); `--plain` publishes on the trigger subject itself, as before.
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from app.cli_output import fail
from warden.settings import Settings

SETTLED = ("completed", "waiting", "skipped")


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)


def publish(file: Optional[Path] = typer.Argument(None, help="events as JSONL (default: stdin)"),
            graph: str = typer.Option("claims_triage", help="the graph whose trigger the events are"),
            plain: bool = typer.Option(False, "--plain", help="publish on the trigger subject (key in the body only)"),
            wait: bool = typer.Option(True, "--wait/--no-wait", help="wait for each run and print its outcome"),
            timeout_s: float = typer.Option(300.0, "--timeout", min=1.0, help="how long to wait for all runs")) -> None:
    """Publish events as the event source (needs NATS_URL and the ingest credential in WARDEN_CREDENTIALS)."""
    from agents.credentials import CredentialError, load_for
    from graphs.registry import select
    from warden.keyed_subjects import KeyedSubjectError, keyed_subject

    settings = Settings()
    if not settings.nats_url:
        fail("warden publish needs NATS_URL (the bus the fleet runs on)")
    if settings.credentials is None:
        fail("warden publish needs WARDEN_CREDENTIALS: the ingest credential from `warden init` (secrets/ingest.json)")
    try:
        package = select([graph])[graph]
    except ValueError as exc:  # PackageError: names the registered graphs
        fail(str(exc))
    try:
        ingest = load_for(settings.credentials, "ingest")
    except CredentialError as exc:
        fail(str(exc))
    text = file.read_text() if file else sys.stdin.read()
    events: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            fail(f"line {number}: not JSON")
        if not isinstance(event, dict) or not isinstance(event.get(package.key_field), str):
            fail(f"line {number}: an event must be an object with a string {package.key_field!r}")
        try:
            keyed_subject(package.trigger, event[package.key_field])
        except KeyedSubjectError as exc:
            fail(f"line {number}: {exc}")
        events.append(event)
    try:
        asyncio.run(_publish(settings.nats_url, ingest, package, events, keyed=not plain, wait=wait, timeout_s=timeout_s))
    except (TimeoutError, asyncio.TimeoutError):
        fail(f"not every run settled within {timeout_s:g}s", 1)
    except Exception as exc:  # an unreachable bus, a refused subject: one line
        fail(f"publish failed: {type(exc).__name__}: {exc}", 1)


async def _publish(url: str, ingest, package, events: list[dict[str, Any]], *, keyed: bool, wait: bool,
                   timeout_s: float) -> None:
    from agents.bus import connect
    from agents.nats_server import NatsCredentials
    from app.assembly import ingest_payload
    from warden.keyed_subjects import keyed_subject

    nc = await asyncio.wait_for(connect(NatsCredentials.from_roles(url, [ingest]), "ingest"), timeout=5)
    outcomes: dict[str, dict[str, Any]] = {}  # first settled outcome per run, in arrival order

    async def on_completed(msg) -> None:
        outcome = json.loads(msg.data)
        if outcome.get("status") in SETTLED:
            outcomes.setdefault(str(outcome.get("run_id")), outcome)

    try:
        if wait:
            await nc.subscribe("runs.completed", cb=on_completed)
        js = nc.jetstream()
        key = ingest.secret("event_key") if "event_key" in ingest.secrets else None
        runs: set[str] = set()
        for event in events:
            subject = keyed_subject(package.trigger, event[package.key_field]) if keyed else package.trigger
            body = ingest_payload(event, key, [package.key_field, *package.clear_fields])
            ack = await js.publish(subject, json.dumps(body).encode())
            runs.add(f"run-{package.name}-{ack.seq}")
        if wait:
            await asyncio.wait_for(_print_as_settled(outcomes, runs), timeout=timeout_s)
    finally:
        await nc.close()


async def _print_as_settled(outcomes: dict[str, dict[str, Any]], runs: set[str]) -> None:
    """One JSON line per run, in the order the runs settled."""
    printed: set[str] = set()
    while printed != runs:
        for run_id, outcome in list(outcomes.items()):
            if run_id in runs and run_id not in printed:
                printed.add(run_id)
                print(json.dumps({k: outcome.get(k) for k in ("run_id", "key", "status", "decision")}), flush=True)
        await asyncio.sleep(0.1)
