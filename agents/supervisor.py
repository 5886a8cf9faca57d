"""Supervision policy: how often a crashing actor is restarted and when its message is dead-lettered."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field


class Unavailable(RuntimeError):
    """A component the run needs (the gate) did not answer: the message is sound, so it waits for the component
    instead of counting as a crash. Counting it would dead-letter, in a few tenths of a second, every event that
    arrives while the gate restarts: runs lost for an outage, not for anything in the events."""


@dataclass
class Failure:
    """One crash of an actor on one message, kept for operators and tests."""

    agent: str
    msg_id: str
    attempt: int
    error: str
    at: float = field(default_factory=time.time)


@dataclass
class Supervisor:
    """Restart with exponential backoff; after `max_deliveries` crashes the message goes to the dead-letter subject."""

    max_deliveries: int = 3
    base_backoff_s: float = 0.05
    max_backoff_s: float = 5.0
    failures: list[Failure] = field(default_factory=list)
    restarts: int = 0

    def record(self, agent: str, msg_id: str, attempt: int, error: BaseException) -> None:
        self.failures.append(Failure(agent, msg_id, attempt, f"{type(error).__name__}: {error}"))
        del self.failures[:-1000]  # bounded history

    def should_retry(self, attempt: int) -> bool:
        return attempt < self.max_deliveries

    def backoff_s(self, attempt: int) -> float:
        """Exponential with full jitter, so restarting actors don't retry in lockstep."""
        ceiling = min(self.max_backoff_s, self.base_backoff_s * (2 ** (attempt - 1)))
        return ceiling / 2 + random.random() * ceiling / 2
