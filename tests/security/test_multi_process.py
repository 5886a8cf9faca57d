"""The documented multi-process topology, as the README runs it: `warden init`, an external nats-server on the
generated config, the operator step, then tools, gate and runtime as three processes, each holding only its own
credential file and its own data folder. Claims flow through it; nothing of the gate lives on the runtime's side."""
from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from app.assembly import ingest_payload
from agents.bus import connect
from agents.credentials import load_for
from agents.nats_server import NatsCredentials
from bench.topology import clean_env, free_port, start_nats_server, stop_processes

ROOT = Path(__file__).resolve().parents[2]
WARDEN = ROOT / ".venv/bin/warden"
CLAIMS = [json.loads(l) for l in (ROOT / "graphs/claims/samples/claims.jsonl").read_text().splitlines() if l.strip()]




def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARDEN), *args], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


@pytest.fixture
def topology(tmp_path: Path):
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    secrets = tmp_path / "secrets"
    # as the README runs it: no --listen, the server listens where --url points
    init = _run("init", "--out", str(secrets), "--url", url, "--store", str(tmp_path / "jetstream"), env=clean_env())
    assert init.returncode == 0, init.stderr
    server = start_nats_server(secrets / "nats-server.conf", port)
    procs: list[subprocess.Popen] = []
    yield {"url": url, "secrets": secrets, "tmp": tmp_path, "procs": procs, "server": server}
    stop_processes(procs, timeout_s=15)
    stop_processes([server], timeout_s=10)


def _start(topology, role: str) -> subprocess.Popen:
    data = topology["tmp"] / f"data-{role}"
    env = clean_env(NATS_URL=topology["url"], WARDEN_CREDENTIALS=str(topology["secrets"] / f"{role}.json"),
               WARDEN_DATA_DIR=str(data))
    log = open(topology["tmp"] / f"{role}.log", "w")
    proc = subprocess.Popen([str(WARDEN), "up", "--role", role, "--port", "0", "--llm", "scripted"], stdout=log,
                            stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    topology["procs"].append(proc)
    for _ in range(600):
        if "warden up:" in (topology["tmp"] / f"{role}.log").read_text():
            return proc
        assert proc.poll() is None, (topology["tmp"] / f"{role}.log").read_text()
        time.sleep(0.1)
    raise AssertionError(f"{role} did not come up")


async def test_three_processes_with_their_own_credentials_run_claims(topology) -> None:
    setup = _run("up", "--role", "admin", env=clean_env(NATS_URL=topology["url"],
                                                    WARDEN_CREDENTIALS=str(topology["secrets"] / "admin.json")))
    assert setup.returncode == 0 and "streams and consumers created" in setup.stdout, setup.stderr
    for role in ("tools", "gate", "runtime"):
        _start(topology, role)
    ingest = load_for(topology["secrets"], "ingest")
    nc = await connect(NatsCredentials.from_roles(topology["url"], [ingest]), "ingest")
    done: dict[str, dict] = {}

    async def on_completed(msg) -> None:
        data = json.loads(msg.data)
        if data["status"] in ("completed", "waiting"):
            done[data["key"]] = data

    await nc.subscribe("runs.completed", cb=on_completed)
    claims = [c for c in CLAIMS if c["claim_id"] in ("CLM-1001", "CLM-1005", "CLM-1009")]
    for claim in claims:
        body = ingest_payload(claim, ingest.secret("event_key"), ["claim_id"])
        await nc.jetstream().publish("events.claims.submitted", json.dumps(body).encode(),
                                     headers={"Nats-Msg-Id": claim["claim_id"]})
    for _ in range(600):
        if len(done) == len(claims):
            break
        await asyncio.sleep(0.1)
    await nc.close()
    assert {k: v["decision"] for k, v in done.items()} == {"CLM-1001": "paid", "CLM-1005": "awaiting_approval",
                                                             "CLM-1009": "rejected"}
    runtime_files = {p.name for p in (topology["tmp"] / "data-runtime").rglob("*") if p.is_file()}
    assert not runtime_files & {"vault.sqlite3", "vault.key", "gate.db", "approvals.db", "audit.db", "users.db"}
    assert (topology["tmp"] / "data-gate" / "vault.sqlite3").exists()
    runtime = topology["procs"][-1]
    runtime.send_signal(signal.SIGTERM)
    assert runtime.wait(timeout=20) == 0


def test_a_role_without_its_credential_fails_at_start_with_one_line(topology) -> None:
    missing = _run("up", "--role", "runtime", "--port", "0", env=clean_env(NATS_URL=topology["url"]))
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    assert "run `warden init`" in missing.stderr
    wrong = _run("up", "--role", "runtime", "--port", "0",
                 env=clean_env(NATS_URL=topology["url"], WARDEN_CREDENTIALS=str(topology["secrets"] / "tools.json")))
    assert wrong.returncode == 1 and "holds the tools credential, not runtime" in wrong.stderr


def test_the_runtime_stops_on_sigterm_while_it_cannot_reach_the_bus(topology, tmp_path: Path) -> None:
    env = clean_env(NATS_URL=f"nats://127.0.0.1:{free_port()}", WARDEN_CREDENTIALS=str(topology["secrets"] / "runtime.json"),
               WARDEN_DATA_DIR=str(tmp_path / "rt"))
    proc = subprocess.Popen([str(WARDEN), "up", "--role", "runtime", "--port", "0", "--llm", "scripted"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        out, err = proc.communicate(timeout=8)  # an unreachable bus is one line and exit 1, not a retry loop
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # still trying: SIGTERM must end it
        out, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 1, -signal.SIGTERM) and "Traceback" not in err, err


def test_a_component_whose_bus_died_stops_cleanly_on_sigterm(topology) -> None:
    """The bus went away first (a node restart, an outage): SIGTERM still stops the component promptly, exit 0, with
    one line saying what it could not drain, and no traceback. Unacknowledged events are redelivered by the stream.
    The runtime: one connection per graph, and its consumers (tools and gate release theirs the same way)."""
    role = "runtime"
    setup = _run("up", "--role", "admin", env=clean_env(NATS_URL=topology["url"],
                                                    WARDEN_CREDENTIALS=str(topology["secrets"] / "admin.json")))
    assert setup.returncode == 0, setup.stderr
    proc = _start(topology, role)
    server = topology["server"]
    server.terminate()
    server.wait(timeout=10)
    time.sleep(1.0)  # the component notices and starts reconnecting
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    log = (topology["tmp"] / f"{role}.log").read_text()
    # `warden: up failed: ...` is the CLI's one line for a crash; "lead_followup failed" in a fetch line is not one
    assert "Traceback" not in log and "warden: up failed" not in log, log
    assert "warden: stopped" in log, log
