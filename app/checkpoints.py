"""Where the runtime keeps LangGraph checkpoints: a SQLite file under the data folder by default, Postgres when
WARDEN_POSTGRES_URL is set, so a run paused on one runtime process (an approval, a crash) resumes on another.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver

from guardrails.stores_pg import CONNECT_TIMEOUT_S, PostgresUnavailable, describe, probe
from warden.settings import Settings

SETUP_LOCK = 0x5741_5243  # runtimes starting together run LangGraph's migrations one at a time


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[BaseCheckpointSaver]:
    """A set-up checkpointer for the process's lifetime; PostgresUnavailable when the server cannot be reached."""
    if not settings.postgres_url:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async with aiosqlite.connect(settings.path("checkpoints.db")) as conn:
            saver = AsyncSqliteSaver(conn)
            await saver.setup()
            yield saver
        return
    async with _pool(settings.postgres_url.get_secret_value(), settings.max_concurrent_actors) as pool:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        saver = AsyncPostgresSaver(pool)
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
            try:
                await saver.setup()
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        yield saver


@asynccontextmanager
async def _pool(url: str, max_size: int):
    """The pool AsyncPostgresSaver needs (autocommit, dict rows, no server-side prepared statements)."""
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool, PoolTimeout

    await asyncio.to_thread(probe, url)
    pool = AsyncConnectionPool(url, min_size=1, max_size=max(2, max_size), open=False, name="warden-checkpoints",
                               kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row,
                                       "connect_timeout": int(CONNECT_TIMEOUT_S)})
    try:
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except PoolTimeout:
        await pool.close()
        raise PostgresUnavailable(f"cannot reach Postgres at {describe(url)} within {CONNECT_TIMEOUT_S:.0f} s "
                                  "(is the server up, and WARDEN_POSTGRES_URL right?)") from None
    try:
        yield pool
    finally:
        await pool.close()
