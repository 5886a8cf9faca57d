"""Writes the Postgres secrets compose.yaml mounts: passwords for the superuser and one role per Warden
component, and each component's WARDEN_POSTGRES_URL.

    python deploy/postgres/passwords.py [--out deploy/secrets]     # create what is missing, never replace

Files (0600, in a folder holding a `.gitignore` of `*`):
  postgres_password                       the superuser's (the postgres container only)
  postgres_gate_password, ..._runtime_..., ..._tools_...
                                          what deploy/postgres/init-roles.sh gives the roles warden_gate,
                                          warden_runtime and warden_tools, each owning a database of its own name
  warden_gate_postgres_url, warden_runtime_postgres_url, warden_tools_postgres_url
                                          postgresql://warden_<role>:<password>@postgres:5432/warden_<role>
Three roles and three databases: the runtime (checkpoints) and the tools (ledgers) cannot read or reset the gate's
totals, holds, rate-limit counters or approvals, nor each other's. Standard library only: it runs on a host
without Warden installed.
"""
from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

ROLES = ("gate", "runtime", "tools")


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def create(out: Path, host: str = "postgres:5432") -> list[str]:
    """Creates every missing file; a URL is written only with its password. Returns the names written."""
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    if not (out / ".gitignore").exists():
        (out / ".gitignore").write_text("*\n")
    written = []
    for name in ("postgres_password", *(f"postgres_{role}_password" for role in ROLES)):
        if not (out / name).exists():
            _write(out / name, secrets.token_urlsafe(24))  # URL-safe: no escaping inside the URL
            written.append(name)
    for role in ROLES:
        url = out / f"warden_{role}_postgres_url"
        if not url.exists():
            password = (out / f"postgres_{role}_password").read_text().strip()
            _write(url, f"postgresql://warden_{role}:{password}@{host}/warden_{role}")
            written.append(url.name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("deploy/secrets"))
    parser.add_argument("--host", default="postgres:5432", help="host:port the Warden containers reach Postgres at")
    args = parser.parse_args()
    written = create(args.out, args.host)
    print(f"wrote {', '.join(written)}" if written else "nothing to write: every Postgres secret exists")


if __name__ == "__main__":
    main()
