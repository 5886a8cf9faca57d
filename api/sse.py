"""Server-Sent Events framing, and where a reconnecting client says it left off."""
from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from api.errors import ApiError

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
EVENT_SCHEMA = {"type": "object", "required": ["data"],
                "properties": {"id": {"type": "string", "description": "sequence number: send it back as Last-Event-ID"},
                               "event": {"type": "string"}, "data": {"type": "string", "description": "JSON"},
                               "retry": {"type": "integer"}}}
SSE_RESPONSE = {200: {"content": {"text/event-stream": {"itemSchema": EVENT_SCHEMA}},
                      "description": "an event stream (each item: id, event, data as JSON)"}}


def frame(event: str, data: Any, event_id: int | str | None = None) -> bytes:
    """One SSE message; `data` is sent as one line of JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, default=str, separators=(',', ':'))}\n\n".encode()


PING = b": ping\n\n"


def resume_point(request: Request, query_value: int | None) -> int:
    """The last event the client saw: the `Last-Event-ID` header (what EventSource sends on reconnect), else
    the `last_event_id` query parameter, else 0 (from the start)."""
    header = request.headers.get("last-event-id")
    if header is not None and header.strip():
        if not header.strip().isdigit() or len(header.strip()) > 18:
            raise ApiError(422, "invalid header.Last-Event-ID: must be a non-negative integer")
        return int(header.strip())
    return query_value or 0
