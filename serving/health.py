"""The minimal HTTP surface of `warden up`: liveness and run counters (the full staff API comes later)."""
from __future__ import annotations

import asyncio
import json
from typing import Any


async def start_health_server(warden: Any, port: int) -> asyncio.AbstractServer:
    """`/healthz` and `/metrics` on loopback, with no dependencies beyond asyncio."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = (await reader.readline()).decode(errors="replace")
        path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        if path == "/healthz":
            status, body, ctype = 200, json.dumps({"status": "ok", "roles": list(warden.roles)}), "application/json"
        elif path == "/metrics":
            host = warden.runtime.host if warden.runtime else None
            lines = [f"warden_live_actors {host.live_actors if host else 0}",
                     f"warden_runs_total {len(host.outcomes) if host else 0}",
                     f"warden_actor_restarts_total {host.supervisor.restarts if host else 0}"]
            status, body, ctype = 200, "\n".join(lines) + "\n", "text/plain; version=0.0.4"
        else:
            status, body, ctype = 404, json.dumps({"error": f"no route {path}"}), "application/json"
        data = body.encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port)
