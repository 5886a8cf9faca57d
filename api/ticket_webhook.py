"""Verifying ticket deliveries in Zendesk's webhook shape: HMAC-SHA256 over timestamp + raw body, base64, in
`X-Zendesk-Webhook-Signature`, the timestamp in `X-Zendesk-Webhook-Signature-Timestamp`.

A delivery is refused when the signature does not verify (401), when its timestamp is outside the window (401:
an old, captured delivery), or when its event id was seen before (409: a replay). The signing secret lives at
`<data_dir>/secrets/ticket_webhook.key` (0600, created on first start); paste it into the help desk's webhook.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

SIGNATURE_HEADER = "x-zendesk-webhook-signature"
TIMESTAMP_HEADER = "x-zendesk-webhook-signature-timestamp"
WINDOW_S = 300.0


class BadSignature(PermissionError):
    """The delivery is not from the holder of the signing secret, or is too old to trust."""


class Replayed(ValueError):
    """This event id was delivered before."""


def load_secret(path: Path) -> bytes:
    """The signing secret, created (0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """What the help desk sends: base64(HMAC-SHA256(secret, timestamp + body))."""
    return base64.b64encode(hmac.new(secret, timestamp.encode() + body, hashlib.sha256).digest()).decode()


def _when(timestamp: str) -> float:
    """Zendesk sends an ISO-8601 time; unix seconds are accepted too."""
    if timestamp.replace(".", "", 1).isdigit():
        return float(timestamp)
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


class WebhookVerifier:
    """Signature, freshness and once-only delivery (event ids kept in SQLite for longer than the window)."""

    def __init__(self, secret: bytes, db_path: Path, *, window_s: float = WINDOW_S) -> None:
        self.secret = secret
        self.window_s = window_s
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS deliveries (event_id TEXT PRIMARY KEY, at REAL NOT NULL)")
        self._lock = threading.Lock()

    def verify(self, signature: str | None, timestamp: str | None, body: bytes, *, now: float | None = None) -> None:
        """BadSignature unless `signature` is the secret's over `timestamp + body` and the time is fresh."""
        if not signature or not timestamp or len(timestamp) > 64:
            raise BadSignature("missing webhook signature or timestamp")
        if not hmac.compare_digest(sign(self.secret, timestamp, body), signature.strip()):
            raise BadSignature("webhook signature does not verify")
        try:
            age = abs((now or time.time()) - _when(timestamp))
        except ValueError:
            raise BadSignature("webhook timestamp is not a time") from None
        if age > self.window_s:
            raise BadSignature("webhook timestamp is outside the accepted window")

    def first_delivery(self, event_id: str) -> None:
        """Record the event id; Replayed when it was delivered before (checked after the signature)."""
        with self._lock:
            self._db.execute("DELETE FROM deliveries WHERE at < ?", (time.time() - 30 * 86400,))
            cur = self._db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?)", (event_id, time.time()))
        if cur.rowcount != 1:
            raise Replayed("this delivery was received before")
