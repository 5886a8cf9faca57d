"""The `warden` command line. Bad input ends with one line on stderr and a non-zero exit, never a traceback."""
from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Everything Warden writes (stores, vault, ledgers, logs, keys) is for its own user only: files 0600, folders 0700.
os.umask(0o077)

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from app.cli_output import fail, jsonl
from app.cli_people import approvals_app, users_app
from warden.heap import settle_heap
from warden.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Warden: LLM agents as actors, behind a policy gate.")
gate_app = typer.Typer(no_args_is_help=True, help="The gate, offline.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")
app.add_typer(gate_app, name="gate")
app.add_typer(approvals_app, name="approvals")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
policy_app = typer.Typer(no_args_is_help=True, help="The policy pack.")
app.add_typer(policy_app, name="policy")
pii_app = typer.Typer(no_args_is_help=True, help="PII at rest.")
app.add_typer(pii_app, name="pii")
from app.cli_eval import register as register_eval  # noqa: E402  `warden eval ...`, `warden policy diff`
register_eval(app, policy_app)
from app.cli_bus import register as register_bus  # noqa: E402  `warden init`, `warden nats-config`
register_bus(app)
from app.cli_publish import register as register_publish  # noqa: E402  `warden publish`
register_publish(app)


@pii_app.command("scan")
def pii_scan(data_dir: Optional[Path] = typer.Argument(None, help="data folder (default: WARDEN_DATA_DIR)"),
             values: Optional[Path] = typer.Option(None, "--values", help="JSONL or text file of PII values to look for"),
             samples: bool = typer.Option(True, "--samples/--no-samples", help="also look for the sample claims' PII")) -> None:
    """Search every store under a data folder for raw PII values; exit 1 when any is found outside the vault."""
    from guardrails.pii_scan import run_scan

    raise typer.Exit(run_scan(data_dir or Settings().data_dir, values, samples=samples))


@policy_app.command("check")
def policy_check(policy_dir: Optional[Path] = typer.Argument(None, help="folder of .rego + data.json (default: shipped)")) -> None:
    """Compile a policy folder; exit 1 with the compiler's message when it does not compile.

    A running `warden up` watches its policy folder and applies a change that compiles without a restart."""
    from guardrails.policy import PolicyError, RegopyEngine

    try:
        engine = RegopyEngine(policy_dir)
    except PolicyError as exc:
        fail(f"policy does not compile: {exc}", 1)
    typer.echo(f"policy ok: {engine.bundle}")
    typer.echo(f"fast path: {engine.fast_path}")


