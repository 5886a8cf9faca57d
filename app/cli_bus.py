"""The bus's setup commands: `warden init` (every role's credential and the server config) and `warden nats-config`
(the server config again, or one per node of a cluster). Bad input ends with one line on stderr, never a traceback."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from app.cli_output import fail


def register(app: typer.Typer) -> None:
    """Add `init` and `nats-config` to the `warden` command line."""
    app.command()(init)
    app.command("nats-config")(nats_config)


def init(out: Path = typer.Option(Path("secrets"), "--out", help="folder for one credential file per role (0700)"),
         url: str = typer.Option("nats://127.0.0.1:4222", help="the bus every role connects to (a cluster's nodes: "
                                 "comma-separated URLs)"),
         listen: Optional[str] = typer.Option(None, help="where the nats-server listens (default: --url's host:port)"),
         store: Path = typer.Option(Path("nats-data"), help="the nats-server's JetStream store folder")) -> None:
    """Create every role's credential (admin, ingest, gate, tools, runtime) and the nats-server config for them.

    Hand each process only its own file: `WARDEN_CREDENTIALS=<out>/runtime.json warden up --role runtime`."""
    from agents.credentials import dump_public, generate, write_all
    from graphs.registry import packages

    if out.exists() and any(out.glob("*.json")):
        fail(f"{out} already holds credentials; remove them first (rotating means restarting every component)", 1)
    if listen is None:  # the server listens where the roles will connect (a cluster's first seed)
        from urllib.parse import urlsplit

        try:
            where = urlsplit(url.split(",")[0].strip())
            listen = f"{where.hostname or '127.0.0.1'}:{where.port or 4222}"
        except ValueError as exc:
            fail(f"--url {url!r} is not a nats:// URL: {exc}")
    creds = generate(url, tuple(packages()))
    paths = write_all(creds, out)
    conf = _write_nats_config(creds, out / "nats-server.conf", listen=listen, store=store)
    typer.echo(f"wrote {len(paths)} credentials to {out}/ (0600) and {conf}")
    typer.echo(dump_public(creds))


def nats_config(credentials: Path = typer.Option(..., help="folder of role credentials from `warden init`"),
                out: Path = typer.Option(..., "--out", help="where to write the nats-server config (with --cluster: "
                                         "a folder for one config per node)"),
                listen: str = typer.Option("0.0.0.0:4222", help="where the server listens (with --cluster: the host "
                                           "every node binds; the ports come from --nodes)"),
                store: Path = typer.Option(Path("/data/jetstream"), help="JetStream store (with --cluster: each node "
                                           "uses <store>/<node name>)"),
                cluster: Optional[int] = typer.Option(None, "--cluster", help="write a cluster of this many nodes "
                                                      "(odd, 3 to 7) instead of one server"),
                nodes: Optional[str] = typer.Option(None, help="with --cluster: host:client_port:route_port for each "
                                                    "node, comma-separated (default: nats-1..N, ports 4222 and 6222)")) -> None:
    """Write the nats-server configuration (users, bcrypt password hashes, permissions, JetStream limits) that the
    embedded server uses, for an external server (compose mounts it); with --cluster, one per node of a cluster
    whose routes authenticate with a generated route password (kept 0600 in the credentials folder)."""
    from agents.credentials import CredentialError, ROLES, load_for
    from agents.nats_cluster import ClusterConfigError

    if cluster is None and nodes is not None:
        fail("--nodes needs --cluster N")
    try:
        creds = {role: load_for(credentials, role) for role in ROLES}
    except CredentialError as exc:
        fail(str(exc), 1)
    if cluster is None:
        typer.echo(f"wrote {_write_nats_config(creds, out, listen=listen, store=store)}")
        return
    try:
        typer.echo(_write_cluster_configs(creds, credentials, out, size=cluster, nodes=nodes, listen=listen,
                                          store=store))
    except ClusterConfigError as exc:
        fail(str(exc))


def _write_cluster_configs(creds: dict, credentials: Path, out: Path, *, size: int, nodes: str | None, listen: str,
                           store: Path) -> str:
    """One config per node in `out` (0600 each); returns the line that says what was written and the NATS_URL."""
    from agents.credentials import secure_dir
    from agents.nats_cluster import (ClusterConfigError, cluster_configs, default_nodes, parse_nodes, route_password,
                                     seeds)

    members = parse_nodes(nodes, size) if nodes else default_nodes(size)
    bind = listen.rsplit(":", 1)[0] if ":" in listen else listen
    if out.exists() and not out.is_dir():
        raise ClusterConfigError(f"--out {out} is a file: with --cluster it names a folder for one config per node")
    passwords, graphs = _bus_users(creds)
    configs = cluster_configs(members, bind=bind or "0.0.0.0", store=store, passwords=passwords, graphs=graphs,
                              route_secret=route_password(credentials if credentials.is_dir() else credentials.parent))
    secure_dir(out)
    for name, text in configs.items():
        fd = os.open(out / f"{name}.conf", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    return (f"wrote {len(configs)} cluster configs to {out}/ ({', '.join(f'{n}.conf' for n in configs)}), "
            f"routes authenticated; clients use NATS_URL={seeds(members)}")


def _bus_users(creds: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Every bus user's password, and the graphs (-> trigger subject) that have a runtime user among them."""
    from agents.bus_users import runtime_user
    from graphs.registry import packages, triggers

    passwords: dict[str, str] = {}
    for c in creds.values():
        passwords.update(c.users)
    return passwords, triggers({name: p for name, p in packages().items() if runtime_user(name) in passwords})


def _write_nats_config(creds: dict, out: Path, *, listen: str, store: Path) -> Path:
    from agents.nats_server import server_config

    passwords, graphs = _bus_users(creds)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(server_config(listen=listen, store_dir=str(store), passwords=passwords, graphs=graphs))
    return out
