"""The fleet, as the README runs it by hand: one nats-server, one Postgres, the operator step, tools, two gates and
three runtimes, each `warden up --role X` its own process with its own credential and data folder, sharing
WARDEN_POSTGRES_URL. Keyed claim events interleaved over several claims are each handled in publish order
although three processes consume them; one runtime is killed with SIGKILL mid-batch and every claim still
completes; concurrent payments on one claim through both gates pay it once."""
from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import pytest

from agents.bus import connect
from agents.credentials import load_for
from agents.gate_client import NatsToolGateway
from agents.nats_server import NatsCredentials
from app.assembly import ingest_payload
from warden.keyed_subjects import keyed_subject
from bench.topology import clean_env, free_port, start_nats_server, stop_processes

ROOT = Path(__file__).resolve().parents[2]
WARDEN = ROOT / ".venv/bin/warden"
SAMPLES = {c["claim_id"]: c for c in (json.loads(line) for line in
                                      (ROOT / "graphs/claims/samples/claims.jsonl").read_text().splitlines() if line.strip())}
ROLES = ("tools", "gate", "gate", "runtime", "runtime", "runtime")
ACK_WAIT_S = "4"  # how soon a killed runtime's partitions are taken over (the operator step's setting)




@pytest.fixture
def fleet(tmp_path: Path, pg_url: str):
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    secrets = tmp_path / "secrets"
    init = subprocess.run([str(WARDEN), "init", "--out", str(secrets), "--url", url, "--store", str(tmp_path / "js")],
                          capture_output=True, text=True, timeout=120, env=clean_env(), cwd=ROOT)
    assert init.returncode == 0, init.stderr
    server = start_nats_server(secrets / "nats-server.conf", port)
    procs: list[tuple[str, subprocess.Popen, Path]] = []
    try:
        yield _start_fleet(tmp_path, url, secrets, pg_url, procs)
    finally:  # also when a process did not come up: nothing of the fleet outlives the test
        stop_processes([proc for _, proc, _ in procs])
        stop_processes([server], timeout_s=10)


