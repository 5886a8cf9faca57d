"""Metrics sources for `/metrics`, and a dependency-free health server (`warden up` serves the full staff API,
api/server.py, which reuses `metric_lines`)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

MetricSource = Callable[[], Iterable[str]]
_sources: list[MetricSource] = []


def register_metrics(source: MetricSource) -> Callable[[], None]:
    """Add a component's Prometheus text lines to `/metrics` (e.g. `Quarantine.metrics_lines`); returns an undo.

    Components do not import the HTTP layer: whoever wires them registers them here.
    """
    _sources.append(source)
    return lambda: _sources.remove(source) if source in _sources else None


def registered_metric_lines() -> list[str]:
    """Every registered source's lines; a failing source is logged and left out, never fails the scrape."""
    lines: list[str] = []
    for source in list(_sources):
        try:
            lines += [str(line) for line in source()]
        except Exception as exc:
            log.warning("metrics source %r failed: %s", source, exc)
    return lines


def metric_lines(warden: Any) -> list[str]:
    """The runtime's counters plus every registered source: what `/metrics` serves (here and in api/)."""
    runtime = getattr(warden, "runtime", None)
    host = runtime.host if runtime else None
    return [f"warden_live_actors {host.live_actors if host else 0}",
            f"warden_runs_total {len(host.outcomes) if host else 0}",
            f"warden_actor_restarts_total {host.supervisor.restarts if host else 0}",
            *(host.errors.metrics_lines() if host is not None and hasattr(host, "errors") else []),
            *registered_metric_lines()]


async def start_health_server(warden: Any, port: int, host: str = "127.0.0.1") -> asyncio.AbstractServer:
    """`/healthz` and `/metrics` on loopback, with no dependencies beyond asyncio."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = (await reader.readline()).decode(errors="replace")
        path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        if path == "/healthz":
            status, body, ctype = 200, json.dumps({"status": "ok", "roles": list(warden.roles)}), "application/json"
        elif path == "/metrics":
            status, body, ctype = 200, "\n".join(metric_lines(warden)) + "\n", "text/plain; version=0.0.4"
        else:
            status, body, ctype = 404, json.dumps({"error": f"no route {path}"}), "application/json"
        data = body.encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, host, port)
