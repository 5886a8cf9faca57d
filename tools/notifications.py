"""`notifications.send`: queues a message in the outbox (SQLite, or Postgres) and announces it on the bus, once per
idempotency key.

Customer channels (email, sms, webhook) go to the `outbox` table and `notifications.outbox`, where a
delivery worker picks them up; the `staff` channel goes to the `staff_queue` table and
`notifications.staff`, which the staff console reads. The row is committed before it is published and
marked published afterwards, so a retry after a crash in between publishes it then. Recipient, subject and
body are stored sealed under the tools key (tools/at_rest.py) and opened only to publish.
"""
from __future__ import annotations

import json
import time
import uuid

from nats.aio.client import Client

from warden.settings import Settings
from tools.at_rest import ColumnCipher
from tools.ledger import LedgerConnection, open_ledger
from tools.schemas import NotificationArgs, NotificationResult
from tools.gate_proof import GateVerifier
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "notifications.send"
DB_NAME = "notifications.db"
OUTBOX_SUBJECT = "notifications.outbox"
STAFF_SUBJECT = "notifications.staff"

_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    message_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,  -- recipient, subject, body: enc1:<Fernet token> under tools.key
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    run_id TEXT,
    created_at REAL NOT NULL,
    published_at REAL
);
"""
SCHEMA = _TABLE_DDL.format(table="outbox") + _TABLE_DDL.format(table="staff_queue")
_SEALED = ("recipient", "subject", "body")


def route(channel: str) -> tuple[str, str]:
    """(table, subject) for a channel: staff messages never enter the customer outbox."""
    return ("staff_queue", STAFF_SUBJECT) if channel == "staff" else ("outbox", OUTBOX_SUBJECT)


class Notifier:
    """The outbox and staff queue, and their announcements on the bus."""

    def __init__(self, nc: Client, settings: Settings) -> None:
        self.nc = nc
        self.cipher = ColumnCipher.from_settings(settings)
        self.store = open_ledger(settings, DB_NAME, SCHEMA, self.cipher)
        for table in ("outbox", "staff_queue"):
            self.store.seal_columns(table, "message_id", _SEALED)

    async def send(self, args: NotificationArgs, ctx: CallContext) -> NotificationResult:
        table, subject = route(args.channel)

        def enqueue(conn: LedgerConnection) -> dict:
            message_id = f"MSG-{uuid.uuid4().hex[:16].upper()}"
            conn.execute(f"INSERT INTO {table} (message_id, idempotency_key, channel, recipient, subject, body, run_id, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (message_id, ctx.idempotency_key, args.channel, *map(self.cipher.seal, (args.to, args.subject,
                          args.body)), ctx.run_id, time.time()))
            return {"message_id": message_id, "status": "queued"}

        result, duplicate = await self.store.once(ctx, args, enqueue)
        await self._publish_if_pending(table, subject, result["message_id"])
        return NotificationResult(message_id=result["message_id"], status="duplicate" if duplicate else "queued")

    async def _publish_if_pending(self, table: str, subject: str, message_id: str) -> None:
        row = await self.store.read(lambda c: c.execute(f"SELECT * FROM {table} WHERE message_id = ?",
                                                        (message_id,)).fetchone())
        if row is None or row["published_at"] is not None:
            return
        to, subject_line, body = (self.cipher.open(row[c]) for c in _SEALED)
        payload = {"message_id": row["message_id"], "channel": row["channel"], "to": to,
                   "subject": subject_line, "body": body, "run_id": row["run_id"],
                   "created_at": row["created_at"]}
        # Nats-Msg-Id lets a JetStream stream on notifications.> drop a re-publish of the same message.
        await self.nc.publish(subject, json.dumps(payload).encode(), headers={"Nats-Msg-Id": message_id})
        await self.store.read(lambda c: c.execute(f"UPDATE {table} SET published_at = ? WHERE message_id = ?",
                                                  (time.time(), message_id)))

    def close(self) -> None:
        self.store.close()


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `notifications` micro service (not yet started)."""
    notifier = Notifier(nc, settings)
    return ToolService(nc, "notifications", [ToolSpec(TOOL, NotificationArgs, notifier.send, effectful=True)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s,
                       description="Customer outbox and staff queue", on_stop=notifier.close)
