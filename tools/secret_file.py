"""Key files: created once, atomically, 0600 in a 0700 folder, and refused when others can read them.

One implementation for every key Warden keeps on disk (the vault's, the tools', the event key, the gate's
signing key). Lives in `tools/` because both the tools and the gate import it, and tools import nothing of the gate.
"""
from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path


class SecretFileError(PermissionError):
    """A key file that others can read: a leaked key protects nothing."""


def load_or_create_secret(path: Path, generate: Callable[[], bytes], *, what: str = "key") -> bytes:
    """The bytes in `path`, written there from `generate()` when missing. Two processes starting together agree
    on one key (the second link fails and it reads the first), and no reader ever sees a half-written file."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, generate())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic, and fails if another process got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretFileError(f"{what} {path} is readable by others (mode {mode:o}); chmod 600 it")
    return path.read_bytes()
