"""One nats-server per JetStream store: a locked pidfile in the store folder, stale servers reaped at the next
start, and a server that dies with the process that started it.

Two servers on one store corrupt it, and a `warden up` killed with -9 used to leave its server running (it runs
in its own session, so the terminal's signals do not reach it). The lock is an `flock` on the pidfile that the
server inherits: it is held while the server lives, whoever started it, and the kernel drops it when the last
holder exits, so a crash never leaves a lock behind.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PIDFILE = "nats-server.pid"
_PR_SET_PDEATHSIG = 1


class StoreInUse(RuntimeError):
    """Another live Warden process runs a nats-server on this store: starting a second one would corrupt it."""


@dataclass(frozen=True)
class Owner:
    """What the pidfile says: the server, the process that started it, and the config it was started with."""

    server_pid: int
    parent_pid: int
    parent_start: str
    conf: str


def process_start(pid: int) -> str | None:
    """The kernel's start time of a live, non-zombie process (None otherwise): a pid plus this names one process,
    even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] in ("Z", "X"):  # a zombie has released its files and its lock
        return None
    return fields[19] if len(fields) > 19 else ""


def is_server(pid: int, conf: str) -> bool:
    """True when `pid` is a live nats-server started with this store's config (never some unrelated process)."""
    if process_start(pid) is None:
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    if not argv or not argv[0].endswith(b"nats-server"):
        return False
    # a relative config path (an older Warden ran with data_dir `.warden`) names a store under *its* directory
    wanted = os.path.abspath(conf)
    return any(os.path.abspath(os.path.join(cwd, a.decode(errors="replace"))) == wanted for a in argv[1:] if a)


def reap(pid: int, conf: str, timeout_s: float = 10.0) -> bool:
    """Stop a server left behind by a dead parent: SIGTERM (JetStream flushes), SIGKILL if it lingers."""
    if not is_server(pid, conf):
        return False
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if process_start(pid) is None:
                return True
            time.sleep(0.05)
    return process_start(pid) is None


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child get SIGTERM when this process dies (Linux only; None elsewhere).

    The kernel sends it when the *thread* that started the child exits, so it is set only from the main thread
    (as `warden up` starts the server): from a worker thread the server would die with that thread instead."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only calls it
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl: nobody would stop us
            os._exit(1)

    return preexec


class StoreLock:
    """The exclusive lock on a store folder and its pidfile; `fd` is handed to the server so it holds the lock too."""

    def __init__(self, store_dir: Path, conf: Path) -> None:
        self.path = Path(store_dir).absolute() / PIDFILE
        self.conf = str(Path(conf).absolute())
        self.fd: int | None = None

    def acquire(self, timeout_s: float = 15.0) -> None:
        """Take the lock, reaping a server whose parent is gone; StoreInUse when a live Warden holds the store."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if not _try_lock(fd):
                owner = self.owner()
                if owner and process_start(owner.parent_pid) == owner.parent_start:
                    raise StoreInUse(f"the NATS store {self.path.parent} is in use by warden pid {owner.parent_pid} "
                                     f"(nats-server pid {owner.server_pid}): stop it first, or set WARDEN_DATA_DIR "
                                     "to another folder")
                if owner:  # its parent is dead: the server is an orphan
                    reap(owner.server_pid, self.conf)
                if not _wait_lock(fd, timeout_s):
                    raise StoreInUse(f"the NATS store {self.path.parent} is locked by a process that is not a Warden "
                                     f"nats-server (see {self.path}): stop it, or set WARDEN_DATA_DIR to another folder")
            else:  # servers not holding the lock: started before it existed (an older Warden), or orphaned
                owner = self.owner()
                if owner:
                    reap(owner.server_pid, self.conf)
                self._reap_unlocked()
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        self.record(0)  # the parent is known before its server starts: a contender sees a live owner

    def _reap_unlocked(self) -> None:
        for pid in servers_for(self.conf):
            parent = _parent_of(pid)
            if parent not in (None, 1) and _is_warden(parent):
                raise StoreInUse(f"the NATS store {self.path.parent} is in use by nats-server pid {pid}, started by "
                                 f"pid {parent}: stop it first, or set WARDEN_DATA_DIR to another folder")
            reap(pid, self.conf)

    def record(self, server_pid: int) -> None:
        """Write who holds the store, for the next start to judge."""
        assert self.fd is not None, "record() before acquire()"
        me = os.getpid()
        body = json.dumps({"server_pid": server_pid, "parent_pid": me, "parent_start": process_start(me) or "",
                           "conf": self.conf}).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, body, 0)

    def owner(self) -> Owner | None:
        """The pidfile's content, or None when it is empty or unreadable."""
        try:
            data = json.loads(self.path.read_text() or "null")
            return Owner(int(data["server_pid"]), int(data["parent_pid"]), str(data["parent_start"]), str(data["conf"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def release(self) -> None:
        """After the server stopped: clear the pidfile and drop this process's hold on the lock."""
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        finally:
            os.close(self.fd)
            self.fd = None


def servers_for(conf: str) -> list[int]:
    """Live nats-server processes started with this config, whoever started them."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and is_server(int(entry.name), conf):
            found.append(int(entry.name))
    return found


def _parent_of(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _is_warden(pid: int) -> bool:
    """A live Python process (Warden, or a test embedding it): its server is in use. An orphan's parent is init
    or a subreaper instead."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"python" in argv or b"warden" in argv


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise


def _wait_lock(fd: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _try_lock(fd):
            return True
        time.sleep(0.05)
    return False
