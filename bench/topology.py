"""The multi-process topology, driven from Python: one nats-server and tools, gate and runtime as three
`warden up --role` processes, each with its own credential and data folder, all under one scratch folder. Chaos
scenarios break it; the process tests and benchmarks share its helpers (`free_port`, `clean_env`).

It is the README's "Running the components as separate processes", driven from Python so a scenario can
`kill -9` any part and start it again on the same store and data folder. Every process it starts is its own
child (no new session), and its pid and start time are recorded, so after teardown an orphan is found by pid
and, for anything those processes started in turn, by the scratch folder in its command line or environment.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from agents.nats_server import nats_server_binary
from agents.store_lock import process_start

ROOT = Path(__file__).resolve().parents[1]
WARDEN = ROOT / ".venv/bin/warden"
ROLES = ("tools", "gate", "runtime")
BUS = "bus"
START_TIMEOUT_S = 120.0


class TopologyError(RuntimeError):
    """A component did not start (its log's last lines say why)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Warden or NATS setting of the caller's, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARDEN_", "NATS_"))}
    return env | {"TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                  "HF_HUB_OFFLINE": "1"} | extra


def wait_listening(port: int, proc: subprocess.Popen | None = None, timeout_s: float = 30.0) -> None:
    """Until something accepts connections on 127.0.0.1:`port`; TopologyError when `proc` exits or time is up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise TopologyError(f"the process for port {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TopologyError(f"nothing listens on port {port} after {timeout_s:.0f} s")


def start_nats_server(config: Path, port: int, log: Path | None = None) -> subprocess.Popen:
    """A nats-server on `config` (from `warden init` or `warden nats-config`); returns once it listens on `port`."""
    out = open(log, "ab") if log is not None else subprocess.DEVNULL
    try:
        proc = subprocess.Popen([str(nats_server_binary()), "-c", str(config)], stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log is not None:
            out.close()
    wait_listening(port, proc)
    return proc


def stop_processes(procs: list[subprocess.Popen], timeout_s: float = 20.0) -> None:
    """SIGTERM every process still running, then wait for each; SIGKILL whatever does not stop in time."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass
class Started:
    """One process the topology started: enough to tell later whether that very process still lives."""

    name: str
    pid: int
    start: str | None


@dataclass
class Topology:
    """A scratch folder with credentials, a bus and three role processes; `stop` ends all of them."""

    base: Path
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    started: list[Started] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def secrets(self) -> Path:
        return self.base / "secrets"

    @property
    def store(self) -> Path:
        return self.base / "jetstream"

    def data_dir(self, role: str) -> Path:
        return self.base / f"data-{role}"

    def log(self, name: str) -> Path:
        return self.base / f"{name}.log"

    def init(self) -> None:
        """`warden init` (credentials and the nats-server config), then the bus and the operator step."""
        self._warden("init", "--out", str(self.secrets), "--url", self.url, "--store", str(self.store))
        self.start_bus()
        out = self._warden("up", "--role", "admin", env=self._role_env("admin"))
        if "streams and consumers created" not in out:
            raise TopologyError(f"operator step did not create the streams: {out.strip()[-300:]}")

    def start_all(self) -> None:
        self.start(*ROLES)

    def start_bus(self) -> None:
        """The nats-server on the config `warden init` wrote; returns once it accepts connections."""
        self._spawn(BUS, [str(nats_server_binary()), "-c", str(self.secrets / "nats-server.conf")], env=clean_env())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                self._check_alive(BUS)
                time.sleep(0.05)
        raise TopologyError(f"nats-server did not listen on {self.port}: {self._tail(BUS)}")

    def start(self, *names: str) -> None:
        """Start components on their stores: the bus first, then the roles side by side; returns once each role
        printed `warden up:` (connected, consuming or serving)."""
        if BUS in names:
            self.start_bus()
        roles = [n for n in names if n != BUS]
        offsets = {r: self.log(r).stat().st_size if self.log(r).exists() else 0 for r in roles}
        for role in roles:
            self._spawn(role, [str(WARDEN), "up", "--role", role, "--port", "0", "--llm", "scripted"],
                        env=self._role_env(role))
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = set(roles)
        while waiting:
            for role in list(waiting):
                with open(self.log(role), "rb") as fh:
                    fh.seek(offsets[role])
                    if b"warden up:" in fh.read():
                        waiting.discard(role)
                        continue
                self._check_alive(role)
            if time.monotonic() > deadline:
                raise TopologyError(f"{', '.join(sorted(waiting))} did not come up in {START_TIMEOUT_S:.0f} s: "
                                    f"{self._tail(sorted(waiting)[0])}")
            time.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to one component and reap it (SIGTERM: wait for it to stop cleanly, SIGKILL after 20 s)."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM the roles together, then the bus; SIGKILL whatever does not stop in time."""
        for role in ROLES:
            if self.running(role):
                self.procs[role].send_signal(signal.SIGTERM)
        for name in (*ROLES, BUS):
            self.kill(name, signal.SIGTERM)

    def running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        if self.running(name):
            raise TopologyError(f"{name} is already running (pid {self.procs[name].pid})")
        with open(self.log(name), "ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.procs[name] = proc
        self.started.append(Started(name, proc.pid, process_start(proc.pid)))

    def _role_env(self, role: str) -> dict[str, str]:
        return clean_env(NATS_URL=self.url, WARDEN_CREDENTIALS=str(self.secrets / f"{role}.json"),
                          WARDEN_DATA_DIR=str(self.data_dir(role)))

    def _warden(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([str(WARDEN), *args], capture_output=True, text=True, timeout=180,
                              env=env or clean_env(), cwd=ROOT)
        if done.returncode != 0:
            raise TopologyError(f"warden {args[0]} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        return done.stdout

    def _check_alive(self, name: str) -> None:
        if not self.running(name):
            raise TopologyError(f"{name} exited with {self.procs[name].returncode}: {self._tail(name)}")

    def _tail(self, name: str) -> str:
        try:
            return " | ".join(self.log(name).read_text(errors="replace").strip().splitlines()[-3:])
        except OSError:
            return "(no log)"


def orphans(topology: Topology) -> list[str]:
    """Processes of this topology still alive: a started pid that is still the same process, or any process
    whose command line or environment names the topology's scratch folder (what those processes started)."""
    found = [f"{s.name} pid {s.pid}" for s in topology.started
             if s.start is not None and process_start(s.pid) == s.start]
    known = {s.pid for s in topology.started}
    marker = str(topology.base).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in known or int(entry.name) == os.getpid():
            continue
        try:
            if process_start(int(entry.name)) is None:
                continue
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's process: not ours
            continue
        if marker in cmdline or marker in environ:
            program = cmdline.split(b"\0")[0].decode(errors="replace")
            found.append(f"pid {entry.name} ({program})")
    return found