def _lines(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    path = Path(source)
    if not path.is_file():
        fail(f"no such file: {source}")
    return path.read_text(encoding="utf-8").splitlines()


@app.command()
def demo(llm: str = typer.Option("local", help="local | scripted | a LiteLLM model name"),
         count: Optional[int] = typer.Option(None, min=1, help="only the first N sample claims"),
         graph: Optional[str] = typer.Option(None, help="which graph's sample events (default: the claims)"),
         all_graphs: bool = typer.Option(False, "--all", help="every registered graph's samples together, one table each")) -> None:
    """Run the sample claims (or a graph's samples, or all of them) end to end on the embedded bus, gate and tools."""
    from app.demo import find_graph, run_demos
    from graphs.registry import select

    try:
        packages = list(select().values()) if all_graphs else [find_graph(graph)]
    except ValueError as exc:
        fail(str(exc))
    settings = Settings(llm=llm, data_dir=Settings().data_dir / "demo")
    model = None
    asking = [p for p in packages if p.uses_model]
    if not asking or llm == "scripted":
        from serving.accounting import AccountingModel
        from serving.scripted import ScriptedModel

        if not asking:  # deterministic graphs: no model is started, whatever --llm says
            model = AccountingModel(ScriptedModel(lambda request: "{}", name="none"), backend="none")
            typer.echo(f"note: no model is asked by {', '.join(p.name for p in packages)}; no LLM is started")
        elif len(asking) > 1 or asking[0].scripted is None:
            fail(f"--llm scripted serves one graph's script; {', '.join(p.name for p in asking)} ask a model: "
                 "use --llm local or a model name")
        else:
            model = AccountingModel(ScriptedModel(asking[0].scripted, name="scripted-hostile"), backend="scripted")
            typer.echo("note: --llm scripted uses a scripted model that obeys injected instructions (no real inference)")
    try:
        asyncio.run(run_demos(settings, packages, count=count, model=model))
    except Exception as exc:  # surface startup failures as one line
        fail(f"demo failed: {type(exc).__name__}: {exc}", 1)


@app.command()
def up(port: int = typer.Option(8080, help="HTTP port for the staff API"),
       role: str = typer.Option("all", help="all | admin | runtime | gate | tools (admin: create streams and "
                                "consumers on the bus, then exit)"),
       llm: str = typer.Option("local"),
       replicas: Optional[int] = typer.Option(None, min=1, max=5, help="with --role admin: copies of each stream "
                                              "(3 on a three-node cluster; default WARDEN_NATS_REPLICAS or 1)")) -> None:
    """Run Warden until SIGTERM: NATS (embedded unless NATS_URL), tools, gate, runtime."""
    from pydantic import ValidationError

    from app.assembly import ALL_ROLES, ROLE_CHOICES, Warden

    if role not in ROLE_CHOICES:
        fail(f"unknown role {role!r}: use {', '.join(ROLE_CHOICES)}")
    roles = ALL_ROLES if role == "all" else (role,)
    try:
        settings = Settings(llm=llm, **({"nats_replicas": replicas} if replicas else {}))
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        fail(f"bad setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    if settings.nats_insecure and settings.nats_url:
        typer.echo(f"warden: WARNING: WARDEN_NATS_INSECURE=1: {settings.nats_url} is used without bus authentication",
                   err=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        warden = Warden(settings, roles=roles)
        starting = asyncio.create_task(warden.__aenter__())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # SIGTERM while still starting (e.g. waiting for the bus): stop at once
            # Python 3.11's wait_for (inside nats-py's connect) can swallow a cancel that lands as a connect
            # attempt finishes: cancel again until the start has really stopped.
            while not starting.done():
                starting.cancel()
                await asyncio.wait({starting}, timeout=1.0)
            await asyncio.gather(starting, return_exceptions=True)
            await warden.stop()
            typer.echo("warden: stopped before it was up")
            return
        stopping.cancel()
        starting.result()  # raises the start error, if any
        settle_heap()  # what start loaded lives as long as this process: out of the collector's way
        try:
            if roles == ("admin",):
                copies = warden.bus_replicas
                typer.echo(f"warden: bus ready at {warden.creds.display}: streams and consumers created "
                           f"({copies} replica{'s' if copies > 1 else ''})")
                return
            if "gate" in roles:  # the staff API reads the gate's stores: it runs where they are
                from api.server import start_api_server

                server = await start_api_server(warden, port, host=settings.http_host)  # the staff API and console (api/)
            else:  # runtime and tools hold no approvals, users or audit: health and metrics only
                from serving.health import start_health_server

                server = await start_health_server(warden, port, host=settings.http_host)
            typer.echo(f"warden up: roles={','.join(roles)} bus={warden.creds.display} http={settings.http_host}:{port}")
            await stop.wait()
            closing = server.close()
            if asyncio.iscoroutine(closing):
                await closing
        finally:
            await warden.stop()
        typer.echo("warden: stopped")

    try:
        asyncio.run(main())
    except Exception as exc:  # a component that cannot start (policy, bus, model, credential): one line, not a traceback
        fail(f"up failed: {type(exc).__name__}: {exc}", 1)


@gate_app.command("check")
def gate_check(source: str = typer.Argument("-", help="JSON or JSONL file of tool-call requests, or - for stdin")) -> None:
    """Judge requests without executing them: one decision JSON per request, in order."""
    text = "\n".join(l for l in _lines(source) if l.strip())
    if not text:
        fail("no request given")
    requests = _parse_requests(text)
    from guardrails.gate_service import build_gate

    try:
        gate = build_gate(Settings())
    except Exception as exc:  # the policy or the stores cannot load: nothing was judged
        fail(f"gate could not start: {type(exc).__name__}: {exc}", 1)
    for item in requests:
        if not isinstance(item, dict):
            fail("each request must be a JSON object")
        request, state = (item["request"], item.get("_state")) if "request" in item and "tool" not in item else (item, None)
        judgement = gate.check(request, state=_full_state(state) if state else None)
        typer.echo(jsonl(judgement.decision.model_dump(mode="json")))


def _parse_requests(text: str) -> list:
    """One JSON document (possibly pretty-printed), or JSONL: one request per line."""
    from decimal import Decimal

    from guardrails.request_limits import MAX_DEPTH, nesting_depth

    if nesting_depth(text.encode("utf-8", "surrogatepass")) > MAX_DEPTH:
        fail(f"malformed JSON: nested deeper than {MAX_DEPTH} levels")
    try:
        return [json.loads(text, parse_float=Decimal)]
    except json.JSONDecodeError:
        pass
    try:
        return [json.loads(line, parse_float=Decimal) for line in text.splitlines()]
    except json.JSONDecodeError as exc:
        fail(f"malformed JSON: {exc.msg} (line {text[:exc.pos].count(chr(10)) + 1})")


def _full_state(state: dict) -> dict:
    return {"claim_paid_minor": 0, "claim_currencies": [], "calls_last_minute": 0, "principal_reserved_total": 0,
            "claim_fraud_band": "unscored"} | state


@app.command()
def redact(source: str = typer.Argument("-", help="JSONL of {id, text}, or - for stdin")) -> None:
    """Redact PII: JSONL in, JSONL out with entity offsets into the input text."""
    from guardrails.redaction import RedactInputError, RedactionRefused, redact_jsonl

    try:
        for line in redact_jsonl(_lines(source)):
            typer.echo(line)
    except (RedactInputError, RedactionRefused) as exc:  # never a half-redacted line: stop with one line
        fail(str(exc))


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 naming the first modified, reordered or deleted record."""
    from guardrails.audit import ChainBroken
    from guardrails.stores_pg import PostgresUnavailable, open_audit

    try:
        count = open_audit(Settings()).verify()  # the gate's trail: Postgres when WARDEN_POSTGRES_URL is set
    except ChainBroken as exc:
        fail(f"audit chain broken: {exc}", 1)
    except PostgresUnavailable as exc:
        fail(str(exc), 1)
    typer.echo(f"audit chain intact: {count} records")


@audit_app.command("export")
def audit_export(run: str = typer.Option(..., "--run", help="run id")) -> None:
    """One run's decisions as JSONL, for a reviewer."""
    from guardrails.stores_pg import PostgresUnavailable, open_audit

    try:
        audit = open_audit(Settings())  # the gate's trail: Postgres when WARDEN_POSTGRES_URL is set
    except PostgresUnavailable as exc:
        fail(str(exc), 1)
    for record in audit.records(run_id=run):
        typer.echo(json.dumps(record))


@app.command("serve-model")
def serve_model(engine: str = typer.Option("llama", help="llama | vllm"), model: Optional[str] = typer.Option(None),
                port: int = typer.Option(8000)) -> None:
    """Serve a model over the OpenAI protocol: embedded llama.cpp, or vLLM on a GPU."""
    from serving.serve import serve_model as serve

    raise typer.Exit(serve(engine, model, port))


if __name__ == "__main__":
    app()
