"""A real Warden (embedded nats-server, tools, gate, runtime; scripted model) with WARDEN_POSTGRES_URL set runs
CLM-1001 to "paid": the gate's totals, vault tokens and audit trail, the run's checkpoints and the tools' ledgers
are in Postgres, and no SQLite file holds them."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet

from agents.bus import connect
from app.assembly import StartupError, Warden, ingest_payload
from app.checkpoints import open_checkpointer
from graphs.claims.scripted import hostile_claims_script
from guardrails.stores_pg import PostgresUnavailable, connect_pool, open_audit
from serving.scripted import ScriptedModel
from tools.payments import ledger_rows
from warden.settings import Settings

SAMPLES = Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl"
CLAIMS = {c["claim_id"]: c for c in (json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip())}


async def run_claim(warden: Warden, claim: dict) -> dict:
    """Publish one claim as the event source does (sealed) and wait for its run to settle."""
    nc = await connect(warden.creds, "ingest")
    settled: asyncio.Future = asyncio.get_running_loop().create_future()

    async def on_completed(msg) -> None:
        data = json.loads(msg.data)
        if data["key"] == claim["claim_id"] and data["status"] in ("completed", "waiting") and not settled.done():
            settled.set_result(data)

    await nc.subscribe("runs.completed", cb=on_completed)
    key = warden.role_creds["ingest"].secret("event_key")
    await nc.jetstream().publish("events.claims.submitted", json.dumps(ingest_payload(claim, key, ["claim_id"])).encode(),
                                 headers={"Nats-Msg-Id": f"{claim['claim_id']}-pg"})
    try:
        return await asyncio.wait_for(settled, timeout=60)
    finally:
        await nc.close()


async def test_a_claim_is_paid_with_gate_state_and_checkpoints_in_postgres(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted", postgres_url=pg_url)
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        outcome = await run_claim(warden, CLAIMS["CLM-1001"])
    assert outcome["decision"] == "paid", outcome
    with psycopg.connect(pg_url) as conn:
        (paid,) = conn.execute("SELECT COALESCE(SUM(amount_minor), 0) FROM gate_paid_minor WHERE claim_id = 'CLM-1001'").fetchone()
        (held,) = conn.execute("SELECT COUNT(*) FROM gate_held_minor").fetchone()
        (band,) = conn.execute("SELECT band FROM gate_fraud WHERE claim_id = 'CLM-1001'").fetchone()
        (checkpoints,) = conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = %s", (outcome["run_id"],)).fetchone()
        (tokens,) = conn.execute("SELECT COUNT(*) FROM gate_vault_tokens WHERE run_id = %s", (outcome["run_id"],)).fetchone()
        decided = [row[0] for row in conn.execute("SELECT body::jsonb->>'decision' FROM gate_audit WHERE run_id = %s",
                                                  (outcome["run_id"],))]
    assert paid > 0 and held == 0 and band == "low"
    assert checkpoints > 0 and tokens > 0  # the claimant's PII became tokens the gate resolves from Postgres
    assert decided and set(decided) == {"allow"}  # every call of the run audited in the shared chain
    trail = open_audit(settings)
    assert trail.verify() >= len(decided)
    trail.pool.close()
    [payment] = ledger_rows(settings)  # read from tools_payments.payments, the payee opened with the tools key
    assert (payment["claim_id"], payment["payee_account"]) == ("CLM-1001", CLAIMS["CLM-1001"]["payee_account_on_file"])
    assert payment["amount"] == paid / 100
    sqlite_files = ("gate.db", "approvals.db", "audit.db", "checkpoints.db", "vault.sqlite3", "payments.db",
                    "notifications.db", "tickets.db")
    assert not [p.name for p in settings.data_dir.iterdir() if p.name in sqlite_files]


async def test_a_database_serves_the_event_stream_its_checkpoints_came_from(tmp_path: Path, pg_url: str) -> None:
    """Run ids are stream sequence numbers: a new bus (a fresh data folder) must not reuse a database whose
    checkpoints would answer its events; the same bus restarted may."""
    tools_key = Fernet.generate_key().decode()  # one tools key for both folders: the ledgers' key check passes
    first = Settings(data_dir=tmp_path / "one", llm="scripted", postgres_url=pg_url, tools_key=tools_key)
    async with Warden(first, model=ScriptedModel(hostile_claims_script)):  # binds the database to this stream
        pass
    async with Warden(first, model=ScriptedModel(hostile_claims_script), roles=("runtime",)):  # restarted: same stream
        pass
    fresh = Settings(data_dir=tmp_path / "two", llm="scripted", postgres_url=pg_url, tools_key=tools_key)
    with pytest.raises(StartupError, match="checkpoints of another event stream"):
        async with Warden(fresh, model=ScriptedModel(hostile_claims_script)):
            pass


async def test_an_unreachable_or_malformed_url_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PostgresUnavailable, match=r"cannot reach Postgres at 127\.0\.0\.1:1/warden: .*refused") as caught:
        connect_pool("postgresql://warden:s3cret@127.0.0.1:1/warden")
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(PostgresUnavailable, match="not a valid Postgres URL"):
        connect_pool("postgresql://warden@host/db?nonsense_option=1")
    settings = Settings(data_dir=tmp_path, postgres_url="postgresql://warden:s3cret@127.0.0.1:1/warden")
    assert "s3cret" not in repr(settings)  # the URL holds a password: settings keep it secret
    with pytest.raises(PostgresUnavailable, match="cannot reach"):
        async with open_checkpointer(settings):
            pass
