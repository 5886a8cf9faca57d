"""`warden eval replay`: every decision in a data folder's audit trail re-judged by the policy pack under test
(default: shipped), from what the gate recorded (evals/recorded.py says what that is and what it is not).

Exit 0 when every replayable call gets its recorded decision and reasons; 20 when a recorded deny (or approval)
now lets more through; 10 for any other difference; 30 when the trail cannot be read or its chain is broken."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from evals.recorded import RecordedCall, recorded_session

STRICTNESS = {"allow": 0, "require_approval": 1, "deny": 2}


@dataclass
class Difference:
    """A call whose replayed decision or reasons differ from the recorded ones."""

    call: RecordedCall
    decision: str
    reasons: list[str]

    @property
    def weakened(self) -> bool:
        return STRICTNESS.get(self.decision, 2) < STRICTNESS.get(self.call.decision, 2)


@dataclass
class ReplayReport:
    calls: list[RecordedCall]
    differences: list[Difference] = field(default_factory=list)
    policy: str = ""

    @property
    def replayed(self) -> int:
        return sum(1 for c in self.calls if c.request is not None)

    @property
    def exit_code(self) -> int:
        if any(d.weakened for d in self.differences):
            return 20
        return 10 if self.differences else 0


def replay(data_dir: Path, policy_dir: Path | None = None, since: float | None = None) -> ReplayReport:
    """Re-judge every rebuildable call of `data_dir`'s trail (from `since` on); raises EvalError when the trail
    cannot be read."""
    with recorded_session(data_dir, since) as session:
        gate = session.gate(policy_dir)
        report = ReplayReport(calls=session.calls, policy=gate.engine.bundle)
        for call in session.calls:
            if call.request is None:
                continue
            from guardrails.contracts import Principal

            bound = Principal.model_validate(call.request["principal"])
            d = gate.check(call.request, state=None, count_call=False, bound=bound, facts=call.facts).decision
            if d.decision != call.decision or sorted(d.reasons) != sorted(call.reasons):
                report.differences.append(Difference(call, d.decision, list(d.reasons)))
        del gate  # its stores go before the copy does
    return report


def format_replay(report: ReplayReport) -> str:
    """The summary, each difference, and why the calls that could not be rebuilt were left out."""
    skipped = [c for c in report.calls if c.request is None]
    lines = [f"replayed {report.replayed} of {len(report.calls)} audited calls against {report.policy[:19]}: "
             f"{len(report.differences)} differ, {len(skipped)} not replayable"]
    for d in report.differences:
        mark = "WEAKER" if d.weakened else "DIFFER"
        lines.append(f"  {mark} {d.call.name}: {d.call.decision} {d.call.reasons} -> {d.decision} {d.reasons}")
    for reason, n in Counter(c.skip for c in skipped).most_common():
        lines.append(f"  not replayable ({n}): {reason}")
    return "\n".join(lines)
