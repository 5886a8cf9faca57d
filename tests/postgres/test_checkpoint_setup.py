"""Runtimes starting together on one Postgres: the one running LangGraph's migrations is never blocked by the others
waiting for their turn (three runtimes started at once hung about one start in five)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg

from app.checkpoints import SETUP_LOCK, open_checkpointer
from warden.settings import Settings


async def _waiter_has_asked(admin: psycopg.AsyncConnection, holder_pid: int) -> bool:
    cur = await admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid NOT IN (%s, pg_backend_pid())"
                              " AND query LIKE %s", (holder_pid, "%advisory_lock(%"))
    return (await cur.fetchone())[0] > 0


async def test_a_runtime_waiting_for_the_migrations_lock_does_not_block_an_index_built_concurrently(
        pg_url: str, tmp_path: Path) -> None:
    # A runtime in the middle of setup: the lock on one connection, the migrations on another (from its pool), so
    # Postgres sees no cycle and would not break the wait.
    locked = await psycopg.AsyncConnection.connect(pg_url, autocommit=True)
    migrating = await psycopg.AsyncConnection.connect(pg_url, autocommit=True)
    try:
        await locked.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        await migrating.execute("CREATE TABLE migrated (thread_id text)")

        async def start_second_runtime() -> bool:
            async with open_checkpointer(Settings(data_dir=tmp_path, postgres_url=pg_url)):
                return True

        second = asyncio.create_task(start_second_runtime())
        for _ in range(300):  # until the second runtime has asked for the lock
            if await _waiter_has_asked(migrating, locked.info.backend_pid):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the second runtime never asked for the migrations lock")
        assert not second.done()
        # What LangGraph's migrations do: this waits for every statement in progress that holds a snapshot.
        await migrating.execute("SET statement_timeout = '10s'")
        await migrating.execute("CREATE INDEX CONCURRENTLY migrated_thread_idx ON migrated(thread_id)")
        await locked.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        assert await asyncio.wait_for(second, 60)
    finally:
        await migrating.close()
        await locked.close()
