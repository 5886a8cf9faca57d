"""What a suite is run with: an isolated data folder, the policy pack and model under test, the repeat index."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvalContext:
    """One suite run. `data_dir` is fresh and private to this run: suites never touch the production stores."""

    data_dir: Path
    policy_dir: Path | None = None
    model: str = "scripted"
    limit: int | None = None
    repeat: int = 0
