"""A three-node bus: `warden nats-config --cluster 3` writes the nodes' configs, three nats-servers run them on
loopback, the operator step keeps three copies of every stream, and tools, gate and runtime run as processes that
know every node. Killing the node that leads EVENTS in the middle of a batch of claims loses no claim, stops no
run and pays no claim twice."""
from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from agents.bus import connect, setup_bus
from agents.bus_users import EVENTS_STREAM, graph_consumer
from agents.credentials import load_for
from agents.nats_cluster import ROUTE_USER, ClusterNode, cluster_configs, seeds
from agents.nats_server import NatsCredentials, server_config
from app.assembly import ingest_payload
from bench.topology import clean_env, free_port, start_nats_server, stop_processes

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
WARDEN = ROOT / ".venv/bin/warden"
CLAIMS = [json.loads(l) for l in (ROOT / "graphs/claims/samples/claims.jsonl").read_text().splitlines() if l.strip()]
TRIGGER = "events.claims.submitted"
REPLICAS = 3




def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARDEN), *args], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


# -- the configs --------------------------------------------------------------------------------------------

def test_each_node_has_its_name_store_and_routes_to_the_others_with_the_single_servers_users() -> None:
    nodes = [ClusterNode(f"nats-{i}", "127.0.0.1", 4300 + i, 6300 + i) for i in (1, 2, 3)]
    passwords = {"admin": "a", "ingest": "i", "gate": "g", "tools": "t", "rt-claims_triage": "r"}
    graphs = {"claims_triage": TRIGGER}
    configs = {n: json.loads(c) for n, c in cluster_configs(nodes, bind="127.0.0.1", store=Path("/js"),
                                                             passwords=passwords, graphs=graphs,
                                                             route_secret="route-pw").items()}
    single = json.loads(server_config(listen="127.0.0.1:4222", store_dir="/js", passwords=passwords, graphs=graphs))

    def users(conf: dict) -> list:  # what each user may do; the bcrypt hashes differ by salt
        return [{k: v for k, v in u.items() if k != "password"} for u in conf["authorization"]["users"]]

    assert list(configs) == ["nats-1", "nats-2", "nats-3"]
    for node in nodes:
        conf = configs[node.name]
        assert conf["server_name"] == node.name and conf["listen"] == f"127.0.0.1:{node.client_port}"
        assert conf["jetstream"]["store_dir"] == f"/js/{node.name}"
        assert conf["cluster"]["name"] == "warden" and conf["cluster"]["listen"] == f"127.0.0.1:{node.route_port}"
        assert conf["cluster"]["authorization"] == {"user": ROUTE_USER, "password": "route-pw"}
        assert sorted(conf["cluster"]["routes"]) == [f"nats-route://{ROUTE_USER}:route-pw@127.0.0.1:{o.route_port}"
                                                     for o in nodes if o is not node]
        assert users(conf) == users(single)
        assert all(u["password"].startswith("$2a$") for u in conf["authorization"]["users"])
    assert seeds(nodes) == "nats://127.0.0.1:4301,nats://127.0.0.1:4302,nats://127.0.0.1:4303"


def test_nats_config_refuses_a_cluster_without_a_quorum_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["init", "--out", str(tmp_path / "s")]).exit_code == 0
    for args in (["--cluster", "2"], ["--cluster", "3", "--nodes", "h:1:2"], ["--nodes", "h:1:2,h:3:4,h:5:6"]):
        bad = runner.invoke(app, ["nats-config", "--credentials", str(tmp_path / "s"), "--out", str(tmp_path / "c"), *args])
        assert bad.exit_code == 2, bad.output
        assert len(bad.stderr.strip().splitlines()) == 1 and bad.stderr.startswith("warden: "), bad.stderr
    assert not (tmp_path / "c").exists()
    made = runner.invoke(app, ["nats-config", "--credentials", str(tmp_path / "s"), "--out", str(tmp_path / "c"),
                               "--cluster", "3"])
    assert made.exit_code == 0 and len(made.stdout.strip().splitlines()) == 1, made.output
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["nats-1.conf", "nats-2.conf", "nats-3.conf"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in [*(tmp_path / "c").iterdir(), tmp_path / "s" / "nats-cluster.json"])


def test_credentials_list_every_seed_with_the_users_login() -> None:
    creds = NatsCredentials("nats://h1:4222, nats://x:y@h2:4222,nats://h3:4222", {"gate": "pw"})
    assert creds.seeds == ["nats://h1:4222", "nats://h2:4222", "nats://h3:4222"]
    assert creds.login("gate") == ("gate", "pw") and "y" not in creds.display
    assert creds.url_for("gate") == "nats://gate:pw@h1:4222,nats://gate:pw@h2:4222,nats://gate:pw@h3:4222"


