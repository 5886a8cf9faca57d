"""The embedded nats-server lives and dies with the Warden that started it, and one store never has two servers.

Real processes: `warden up` as a user starts it, `kill -9`, a second server on the same store, an orphan left
by a parent that died before servers were tied to it."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.nats_server import EmbeddedNats, nats_server_binary
from agents.store_lock import PIDFILE, StoreInUse, process_start

ROOT = Path(__file__).parents[2]
WARDEN = Path(sys.executable).parent / "warden"
GRAPHS = {"claims_triage": "events.claims.submitted"}


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process_start(pid) is None:  # exited (a zombie no one reaped yet holds no port, file or lock)
            return True
        time.sleep(0.05)
    return False


def _servers_on(store: Path) -> list[int]:
    """Live nats-server processes started with this store's config: never more than one."""
    marker = str(store / "nats-server.conf").encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and process_start(int(proc.name)) is not None:
            try:
                argv = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"nats-server" in argv and marker in argv:
                found.append(int(proc.name))
    return found


def test_kill_9_of_warden_up_takes_its_nats_server_with_it(tmp_path: Path) -> None:
    env = os.environ | {"WARDEN_DATA_DIR": str(tmp_path / "state")}
    env.pop("NATS_URL", None)
    log = tmp_path / "up.log"
    with open(log, "wb") as out:
        up = subprocess.Popen([str(WARDEN), "up", "--role", "tools", "--port", "0", "--llm", "scripted"],
                              stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    store = tmp_path / "state" / "nats"
    try:
        deadline = time.monotonic() + 90
        while "warden up:" not in log.read_text() and time.monotonic() < deadline:
            assert up.poll() is None, log.read_text()
            time.sleep(0.1)
        owner = json.loads((store / PIDFILE).read_text())
        assert owner["parent_pid"] == up.pid and _servers_on(store) == [owner["server_pid"]]
        with pytest.raises(StoreInUse, match=f"in use by warden pid {up.pid}"):
            EmbeddedNats(store, GRAPHS, secrets_dir=tmp_path / "state" / "secrets").start()
        assert _servers_on(store) == [owner["server_pid"]], "a refused start must not leave a second server"
    finally:
        up.send_signal(signal.SIGKILL)
        up.wait()
    assert _gone(owner["server_pid"], 10), "the nats-server outlived `warden up` killed with -9"
    again = EmbeddedNats(store, GRAPHS, secrets_dir=tmp_path / "state" / "secrets")
    again.start()  # the store is free again: the next start needs no cleanup
    try:
        assert len(_servers_on(store)) == 1
    finally:
        again.stop()
    assert _servers_on(store) == []


def test_a_server_orphaned_by_a_dead_parent_is_reaped_at_the_next_start(tmp_path: Path) -> None:
    store = tmp_path / "nats"
    first = EmbeddedNats(store, GRAPHS)
    first.start()
    first.stop()
    # What an older Warden left behind: a server in its own session, not tied to its parent, holding the lock,
    # and a pidfile naming a parent that has exited.
    dead_parent = subprocess.Popen(["true"])
    dead_parent.wait()
    fd = os.open(store / PIDFILE, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    orphan = subprocess.Popen([str(nats_server_binary()), "-c", str(store / "nats-server.conf")], pass_fds=(fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.write(fd, json.dumps({"server_pid": orphan.pid, "parent_pid": dead_parent.pid, "parent_start": "1",
                             "conf": str(store / "nats-server.conf")}).encode())
    os.close(fd)
    try:
        second = EmbeddedNats(store, GRAPHS)
        second.start()
        try:
            assert orphan.wait(timeout=5) is not None  # reaped, not left running beside the new one
            assert _servers_on(store) == [second._proc.pid]
        finally:
            second.stop()
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_a_server_an_older_warden_left_without_a_pidfile_is_reaped_and_a_live_ones_is_not(tmp_path: Path) -> None:
    store = tmp_path / "nats"
    first = EmbeddedNats(store, GRAPHS)
    first.start()
    first.stop()
    conf = store / "nats-server.conf"
    # Still served by its (live) starter, but holding no lock: the store is in use, a start must refuse.
    served = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.3)
        with pytest.raises(StoreInUse, match=f"nats-server pid {served.pid}, started by pid {os.getpid()}"):
            EmbeddedNats(store, GRAPHS).start()
    finally:
        served.terminate()
        served.wait()
    # Orphaned (its starter exited, as `kill -9` of an older Warden left it): reaped at the next start.
    spawn = subprocess.run(["sh", "-c", f"'{nats_server_binary()}' -c '{conf}' >/dev/null 2>&1 & echo $!"],
                           capture_output=True, text=True, check=True)
    orphan = int(spawn.stdout.strip())
    try:
        time.sleep(0.3)
        assert _servers_on(store) == [orphan]
        second = EmbeddedNats(store, GRAPHS)
        second.start()
        try:
            assert _gone(orphan, 5) and _servers_on(store) == [second._proc.pid]
        finally:
            second.stop()
    finally:
        if process_start(orphan) is not None:
            os.kill(orphan, signal.SIGKILL)
