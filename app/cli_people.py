"""`warden approvals` and `warden users`: people deciding what the gate asked them, as who their token says."""
from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Optional

import typer

from app.cli_output import fail
from warden.settings import Settings

approvals_app = typer.Typer(no_args_is_help=True, help="The human-in-the-loop queue.")
users_app = typer.Typer(no_args_is_help=True, help="People who use the staff API, the console and approvals.")


@approvals_app.command("list")
def approvals_list(all_: bool = typer.Option(False, "--all", help="include decided and expired")) -> None:
    """Pending approvals, oldest first."""
    from guardrails.stores_pg import PostgresUnavailable, open_approvals

    try:
        store = open_approvals(Settings())  # Postgres when WARDEN_POSTGRES_URL is set
    except PostgresUnavailable as exc:
        fail(str(exc), 1)
    for a in store.list(None if all_ else "pending"):
        typer.echo(json.dumps({"id": a.id, "status": a.status, "tool": a.tool, "role": a.role, "run_id": a.run_id,
                               "reason": a.reason, "args": a.args}))


def _decide(approval_id: str, approve: bool, token: str | None) -> None:
    from guardrails.approvals import ApprovalError
    from guardrails.directory import AuthError, Directory
    from guardrails.stores_pg import PostgresUnavailable, open_approvals

    settings = Settings()
    if not token:
        fail("deciding an approval needs your token: --token-file FILE or WARDEN_TOKEN (from `warden users add`)", 1)
    try:
        approver = Directory(settings.path("users.db")).authenticate(token)
    except AuthError as exc:
        fail(str(exc), 1)
    try:
        store = open_approvals(settings)  # Postgres when WARDEN_POSTGRES_URL is set
    except PostgresUnavailable as exc:
        fail(str(exc), 1)
    try:
        a = store.decide(approval_id, approve=approve, approver=approver)
    except ApprovalError as exc:
        fail(str(exc), 1)
    announced = asyncio.run(_announce(settings, a))
    if announced:
        store.mark_announced(a.id)
    typer.echo(json.dumps({"id": a.id, "status": a.status, "by": a.decided_by, "role": a.decided_role,
                           "run_resumed": announced}))


async def _announce(settings: Settings, approval) -> bool:
    """Wake the waiting run over the bus; False when no Warden bus is reachable (the decision still stands)."""
    from agents.bus import connect
    from agents.credentials import CredentialError, load_for
    from agents.nats_server import NatsCredentials
    from guardrails.approval_events import announce

    source = settings.credentials or (settings.data_dir / "secrets")
    try:
        admin = load_for(source, "admin")
    except CredentialError:
        typer.echo("warden: no admin credential here; the decision is recorded and the gate delivers it", err=True)
        return False
    try:
        nc = await asyncio.wait_for(connect(NatsCredentials.from_roles(admin.nats_url, [admin]), "admin"), timeout=3)
    except Exception:
        typer.echo("warden: no bus reachable; the decision is recorded and the gate delivers it when Warden is next up", err=True)
        return False
    try:
        await announce(nc.jetstream(), approval)
    finally:
        await nc.drain()
    return True


def _token(token_file: Optional[Path]) -> str | None:
    if token_file is not None:
        if not token_file.is_file():
            fail(f"no such file: {token_file}")
        return token_file.read_text().strip()
    return os.environ.get("WARDEN_TOKEN")


@approvals_app.command("approve")
def approvals_approve(approval_id: str, token_file: Optional[Path] = typer.Option(None, "--token-file")) -> None:
    """Approve a pending call (bound to its exact arguments) as the user whose token you hold."""
    _decide(approval_id, True, _token(token_file))


@approvals_app.command("deny")
def approvals_deny(approval_id: str, token_file: Optional[Path] = typer.Option(None, "--token-file")) -> None:
    """Deny a pending call as the user whose token you hold."""
    _decide(approval_id, False, _token(token_file))




@users_app.command("add")
def users_add(name: str, role: list[str] = typer.Option(..., "--role", help="adjuster | staff | operator | buyer | admin"),
              ttl_days: float = typer.Option(90.0, help="days until the token expires")) -> None:
    """Issue a bearer token (printed once, stored hashed) for NAME with these roles."""
    from guardrails.directory import Directory

    try:
        token = Directory(Settings().path("users.db")).add_user(name, role, ttl_days=ttl_days)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(name: str) -> None:
    """Revoke NAME's token at once."""
    from guardrails.directory import Directory

    if not Directory(Settings().path("users.db")).revoke(name):
        fail(f"no user {name!r}", 1)
    typer.echo(f"revoked {name}")
