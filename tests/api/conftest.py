"""A real Warden (embedded bus, gate, tools, runtime with the scripted claims model) serving the staff API over
real HTTP on a free port, shared by the API tests of one module."""
from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import pytest

from agents.bus import connect
from api.server import start_api_server
from app.assembly import Warden
from graphs.claims.scripted import hostile_claims_script
from guardrails.directory import Directory
from serving.scripted import ScriptedModel
from warden.settings import Settings
from api_helpers import CLAIMS



@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory):
    """Warden + API on 127.0.0.1:<free port>; tokens for one user of each role; a publisher as `ingest`."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("api") / "warden", llm="scripted")
    directory = Directory(settings.path("users.db"))
    tokens = {role: directory.add_user(f"{role}-1", [role]) for role in ("adjuster", "staff", "operator", "admin")}
    tokens["adjuster2"] = directory.add_user("adjuster-2", ["adjuster"])
    async with Warden(settings, model=ScriptedModel(hostile_claims_script)) as warden:
        server = await start_api_server(warden, 0)
        ingest = await connect(warden.creds, "ingest")
        base = f"http://127.0.0.1:{server.port}"

        async def publish(claim_id: str, msg_id: str | None = None) -> None:
            await ingest.jetstream().publish("events.claims.submitted", json.dumps(CLAIMS[claim_id]).encode(),
                                             headers={"Nats-Msg-Id": msg_id or claim_id})

        def client(role: str | None = None) -> httpx.AsyncClient:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            return httpx.AsyncClient(base_url=base, headers=headers, timeout=10)

        try:
            yield SimpleNamespace(warden=warden, server=server, base=base, tokens=tokens, publish=publish,
                                  client=client, settings=settings)
        finally:
            await ingest.drain()
            await server.close()



@pytest.fixture(scope="module")
async def bare(tmp_path_factory: pytest.TempPathFactory):
    """The API alone over real stores in a temp folder (no bus): for protocol tests that need no runs."""
    from api.context import ApiContext
    from api.inbox import ApprovalInbox
    from api.journal import RunJournal
    from guardrails.approvals import ApprovalStore
    from guardrails.audit import AuditLog

    settings = Settings(data_dir=tmp_path_factory.mktemp("api-bare") / "warden", llm="scripted")
    directory = Directory(settings.path("users.db"))
    tokens = {role: directory.add_user(f"{role}-1", [role]) for role in ("adjuster", "staff", "operator", "admin")}
    approvals = ApprovalStore(settings.path("approvals.db"))
    journal = RunJournal(settings.path("api.db"))
    ctx = ApiContext(settings=settings, directory=directory, approvals=approvals, audit=AuditLog(settings.path("audit.db")),
                     journal=journal, inbox=ApprovalInbox(approvals, journal), roles=("gate",), sse_ping_s=1.0,
                     redact=lambda text: text)
    from api.tickets import ticket_service

    ctx.tickets = ticket_service(settings, ctx.redact)
    server = await start_api_server(SimpleNamespace(creds=None, settings=settings, model=None), 0, ctx=ctx)
    base = f"http://127.0.0.1:{server.port}"

    def client(role: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        return httpx.AsyncClient(base_url=base, headers=headers, timeout=10)

    try:
        yield SimpleNamespace(server=server, base=base, tokens=tokens, client=client, ctx=ctx, settings=settings)
    finally:
        await server.close()
