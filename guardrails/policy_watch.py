"""Applying new policy without a restart: watch the policy folder, recompile, keep the old policy on failure.

A pack is refused (and the old one stays in force) when it does not compile, or does not match its manifest.json:
a module missing, added or changed without `python -m guardrails.policy_manifest update` (guardrails/policy_manifest.py).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def policy_fingerprint(policy_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the policy files: cheap to poll, changes on any edit."""
    files = sorted(p for p in policy_dir.iterdir() if p.suffix in (".rego", ".json"))
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


class PolicyWatcher:
    """Polls the folder; on a change calls `engine.reload()`. A pack the engine refuses (does not compile, does not
    match its manifest) is logged and rejected, and `last_error` says why."""

    def __init__(self, engine, policy_dir: Path, *, interval_s: float = 1.0) -> None:
        self.engine = engine
        self.policy_dir = policy_dir
        self.interval_s = interval_s
        self.last_error: str | None = None
        self.reloads = 0
        self._seen = policy_fingerprint(policy_dir)
        self._task: asyncio.Task | None = None

    def check_once(self) -> bool:
        """Reload if the folder changed. True when a new policy is in force."""
        current = policy_fingerprint(self.policy_dir)
        if current == self._seen:
            return False
        self._seen = current
        before = self.engine.bundle
        try:
            self.engine.reload()
        except Exception as exc:  # PolicyError: the old policy stays in force
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.error("policy reload rejected, keeping %s: %s", before[:19], self.last_error)
            return False
        self.last_error = None
        self.reloads += 1
        log.warning("policy reloaded: %s -> %s", before[:19], self.engine.bundle[:19])
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await asyncio.to_thread(self.check_once)
