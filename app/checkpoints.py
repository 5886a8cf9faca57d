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
STREAMS_TABLE = ("CREATE TABLE IF NOT EXISTS warden_checkpoint_streams (graph TEXT PRIMARY KEY,"
                 " consumer_created TEXT NOT NULL, bound_at TIMESTAMPTZ NOT NULL DEFAULT now())")


class CheckpointsOfAnotherStream(RuntimeError):
    """The database holds checkpoints written for another event stream: its run ids would collide with new ones."""


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
            await _take_setup_lock(conn)
            try:
                await saver.setup()
                await conn.execute(STREAMS_TABLE)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        yield saver


SETUP_WAIT_S = 120.0


async def _take_setup_lock(conn) -> None:
    """Wait for the migrations lock by asking again, never inside a statement.

    A runtime blocked in `pg_advisory_lock` is a statement in progress with a snapshot, and LangGraph's
    migrations create indexes CONCURRENTLY, which wait for every such snapshot to end: the runtime migrating
    waited for the ones waiting for it, and three runtimes started together hung about one start in five."""
    deadline = asyncio.get_running_loop().time() + SETUP_WAIT_S
    while True:
        row = await (await conn.execute("SELECT pg_try_advisory_lock(%s) AS taken", (SETUP_LOCK,))).fetchone()
        if row["taken"]:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise PostgresUnavailable(f"another runtime has held the checkpoint migrations lock for over "
                                      f"{SETUP_WAIT_S:.0f} s; is one stuck?")
        await asyncio.sleep(0.1)


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


async def bind_to_stream(saver: BaseCheckpointSaver, graph: str, consumer_created: str) -> None:
    """Refuse a Postgres database whose checkpoints for `graph` came from another event stream.

    Run ids are the stream's sequence numbers (agents/graph_actor.py), so a new stream (a fresh data folder or
    bus) starts again at run-<graph>-1: old checkpoints under those ids would answer the new events. The graph's
    durable consumer is created with its stream, so its creation time names the stream; the first runtime binds
    the database to it. SQLite checkpoints live in the data folder with the bus and need no check."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    if not isinstance(saver, AsyncPostgresSaver):
        return
    async with saver.conn.connection() as conn:
        await conn.execute("INSERT INTO warden_checkpoint_streams (graph, consumer_created) VALUES (%s, %s)"
                           " ON CONFLICT (graph) DO NOTHING", (graph, consumer_created))
        cur = await conn.execute("SELECT consumer_created FROM warden_checkpoint_streams WHERE graph = %s", (graph,))
        bound = (await cur.fetchone())["consumer_created"]
    if bound != consumer_created:
        raise CheckpointsOfAnotherStream(
            f"WARDEN_POSTGRES_URL holds {graph} checkpoints of another event stream (its consumer was created "
            f"{bound}, this bus's {consumer_created}): run ids restart with a new stream, so those checkpoints "
            "would answer new events; use a fresh database, or the bus they came from")
