"""The configuration of a clustered bus: N nats-servers that route to each other, with JetStream replicated.

Each node's file is the single server's configuration (agents/nats_server.server_config: the same users, hashes
and permissions, never a second permission table) plus its name, its own store and a `cluster` block naming the
other nodes' routes. The routes authenticate with a generated route user, kept 0600 beside the role credentials,
so a process that can reach the route port but holds no route password cannot join the cluster.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from agents.credentials import secure_dir
from agents.nats_server import hash_password, server_config

CLUSTER_NAME = "warden"
ROUTE_USER = "route"
ROUTE_SECRET_FILE = "nats-cluster.json"
MIN_NODES, MAX_NODES = 3, 7
_HOST_PORTS = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+):(?P<client>\d{1,5}):(?P<route>\d{1,5})$")


class ClusterConfigError(ValueError):
    """A cluster that cannot be written as asked (its size, its nodes); the message says what to change."""


@dataclass(frozen=True)
class ClusterNode:
    """One node: its server name, where clients and the other nodes reach it."""

    name: str
    host: str
    client_port: int
    route_port: int

    @property
    def url(self) -> str:
        """The client URL of this node, one seed of NATS_URL."""
        return f"nats://{self.host}:{self.client_port}"


def check_size(size: int) -> int:
    """An odd number of nodes from 3 to 7: a JetStream quorum then survives (size - 1) / 2 lost nodes."""
    if size < MIN_NODES or size > MAX_NODES or size % 2 == 0:
        raise ClusterConfigError(f"--cluster {size}: a cluster has an odd number of nodes from {MIN_NODES} to "
                                 f"{MAX_NODES} (3 keeps a quorum with one node lost)")
    return size


def default_nodes(size: int) -> list[ClusterNode]:
    """The compose layout: nodes `nats-1`..`nats-N`, each on its own host, clients on 4222, routes on 6222."""
    return [ClusterNode(f"nats-{i}", f"nats-{i}", 4222, 6222) for i in range(1, check_size(size) + 1)]


def parse_nodes(text: str, size: int) -> list[ClusterNode]:
    """`host:client_port:route_port,...`, one entry per node (e.g. three nodes on loopback for a test)."""
    check_size(size)
    entries = [e.strip() for e in text.split(",") if e.strip()]
    if len(entries) != size:
        raise ClusterConfigError(f"--nodes lists {len(entries)} nodes but --cluster is {size}")
    nodes = []
    for i, entry in enumerate(entries, 1):
        m = _HOST_PORTS.match(entry)
        if not m or not all(0 < int(m[p]) < 65536 for p in ("client", "route")):
            raise ClusterConfigError(f"--nodes entry {entry!r} is not host:client_port:route_port")
        nodes.append(ClusterNode(f"nats-{i}", m["host"], int(m["client"]), int(m["route"])))
    if len({(n.host, n.client_port) for n in nodes} | {(n.host, n.route_port) for n in nodes}) != 2 * size:
        raise ClusterConfigError("--nodes: two nodes (or a node's client and route port) share a host and port")
    return nodes


def seeds(nodes: Iterable[ClusterNode]) -> str:
    """NATS_URL for every Warden process: all the nodes' client URLs, comma-separated."""
    return ",".join(n.url for n in nodes)


def route_password(folder: Path) -> str:
    """The route user's password, generated once into `folder` (0600) and read back on later runs, so
    rewriting the configs keeps the nodes that are already running able to talk to the new ones."""
    path = folder / ROUTE_SECRET_FILE
    if path.is_file():
        try:
            return json.loads(path.read_text())["password"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ClusterConfigError(f"{path} is not a route secret: remove it to generate a new one") from exc
    secure_dir(folder)
    password = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"user": ROUTE_USER, "password": password}, fh)
    return password


def cluster_configs(nodes: list[ClusterNode], *, bind: str, store: Path, passwords: dict[str, str],
                    graphs: Mapping[str, str] | Iterable[str], route_secret: str,
                    cluster_name: str = CLUSTER_NAME) -> dict[str, str]:
    """Each node's nats-server configuration (JSON), by node name. `bind`: the address every node listens on
    (0.0.0.0 in containers, 127.0.0.1 on one host); each node stores JetStream under `store/<node name>`."""
    hashed = {user: hash_password(p) for user, p in passwords.items()}  # once: every node accepts the same hashes
    out = {}
    for node in nodes:
        conf = json.loads(server_config(listen=f"{bind}:{node.client_port}", store_dir=str(Path(store) / node.name),
                                        passwords=hashed, graphs=graphs, hashed=False))
        conf["server_name"] = node.name
        conf["cluster"] = {
            "name": cluster_name,
            "listen": f"{bind}:{node.route_port}",
            "authorization": {"user": ROUTE_USER, "password": route_secret},
            "routes": [f"nats-route://{ROUTE_USER}:{route_secret}@{other.host}:{other.route_port}"
                       for other in nodes if other is not node],
        }
        out[node.name] = json.dumps(conf, indent=2)
    return out
