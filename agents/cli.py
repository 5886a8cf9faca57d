"""The `warden` command line. Bad input ends with one line on stderr and a non-zero exit, never a traceback."""
from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from agents.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Warden: LLM agents as actors, behind a policy gate.")
gate_app = typer.Typer(no_args_is_help=True, help="The gate, offline.")
approvals_app = typer.Typer(no_args_is_help=True, help="The human-in-the-loop queue.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail.")
app.add_typer(gate_app, name="gate")
app.add_typer(approvals_app, name="approvals")
app.add_typer(audit_app, name="audit")
policy_app = typer.Typer(no_args_is_help=True, help="The policy pack.")
app.add_typer(policy_app, name="policy")
pii_app = typer.Typer(no_args_is_help=True, help="PII at rest.")
app.add_typer(pii_app, name="pii")


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


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, then exit."""
    line = " ".join(message.split())
    typer.echo(f"warden: {line[:500]}", err=True)
    raise typer.Exit(code)


def _lines(source: str) -> list[str]:
    if source == "-":
        return sys.stdin.read().splitlines()
    path = Path(source)
    if not path.is_file():
        fail(f"no such file: {source}")
    return path.read_text(encoding="utf-8").splitlines()


@app.command()
def demo(llm: str = typer.Option("local", help="local | scripted | a LiteLLM model name"),
         count: Optional[int] = typer.Option(None, min=1, help="only the first N sample claims")) -> None:
    """Run the sample claims end to end on the embedded bus, gate and tools."""
    from agents.demo import run_demo

    settings = Settings(llm=llm, data_dir=Settings().data_dir / "demo")
    model = None
    if llm == "scripted":
        from graphs.claims_scripted import hostile_claims_script
        from serving.accounting import AccountingModel
        from serving.scripted import ScriptedModel

        model = AccountingModel(ScriptedModel(hostile_claims_script, name="scripted-hostile"), backend="scripted")
        typer.echo("note: --llm scripted uses a scripted model that obeys injected instructions (no real inference)")
    try:
        asyncio.run(run_demo(settings, count=count, model=model))
    except Exception as exc:  # surface startup failures as one line
        fail(f"demo failed: {type(exc).__name__}: {exc}", 1)


@app.command()
def up(port: int = typer.Option(8080, help="HTTP port for the staff API"),
       role: str = typer.Option("all", help="all | runtime | gate | tools"),
       llm: str = typer.Option("local")) -> None:
    """Run Warden until SIGTERM: NATS (embedded unless NATS_URL), tools, gate, runtime."""
    from agents.app import ALL_ROLES, Warden

    roles = ALL_ROLES if role == "all" else (role,)
    if any(r not in ALL_ROLES for r in roles):
        fail(f"unknown role {role!r}: use all, runtime, gate or tools")
    settings = Settings(llm=llm)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with Warden(settings, roles=roles) as warden:
            from serving.health import start_health_server

            server = await start_health_server(warden, port)
            typer.echo(f"warden up: roles={','.join(roles)} bus={warden.creds.url} http=127.0.0.1:{port}")
            await stop.wait()
            server.close()
        typer.echo("warden: stopped")

    try:
        asyncio.run(main())
    except Exception as exc:  # a component that cannot start (policy, bus, model): one line, not a traceback
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
        typer.echo(judgement.decision.model_dump_json())


def _parse_requests(text: str) -> list:
    """One JSON document (possibly pretty-printed), or JSONL: one request per line."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines()]
    except json.JSONDecodeError as exc:
        fail(f"malformed JSON: {exc.msg} (line {text[:exc.pos].count(chr(10)) + 1})")


def _full_state(state: dict) -> dict:
    return {"claim_paid_total": 0.0, "calls_last_minute": 0, "principal_reserved_total": 0,
            "claim_fraud_band": "unscored"} | state


