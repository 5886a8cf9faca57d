"""notifications.send: customer messages land in the outbox, staff messages in the staff queue, each announced once."""
from __future__ import annotations

import asyncio
import json

import pytest

from agents.bus import connect
from tools.client import call_tool

EMAIL = {"channel": "email", "to": "pat@example.com", "subject": "Your claim", "body": "Your claim was approved."}
STAFF = {"channel": "staff", "to": "adjusters", "subject": "Review", "body": "CLM-1001 needs a look."}


@pytest.fixture
async def runtime_nc(nats_creds):
    nc = await connect(nats_creds, "admin")  # the delivery side of notifications.> (no component user reads it)
    yield nc
    await nc.close()


async def listen(nc, subject: str) -> tuple[asyncio.Queue, object]:
    inbox: asyncio.Queue = asyncio.Queue()

    async def on_msg(msg) -> None:
        await inbox.put((msg.subject, json.loads(msg.data)))

    sub = await nc.subscribe(subject, cb=on_msg)
    await nc.flush()
    return inbox, sub


@pytest.fixture
def send(signer):
    """Send as the gate does: a signed call."""
    async def send(nc, args: dict, key: str) -> dict:
        return await call_tool(nc, "notifications.send", args, idempotency_key=key, run_id="run-7", timeout_s=5,
                               signer=signer)

    return send


async def test_email_goes_to_the_outbox_and_is_published(tool_services, send, gate_nc, runtime_nc, settings, db_rows) -> None:
    inbox, sub = await listen(runtime_nc, "notifications.>")
    result = await send(gate_nc, EMAIL, "n-1")
    subject, message = await asyncio.wait_for(inbox.get(), 5)
    await sub.unsubscribe()

    assert result["status"] == "queued"
    assert subject == "notifications.outbox"
    assert message["message_id"] == result["message_id"] and message["to"] == "pat@example.com"
    assert message["run_id"] == "run-7"
    [row] = db_rows(settings.data_dir / "notifications.db", "SELECT * FROM outbox")
    assert row["message_id"] == result["message_id"] and row["published_at"] is not None
    assert db_rows(settings.data_dir / "notifications.db", "SELECT * FROM staff_queue") == []


async def test_staff_channel_goes_to_the_staff_queue(tool_services, send, gate_nc, runtime_nc, settings, db_rows) -> None:
    inbox, sub = await listen(runtime_nc, "notifications.>")
    result = await send(gate_nc, STAFF, "n-staff")
    subject, message = await asyncio.wait_for(inbox.get(), 5)
    await sub.unsubscribe()

    assert subject == "notifications.staff" and message["body"] == STAFF["body"]
    [row] = db_rows(settings.data_dir / "notifications.db", "SELECT * FROM staff_queue")
    assert row["message_id"] == result["message_id"]
    assert db_rows(settings.data_dir / "notifications.db", "SELECT * FROM outbox") == []


async def test_a_repeated_key_queues_and_publishes_once(tool_services, send, gate_nc, runtime_nc, settings, db_rows) -> None:
    inbox, sub = await listen(runtime_nc, "notifications.outbox")
    first = await send(gate_nc, EMAIL, "n-dup")
    second = await send(gate_nc, EMAIL, "n-dup")
    await asyncio.wait_for(inbox.get(), 5)
    await runtime_nc.flush()
    await asyncio.sleep(0.1)
    await sub.unsubscribe()

    assert second == {"message_id": first["message_id"], "status": "duplicate"}
    assert inbox.empty()
    assert len(db_rows(settings.data_dir / "notifications.db", "SELECT * FROM outbox")) == 1


async def test_recipient_subject_and_body_are_sealed_at_rest_and_published_in_clear(tools_nc, runtime_nc, settings,
                                                                                    db_rows) -> None:
    from guardrails.pii_scan import KnownValue, scan
    from tools.notifications import Notifier
    from tools.schemas import NotificationArgs
    from tools.service import CallContext

    inbox, sub = await listen(runtime_nc, "notifications.outbox")
    notifier = Notifier(tools_nc, settings)
    try:
        await notifier.send(NotificationArgs(**EMAIL), CallContext("notifications.send", "n-seal", "run-7"))
        _, message = await asyncio.wait_for(inbox.get(), 5)
    finally:
        notifier.close()
        await sub.unsubscribe()
    assert (message["to"], message["subject"], message["body"]) == (EMAIL["to"], EMAIL["subject"], EMAIL["body"])
    [row] = db_rows(settings.data_dir / "notifications.db", "SELECT * FROM outbox")
    assert all(row[c].startswith("enc1:") for c in ("recipient", "subject", "body")) and row["published_at"]
    assert scan(settings.data_dir, [KnownValue("EMAIL_ADDRESS", EMAIL["to"])]).findings == []
