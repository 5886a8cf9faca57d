"""`warden policy diff OLD NEW`: the same requests judged under two policy packs, without a model.

Requests: the attack and benign sets (evals/attacks) and, with a data folder, every request its audit trail
recorded (rebuilt as `warden eval replay` does). A change is named with the rule responsible: the deny or
approval reasons that disappeared (or appeared), traced to their rule in the pack that says them. A change
that lets more through (deny -> allow or approval, approval -> allow) is a weakening: exit 20."""
from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evals.gate_offline import SETS, build_offline_gate, judge, read_set
from evals.rego_reasons import Rule, pack_rules, rule_for
from evals.results import EvalError

STRICTNESS = {"allow": 0, "require_approval": 1, "deny": 2}


@dataclass
class Change:
    """One request whose decision or reasons differ between the packs."""

    source: str
    name: str
    old: str
    new: str
    reasons_gone: list[str] = field(default_factory=list)
    reasons_new: list[str] = field(default_factory=list)
    rules_gone: list[str] = field(default_factory=list)
    rules_new: list[str] = field(default_factory=list)

    @property
    def weakened(self) -> bool:
        return STRICTNESS.get(self.new, 2) < STRICTNESS.get(self.old, 2)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"weakened": self.weakened}


def _where(reasons: list[str], rules: list[Rule]) -> list[str]:
    out = []
    for reason in reasons:
        rule = rule_for(reason, rules)
        out.append(f"{rule.where} {rule.kind} \"{rule.template}\"" if rule else f"(no rule: {reason[:80]})")
    return sorted(set(out))


def requests_to_judge(data_dir: Path | None) -> list[tuple[str, dict[str, Any]]]:
    """(source, line) for the attack and benign sets, and the recorded requests of `data_dir` if given."""
    lines = [("attacks", line) for line in read_set(SETS / "attacks.jsonl")]
    lines += [("benign", line) for line in read_set(SETS / "benign.jsonl")]
    if data_dir is not None:
        try:
            from evals.recorded import recorded_requests
        except ImportError as exc:
            raise EvalError(f"recorded requests cannot be read: {exc}") from exc

        lines += [("recorded", r.line) for r in recorded_requests(data_dir) if r.line is not None]
    return lines


def diff_packs(old_dir: Path, new_dir: Path, *, data_dir: Path | None = None) -> tuple[list[Change], int]:
    """Every change between the packs, and how many requests were judged. EvalError if a pack is refused."""
    for d in (old_dir, new_dir):
        if not Path(d).is_dir():
            raise EvalError(f"policy folder not found: {d}")
    with tempfile.TemporaryDirectory(prefix="warden-policy-diff-") as tmp:
        old_gate = build_offline_gate(Path(tmp) / "old", old_dir)
        new_gate = build_offline_gate(Path(tmp) / "new", new_dir)
        old_rules, new_rules = pack_rules(old_dir), pack_rules(new_dir)
        lines = requests_to_judge(data_dir)
        changes: list[Change] = []
        for source, line in lines:
            a, b = judge(old_gate, line), judge(new_gate, line)
            if a.decision == b.decision and sorted(a.reasons) == sorted(b.reasons):
                continue
            gone = [r for r in a.reasons if r not in b.reasons]
            new = [r for r in b.reasons if r not in a.reasons]
            changes.append(Change(source=source, name=str(line.get("name", "?")), old=a.decision, new=b.decision,
                                  reasons_gone=gone, reasons_new=new, rules_gone=_where(gone, old_rules),
                                  rules_new=_where(new, new_rules)))
    return changes, len(lines)


def format_diff(changes: list[Change], judged: int) -> str:
    """Changes grouped by the rule whose reasons disappeared (or appeared), weakenings first."""
    if not changes:
        return f"no decision changed ({judged} requests judged under both packs)"
    groups: dict[str, list[Change]] = {}
    for c in changes:
        key = "; ".join(c.rules_gone) or ("+ " + "; ".join(c.rules_new) if c.rules_new else "(reasons only)")
        groups.setdefault(key, []).append(c)
    weak = sum(c.weakened for c in changes)
    lines = [f"{len(changes)} of {judged} requests judged differently; {weak} now let through more (deny -> allow/approval)"]
    for key, group in sorted(groups.items(), key=lambda kv: (-sum(c.weakened for c in kv[1]), kv[0])):
        lines.append(f"\nrule {'no longer applies' if not key.startswith('+') else 'added'}: {key.lstrip('+ ')}")
        for c in group:
            mark = "WEAKER" if c.weakened else "      "
            lines.append(f"  {mark} {c.source}: {c.name[:60]:<60} {c.old} -> {c.new}")
    return "\n".join(lines)