# -- three nodes, one killed mid-batch -----------------------------------------------------------------------

@pytest.fixture
def cluster(tmp_path: Path):
    nodes = [ClusterNode(f"nats-{i}", "127.0.0.1", free_port(), free_port()) for i in (1, 2, 3)]
    url = seeds(nodes)
    secrets = tmp_path / "secrets"
    assert _run("init", "--out", str(secrets), "--url", url, "--store", str(tmp_path / "single"), env=clean_env()).returncode == 0
    made = _run("nats-config", "--credentials", str(secrets), "--out", str(tmp_path / "cluster"), "--cluster", "3",
                "--listen", "127.0.0.1", "--store", str(tmp_path / "jetstream"),
                "--nodes", ",".join(f"{n.host}:{n.client_port}:{n.route_port}" for n in nodes), env=clean_env())
    assert made.returncode == 0 and f"NATS_URL={url}" in made.stdout, made.stderr
    servers: dict[str, subprocess.Popen] = {}
    procs: list[subprocess.Popen] = []
    try:
        for n in nodes:
            servers[n.name] = start_nats_server(tmp_path / "cluster" / f"{n.name}.conf", n.client_port,
                                                log=tmp_path / f"{n.name}.log")
        yield {"url": url, "nodes": nodes, "secrets": secrets, "tmp": tmp_path, "servers": servers, "procs": procs}
    finally:
        stop_processes(procs)
        for s in servers.values():
            if s.poll() is None:
                s.kill()
            s.wait(timeout=10)


def _start(cluster, role: str) -> subprocess.Popen:
    env = clean_env(NATS_URL=cluster["url"], WARDEN_CREDENTIALS=str(cluster["secrets"] / f"{role}.json"),
               WARDEN_DATA_DIR=str(cluster["tmp"] / f"data-{role}"))
    log_path = cluster["tmp"] / f"{role}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(WARDEN), "up", "--role", role, "--port", "0", "--llm", "scripted"], stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    cluster["procs"].append(proc)
    return proc


def _wait_up(cluster, role: str, proc: subprocess.Popen) -> None:
    log_path = cluster["tmp"] / f"{role}.log"
    for _ in range(900):
        if "warden up:" in log_path.read_text():
            return
        assert proc.poll() is None, log_path.read_text()[-2000:]
        time.sleep(0.1)
    raise AssertionError(f"{role} did not come up: {log_path.read_text()[-2000:]}")


async def _publish(js, claim: dict, key: bytes) -> None:
    """The event source's duty on a bus that may be electing a leader: retry until stored (the msg id dedupes)."""
    body = json.dumps(ingest_payload(claim, key, ["claim_id"])).encode()
    for _ in range(20):
        try:
            await js.publish(TRIGGER, body, headers={"Nats-Msg-Id": claim["claim_id"]}, timeout=2)
            return
        except Exception:
            await asyncio.sleep(0.5)
    raise AssertionError(f"{claim['claim_id']} could not be stored: EVENTS is unavailable")


