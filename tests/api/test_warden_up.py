"""The staff API as a newcomer meets it: `warden users add` prints a token, `warden up` serves the API on --port,
an operator posts a claim, the adjuster approves its payment over HTTP, the run finishes; SIGTERM stops it."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from api_helpers import CLAIMS, eventually

WARDEN = str(Path(sys.executable).parent / "warden")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_warden_up_serves_the_api_and_an_approval_over_http_finishes_a_run(tmp_path: Path) -> None:
    env = {**os.environ, "WARDEN_DATA_DIR": str(tmp_path / "data")}
    token = {name: subprocess.run([WARDEN, "users", "add", name, "--role", role], env=env, cwd=tmp_path, check=True,
                                  capture_output=True, text=True).stdout.strip()
             for name, role in (("ann", "adjuster"), ("olga", "operator"))}
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(WARDEN, "up", "--llm", "scripted", "--port", str(port), env=env,
                                                cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            async def up():
                try:
                    return (await c.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, timeout_s=90, every_s=0.3)
            assert (await c.get("/v1/approvals")).status_code == 401
            ann = {"Authorization": f"Bearer {token['ann']}"}
            olga = {"Authorization": f"Bearer {token['olga']}"}
            started = await c.post("/v1/runs", json={"graph": "claims_triage", "event": CLAIMS["CLM-1005"]}, headers=olga)
            assert started.status_code == 202, started.text

            async def pending():
                return [a for a in (await c.get("/v1/approvals", headers=ann)).json()["approvals"]
                        if a["run_id"] == started.json()["run_id"]]

            (approval,) = await eventually(pending, timeout_s=60)
            decided = await c.post(f"/v1/approvals/{approval['id']}", json={"decision": "approve"}, headers=ann)
            assert decided.status_code == 200 and decided.json()["run_resumed"] is True

            async def finished():
                run = (await c.get(f"/v1/runs/{approval['run_id']}", headers=ann)).json()
                return run if run.get("status") == "completed" else None

            assert (await eventually(finished, timeout_s=60))["decision"] == "paid"
            assert (await c.get("/")).text.startswith("<!doctype html>")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert f"http=127.0.0.1:{port}" in text and "warden: stopped" in text
    scan = subprocess.run([WARDEN, "pii", "scan", str(tmp_path / "data")], env=env, cwd=tmp_path, capture_output=True,
                          text=True)
    mine = [line for line in scan.stdout.splitlines() if line.startswith(("api.db", "helpdesk.db"))]
    assert mine == []  # the API's own stores (run journal, help desk) hold no raw PII
