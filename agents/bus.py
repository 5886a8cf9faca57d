"""Connecting a component to the bus, and the JetStream streams Warden relies on."""
from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from agents.nats_server import NatsCredentials

log = logging.getLogger(__name__)

EVENTS_STREAM = "EVENTS"
AUDIT_STREAM = "AUDIT"
DUPLICATE_WINDOW_S = 120.0


async def connect(creds: NatsCredentials, role: str, *, name: str | None = None) -> Client:
    """A connection as `role`; permission violations are logged, never silent."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats error for %s: %s", role, exc)

    return await nats.connect(creds.url_for(role), name=name or f"warden-{role}", error_cb=on_error,
                              max_reconnect_attempts=-1, reconnect_time_wait=0.5)


async def ensure_streams(nc: Client) -> None:
    """Create (or update) the EVENTS and AUDIT streams. Needs the admin role."""
    js = nc.jetstream()
    await _upsert(js, StreamConfig(name=EVENTS_STREAM, subjects=["events.>"], retention=RetentionPolicy.LIMITS,
                                   storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW_S,
                                   max_age=7 * 24 * 3600.0, discard=DiscardPolicy.OLD))
    await _upsert(js, StreamConfig(name=AUDIT_STREAM, subjects=["audit.>"], retention=RetentionPolicy.LIMITS,
                                   storage=StorageType.FILE, max_age=365 * 24 * 3600.0))


async def _upsert(js, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except Exception:  # exists with a different config: update in place
        await js.update_stream(config)
