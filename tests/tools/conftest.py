"""Fixtures for the tool services: connections as the `tools` and `gate` users, and the running services."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agents.bus import connect
from agents.nats_server import NatsCredentials
from agents.settings import Settings
from tools.registry import ToolServices, start_tool_services


@pytest.fixture
async def tools_nc(nats_creds: NatsCredentials):
    nc = await connect(nats_creds, "tools")
    yield nc
    await nc.close()


@pytest.fixture
async def gate_nc(nats_creds: NatsCredentials):
    nc = await connect(nats_creds, "gate")
    yield nc
    await nc.close()


@pytest.fixture
async def tool_services(tools_nc, settings: Settings) -> ToolServices:
    services = await start_tool_services(tools_nc, settings)
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
