"""What an eval run produces: metrics (quality, safety, info), case outcomes, and one result per suite.

Plain dataclasses with a JSON form, so a run can be written, stored as a baseline and read back unchanged.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

MetricKind = Literal["quality", "safety", "info"]


@dataclass
class Metric:
    """One figure of a suite.

    quality: a share of trials that passed (higher is better); compared with the baseline for noise.
    safety: a count of failures that must be zero (an attack not denied, a canary that left the gate).
    info: reported, never gates (latency, attack success rate shown as a rate).
    `trials` holds each trial's outcome by id, so two runs can be compared pair by pair (McNemar)."""

    name: str
    value: float
    kind: MetricKind = "quality"
    n: int = 0
    passed: int = 0
    trials: dict[str, bool] = field(default_factory=dict)
    flaky: list[str] = field(default_factory=list)
    unit: str = ""

    @classmethod
    def share(cls, name: str, trials: dict[str, bool], kind: MetricKind = "quality") -> "Metric":
        """A proportion metric from trial outcomes (1.0 when there are no trials)."""
        passed = sum(trials.values())
        return cls(name=name, value=passed / len(trials) if trials else 1.0, kind=kind, n=len(trials), passed=passed,
                   trials=dict(trials))

    @classmethod
    def failures(cls, name: str, failed: list[str]) -> "Metric":
        """A safety count: the ids that failed; must be empty."""
        return cls(name=name, value=float(len(failed)), kind="safety", n=len(failed), passed=0,
                   trials={i: False for i in failed}, unit="count")


@dataclass
class CaseResult:
    """One case: what was expected, what happened, and what a reviewer needs to see why (tokens, never values)."""

    id: str
    passed: bool
    kind: MetricKind = "quality"
    expected: Any = None
    actual: Any = None
    detail: dict[str, Any] = field(default_factory=dict)
    runs: list[bool] = field(default_factory=list)

    @property
    def flaky(self) -> bool:
        return len(set(self.runs)) > 1


@dataclass
class SuiteResult:
    """A suite's outcome: its metrics, its cases, and what it ran with; `error` when it could not run."""

    suite: str
    metrics: dict[str, Metric] = field(default_factory=dict)
    cases: list[CaseResult] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def add(self, metric: Metric) -> None:
        self.metrics[metric.name] = metric

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SuiteResult":
        metrics = {k: Metric(**v) for k, v in (data.get("metrics") or {}).items()}
        cases = [CaseResult(**c) for c in data.get("cases") or []]
        return cls(suite=data["suite"], metrics=metrics, cases=cases, meta=data.get("meta") or {},
                   plots=data.get("plots") or {}, seconds=data.get("seconds", 0.0), error=data.get("error"))


class EvalError(RuntimeError):
    """The eval itself could not run (unknown suite, a policy that does not compile, a missing baseline): exit 30."""
