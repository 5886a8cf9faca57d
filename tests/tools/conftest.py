"""Fixtures for the tool services: connections as the `tools` and `gate` users, the gate's signing keys, and the
running services (which refuse anything the gate did not sign)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import nats
import pytest

from agents.bus import connect
from agents.nats_server import NatsCredentials
from warden.settings import Settings
from tools.gate_proof import GateSigner, GateVerifier, generate_signing_key
from tools.registry import ToolServices, start_tool_services

GATE_INBOX = "_INBOX.gate"


@pytest.fixture(scope="session")
def gate_keys() -> tuple[bytes, bytes]:
    """The gate's key pair: (private, public)."""
    return generate_signing_key()


@pytest.fixture
def signer(gate_keys) -> GateSigner:
    return GateSigner(gate_keys[0])


@pytest.fixture
def verifier(gate_keys) -> GateVerifier:
    return GateVerifier(gate_keys[1])


@pytest.fixture
async def tools_nc(nats_creds: NatsCredentials):
    nc = await connect(nats_creds, "tools")
    yield nc
    await nc.close()


@pytest.fixture
async def gate_nc(nats_creds: NatsCredentials):
    """The gate's connection: its replies come back under `_INBOX.gate.`, the only inbox tools answer."""
    nc = await nats.connect(nats_creds.url_for("gate"), name="warden-gate", inbox_prefix=GATE_INBOX)
    yield nc
    await nc.close()


@pytest.fixture
async def admin_nc(nats_creds: NatsCredentials):
    """An operator's connection, for micro's `$SRV.*` control subjects."""
    nc = await nats.connect(nats_creds.url_for("admin"), name="warden-admin")
    yield nc
    await nc.close()


@pytest.fixture
async def tool_services(tools_nc, settings: Settings, verifier: GateVerifier) -> ToolServices:
    services = await start_tool_services(tools_nc, settings, verifier)
    yield services
    await services.stop()


@pytest.fixture
def db_rows():
    """Rows from one of the services' SQLite files, read over a separate connection."""

    def rows(db: Path, sql: str, *params: object) -> list[dict]:
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    return rows