@app.command()
def redact(source: str = typer.Argument("-", help="JSONL of {id, text}, or - for stdin")) -> None:
    """Redact PII: JSONL in, JSONL out with entity offsets into the input text."""
    from guardrails.redaction import RedactInputError, redact_jsonl

    try:
        for line in redact_jsonl(_lines(source)):
            typer.echo(line)
    except RedactInputError as exc:
        fail(str(exc))


@approvals_app.command("list")
def approvals_list(all_: bool = typer.Option(False, "--all", help="include decided and expired")) -> None:
    """Pending approvals, oldest first."""
    from guardrails.approvals import ApprovalStore

    store = ApprovalStore(Settings().path("approvals.db"))
    for a in store.list(None if all_ else "pending"):
        typer.echo(json.dumps({"id": a.id, "status": a.status, "tool": a.tool, "role": a.role, "run_id": a.run_id,
                               "reason": a.reason, "args": a.args}))


def _decide(approval_id: str, approve: bool, by: str) -> None:
    from guardrails.approvals import ApprovalError, ApprovalStore

    settings = Settings()
    store = ApprovalStore(settings.path("approvals.db"))
    try:
        a = store.decide(approval_id, approve=approve, by=by)
    except ApprovalError as exc:
        fail(str(exc), 1)
    announced = asyncio.run(_announce(settings, a))
    if announced:
        store.mark_announced(a.id)
    typer.echo(json.dumps({"id": a.id, "status": a.status, "by": a.decided_by, "run_resumed": announced}))


async def _announce(settings: Settings, approval) -> bool:
    """Wake the waiting run over the bus; False when no Warden bus is reachable (the decision still stands)."""
    from agents.bus import connect
    from agents.nats_server import NatsCredentials, credentials_from_env
    from guardrails.approval_events import announce

    creds_file = settings.data_dir / "nats" / "credentials.json"
    creds = credentials_from_env(settings.nats_url) if settings.nats_url else (
        NatsCredentials.load(creds_file) if creds_file.exists() else None)
    if creds is None:
        typer.echo("warden: no bus configured here; the decision is recorded and the gate delivers it when Warden is next up", err=True)
        return False
    try:
        nc = await asyncio.wait_for(connect(creds, "admin"), timeout=3)
    except Exception:
        typer.echo("warden: no bus reachable; the decision is recorded and the gate delivers it when Warden is next up", err=True)
        return False
    try:
        await announce(nc.jetstream(), approval)
    finally:
        await nc.drain()
    return True


@approvals_app.command("approve")
def approvals_approve(approval_id: str, by: str = typer.Option("user:cli", "--by")) -> None:
    """Approve a pending call (bound to its exact arguments)."""
    _decide(approval_id, True, by)


@approvals_app.command("deny")
def approvals_deny(approval_id: str, by: str = typer.Option("user:cli", "--by")) -> None:
    """Deny a pending call."""
    _decide(approval_id, False, by)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 naming the first modified, reordered or deleted record."""
    from guardrails.audit import AuditLog, ChainBroken

    try:
        count = AuditLog(Settings().path("audit.db")).verify()
    except ChainBroken as exc:
        fail(f"audit chain broken: {exc}", 1)
    typer.echo(f"audit chain intact: {count} records")


@audit_app.command("export")
def audit_export(run: str = typer.Option(..., "--run", help="run id")) -> None:
    """One run's decisions as JSONL, for a reviewer."""
    from guardrails.audit import AuditLog

    for record in AuditLog(Settings().path("audit.db")).records(run_id=run):
        typer.echo(json.dumps(record))


@app.command("serve-model")
def serve_model(engine: str = typer.Option("llama", help="llama | vllm"), model: Optional[str] = typer.Option(None),
                port: int = typer.Option(8000)) -> None:
    """Serve a model over the OpenAI protocol: embedded llama.cpp, or vLLM on a GPU."""
    from serving.serve import serve_model as serve

    raise typer.Exit(serve(engine, model, port))


if __name__ == "__main__":
    app()