def _start_fleet(tmp_path: Path, url: str, secrets: Path, pg_url: str,
                 procs: list[tuple[str, subprocess.Popen, Path]]) -> dict:
    common = {"NATS_URL": url, "WARDEN_POSTGRES_URL": pg_url}
    setup = subprocess.run([str(WARDEN), "up", "--role", "admin"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                           env=clean_env(**common, WARDEN_CREDENTIALS=str(secrets / "admin.json"), WARDEN_BUS_ACK_WAIT_S=ACK_WAIT_S,
                                    WARDEN_DATA_DIR=str(tmp_path / "data-admin")))
    assert setup.returncode == 0 and "streams and consumers created" in setup.stdout, setup.stderr
    for i, role in enumerate(ROLES):  # all at once, as an orchestrator would start them
        log = tmp_path / f"{role}-{i}.log"
        env = clean_env(**common, WARDEN_CREDENTIALS=str(secrets / f"{role}.json"), WARDEN_DATA_DIR=str(tmp_path / f"data-{role}-{i}"))
        proc = subprocess.Popen([str(WARDEN), "up", "--role", role, "--port", "0", "--llm", "scripted"],
                                stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        procs.append((role, proc, log))
    for role, proc, log in procs:
        for _ in range(1800):
            if "warden up:" in log.read_text():
                break
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.1)
        else:
            raise AssertionError(f"{role} did not come up: {log.read_text()[-2000:]}")
    return {"url": url, "secrets": secrets, "procs": procs, "pg_url": pg_url}


async def _wait(condition, what: str, steps: int = 1800) -> None:
    """Polls a condition on events already received; the bound only keeps a broken fleet from hanging the suite."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


async def test_three_runtimes_and_two_gates_keep_per_claim_order_limits_and_survive_a_kill(fleet) -> None:
    ingest = load_for(fleet["secrets"], "ingest")
    nc = await connect(NatsCredentials.from_roles(fleet["url"], [ingest]), "ingest")
    js = nc.jetstream()
    completed: list[dict] = []

    async def on_completed(msg) -> None:
        completed.append(json.loads(msg.data))

    await nc.subscribe("runs.completed", cb=on_completed)
    seal = ingest.secret("event_key")
    # (a) four claims, three events each, interleaved: A1 B1 C1 D1 A2 B2 ... on the keyed subject
    keys = {"CLM-F1": "CLM-1001", "CLM-F2": "CLM-1002", "CLM-F3": "CLM-1003", "CLM-F4": "CLM-1001"}
    published: dict[str, list[int]] = defaultdict(list)  # claim -> stream sequences in publish order
    for n in range(3):
        for key, sample in keys.items():
            body = ingest_payload({**SAMPLES[sample], "claim_id": key}, seal, ["claim_id"])
            ack = await js.publish(keyed_subject("events.claims.submitted", key), json.dumps(body).encode(),
                                   headers={"Nats-Msg-Id": f"{key}-{n}"})
            published[key].append(ack.seq)
    runs = {f"run-claims_triage-{seq}": key for key, seqs in published.items() for seq in seqs}

    def finished() -> set[str]:
        return {c["run_id"] for c in completed if c["run_id"] in runs and c["status"] in ("completed", "waiting", "skipped")}

    # (c) once the batch is under way, one runtime dies without a word; its partitions go to the other two
    await _wait(lambda: len(finished()) >= 3, "the first runs")
    victim = next(proc for role, proc, _ in fleet["procs"] if role == "runtime")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    await _wait(lambda: finished() == set(runs), "every run of the batch, after the kill")

    first_done: dict[str, list[str]] = defaultdict(list)
    for c in completed:
        if c["run_id"] in runs and c["run_id"] not in first_done[runs[c["run_id"]]]:
            first_done[runs[c["run_id"]]].append(c["run_id"])
    with psycopg.connect(fleet["pg_url"]) as conn:
        first_audit = dict(conn.execute("SELECT run_id, MIN(seq) FROM gate_audit GROUP BY run_id").fetchall())
    for key, seqs in published.items():
        in_order = [f"run-claims_triage-{seq}" for seq in seqs]
        assert first_done[key] == in_order, (key, first_done[key])  # finished in publish order
        started = sorted(in_order, key=lambda run: first_audit[run])  # the shared audit chain: first gate call
        assert started == in_order, (key, started)
    assert {c["decision"] for c in completed if c["run_id"] in runs} == {"paid"}

    # (b) a claim waiting for an adjuster; concurrent automatic payments for it through both gates pay it once
    body = ingest_payload({**SAMPLES["CLM-1005"], "claim_id": "CLM-F5"}, seal, ["claim_id"])
    ack = await js.publish(keyed_subject("events.claims.submitted", "CLM-F5"), json.dumps(body).encode())
    run_id = f"run-claims_triage-{ack.seq}"
    await _wait(lambda: any(c["run_id"] == run_id for c in completed), "CLM-F5's run")
    runtime = load_for(fleet["secrets"], "runtime")
    rt = await connect(NatsCredentials.from_roles(fleet["url"], [runtime]), "rt-claims_triage")
    gateway = NatsToolGateway(rt, "claims_triage", timeout_s=60)
    pay = {"claim_id": "CLM-F5", "amount": 900.0, "currency": "USD", "payee_account": SAMPLES["CLM-1005"]["payee_account_on_file"]}
    outcomes = await asyncio.gather(*(gateway.call("payments.issue", pay, run_id=run_id, graph="claims_triage", step=100 + i,
                                                   provenance={"claim_id": "system", "payee_account": "system", "amount": "model"})
                                      for i in range(16)))
    over = await gateway.call("payments.issue", {**pay, "amount": 30000.0}, run_id=run_id, graph="claims_triage", step=200,
                              provenance={"claim_id": "system", "payee_account": "system", "amount": "model"})
    await rt.close()
    await nc.close()
    statuses = [(o.result or {}).get("status", o.decision) for o in outcomes]
    assert statuses.count("paid") == 1 and set(statuses) == {"paid", "duplicate"}, statuses  # one payment, never two
    assert over.decision == "deny" and any("limit" in r for r in over.reasons), over.reasons
    with psycopg.connect(fleet["pg_url"]) as conn:
        (paid,) = conn.execute("SELECT COALESCE(SUM(amount_minor), 0) FROM gate_paid_minor WHERE claim_id = 'CLM-F5'").fetchone()
        (held,) = conn.execute("SELECT COUNT(*) FROM gate_held_minor").fetchone()
    assert paid == 90_000 and held == 0
