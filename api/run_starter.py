"""Starting a run from the API: the event is published on its graph's trigger subject as the `ingest` user (the
only one allowed to), sealed at rest exactly as the ingest edge seals it, and named by its content so a repeat
is dropped by the stream. The run id follows from the stored event's sequence, as the runtime derives it."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from graphs.spec import GraphPackage
from warden.trace_context import publishing


class StartRefused(ValueError):
    """The event cannot start a run (unknown graph, missing key)."""


class RunStarter:
    def __init__(self, js: Any, packages: dict[str, GraphPackage], event_key: bytes | None) -> None:
        self.js = js
        self.packages = packages
        self.event_key = event_key

    async def start(self, graph: str, event: dict[str, Any]) -> dict[str, Any]:
        """Publish `event` for `graph`; returns the run id, subject and whether the stream had it already."""
        package = self.packages.get(graph)
        if package is None:
            raise StartRefused(f"no graph {graph!r} runs here (registered: {', '.join(sorted(self.packages))})")
        key = event.get(package.key_field)
        if not isinstance(key, str) or not key or len(key) > 200:
            raise StartRefused(f"the event needs its key field {package.key_field!r} (a string)")
        digest = hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()[:12]
        body = event
        if self.event_key:
            from guardrails.event_seal import seal_event

            body = seal_event(event, self.event_key, [package.key_field, *package.clear_fields])
        with publishing(package.trigger, {"Nats-Msg-Id": f"{key}:{digest}"}) as headers:  # the run's trace starts here
            ack = await self.js.publish(package.trigger, json.dumps(body).encode(), headers=headers)
        return {"run_id": f"run-{graph}-{ack.seq}", "graph": graph, "key": key, "subject": package.trigger,
                "duplicate": bool(getattr(ack, "duplicate", False))}