async def test_killing_the_events_leader_mid_batch_loses_no_claim_and_pays_none_twice(cluster) -> None:
    operator = clean_env(NATS_URL=cluster["url"], WARDEN_CREDENTIALS=str(cluster["secrets"] / "admin.json"))
    earlier = _run("up", "--role", "admin", env=operator)  # as a single-copy deployment left the bus
    assert earlier.returncode == 0 and "(1 replica)" in earlier.stdout, earlier.stdout + earlier.stderr
    setup = _run("up", "--role", "admin", "--replicas", str(REPLICAS), env=operator)  # scales it up
    assert setup.returncode == 0 and f"({REPLICAS} replica" in setup.stdout, setup.stdout + setup.stderr
    started = {role: _start(cluster, role) for role in ("tools", "gate", "runtime")}  # they start side by side

    admin = await connect(NatsCredentials.from_roles(cluster["url"], [load_for(cluster["secrets"], "admin")]), "admin")
    js = admin.jetstream()
    info = await js.stream_info(EVENTS_STREAM)
    assert info.config.num_replicas == REPLICAS and len(info.cluster.replicas or []) == REPLICAS - 1
    consumer = await js.consumer_info(EVENTS_STREAM, graph_consumer("claims_triage"))
    for _ in range(40):  # a consumer keeps as many copies as its stream (num_replicas 0), a moment after it
        if len(consumer.cluster.replicas or []) == REPLICAS - 1:
            break
        await asyncio.sleep(0.25)
        consumer = await js.consumer_info(EVENTS_STREAM, graph_consumer("claims_triage"))
    assert len(consumer.cluster.replicas or []) == REPLICAS - 1
    assert await setup_bus(admin, {"claims_triage": TRIGGER}, replicas=1) == REPLICAS  # a re-run drops no copy
    leader = (await js.stream_info(EVENTS_STREAM)).cluster.leader
    survivors = [n for n in cluster["nodes"] if n.name != leader]
    await admin.close()
    for role, proc in started.items():
        _wait_up(cluster, role, proc)

    # The event source knows every node, as Warden's processes do; the watcher is the test's own eyes, on the
    # nodes that stay up, so what it sees is what Warden did and not what the kill did to the test.
    ingest = load_for(cluster["secrets"], "ingest")
    source = await connect(NatsCredentials.from_roles(cluster["url"], [ingest]), "ingest")
    watcher = await connect(NatsCredentials.from_roles(seeds(survivors), [ingest]), "ingest")
    outcomes: dict[str, list[dict]] = {}

    async def on_completed(msg) -> None:
        data = json.loads(msg.data)
        outcomes.setdefault(data["key"], []).append(data)

    await watcher.subscribe("runs.completed", cb=on_completed)
    await watcher.flush()
    js = source.jetstream()
    key = ingest.secret("event_key")
    first, rest = CLAIMS[:12], CLAIMS[12:]
    for claim in first:
        await _publish(js, claim, key)
    for _ in range(600):  # mid-batch: some runs are done, the others are queued or in flight
        if len(outcomes) >= 3:
            break
        await asyncio.sleep(0.1)
    assert len(outcomes) >= 3, f"no run finished before the kill: {sorted(outcomes)}"
    cluster["servers"][leader].send_signal(signal.SIGKILL)
    cluster["servers"][leader].wait(timeout=10)
    killed_at = len(outcomes)
    for claim in rest:
        await _publish(js, claim, key)

    wanted = {c["claim_id"] for c in CLAIMS}
    for _ in range(1200):
        if wanted <= set(outcomes):
            break
        await asyncio.sleep(0.1)
    await source.close()
    await watcher.close()
    assert wanted - set(outcomes) == set(), f"runs without an outcome after the kill ({killed_at} done before it)"
    final = {k: v[-1] for k, v in outcomes.items()}
    assert {k for k, v in final.items() if v["status"] not in ("completed", "waiting")} == set(), final
    assert all(proc.poll() is None for proc in cluster["procs"]), "a Warden process died with the node"

    with sqlite3.connect(cluster["tmp"] / "data-tools" / "payments.db") as db:
        paid = db.execute("SELECT claim_id, COUNT(*) FROM payments GROUP BY claim_id").fetchall()
    assert [c for c, n in paid if n > 1] == [], "a claim was paid twice"
    assert {c for c, _ in paid} == {k for k, v in final.items() if v["decision"] == "paid"}
    auto_pay = {c["claim_id"] for c in CLAIMS if c["_expect"] == "auto_pay"}
    unpaid = {k: (final[k]["decision"], final[k].get("detail")) for k in auto_pay if final[k]["decision"] != "paid"}
    assert unpaid == {}, f"auto-pay claims not paid ({killed_at} runs done before the kill): {unpaid}"


def test_compose_cluster_file_runs_the_nodes_nats_config_writes_and_points_every_process_at_them() -> None:
    import yaml

    from agents.nats_cluster import default_nodes

    class Tolerant(yaml.SafeLoader):  # compose's `!override` tag is a merge instruction, not data
        pass

    Tolerant.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_mapping(node))
    base = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    cluster = yaml.load((ROOT / "compose.cluster.yaml").read_text(), Loader=Tolerant)["services"]
    nodes = default_nodes(3)
    for node in nodes:
        assert f"./deploy/nats/cluster/{node.name}.conf:/etc/nats/nats.conf:ro" in cluster[node.name]["volumes"]
    connecting = {name for name, svc in base.items() if "warden" in str(svc.get("command", "")) and name.startswith("warden")}
    assert connecting == {"warden-bus-setup", "warden-tools", "warden-gate", "warden-runtime"}
    assert all(cluster[name]["environment"]["NATS_URL"] == seeds(nodes) for name in connecting)
    assert cluster["warden-bus-setup"]["environment"]["WARDEN_NATS_REPLICAS"] == "3"
    assert set(cluster["warden-bus-setup"]["depends_on"]) == {n.name for n in nodes}
    assert cluster["nats"]["profiles"] == ["single-node"]  # the single server does not start beside them

