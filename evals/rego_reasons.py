"""Which rule of a policy pack says a given reason: the deny and needs_approval rules of every .rego module,
with the fixed text of their messages, so a reason such as "payee is not the account on file for claim CLM-1"
is traced to `payments.rego:140`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEAD = re.compile(r"^(deny|needs_approval) contains\b(.*)$")
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FORMAT = re.compile(r"%[svdq]")


@dataclass(frozen=True)
class Rule:
    """One contribution to deny or needs_approval, where it is, and the fixed text its message holds."""

    kind: str
    module: str
    line: int
    template: str
    parts: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"

    def matches(self, reason: str) -> int:
        """How many characters of fixed text the reason shares with this rule's message in order; 0 if it cannot
        be this rule's."""
        if not self.parts:
            return 0
        pattern = ".*".join(re.escape(p) for p in self.parts)
        return sum(map(len, self.parts)) if re.search(pattern, reason, re.S) else 0


def _message(expr: str) -> tuple[str, tuple[str, ...]]:
    literals = [bytes(s, "utf-8").decode("unicode_escape") for s in _LITERAL.findall(expr)]
    if expr.lstrip().startswith("sprintf(") and literals:
        fmt = literals[0]
        return fmt, tuple(p for p in _FORMAT.split(fmt) if p.strip())
    parts = tuple(s for s in literals if len(s.strip()) > 1)  # drop separators such as "" and ", "
    return " … ".join(parts), parts


def pack_rules(policy_dir: Path) -> list[Rule]:
    """Every deny / needs_approval rule in the pack's modules (tests excluded)."""
    rules: list[Rule] = []
    for path in sorted(Path(policy_dir).glob("*.rego")):
        if path.name.endswith("_test.rego"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = _HEAD.match(line)
            if not m:
                continue
            expr = m.group(2)
            if m.group(1) == "needs_approval":  # the message is the object's "reason" a few lines down
                block = "\n".join(lines[i:i + 8])
                found = re.search(r'"reason":\s*(.*)', block)
                expr = found.group(1) if found else ""
            template, parts = _message(expr.rsplit(" if", 1)[0] if " if" in expr else expr)
            rules.append(Rule(kind=m.group(1), module=path.name, line=i + 1, template=template, parts=parts))
    return rules


def rule_for(reason: str, rules: list[Rule]) -> Rule | None:
    """The rule whose fixed text best explains the reason, or None (a reason the gate adds itself, such as a
    validation error, belongs to no rule)."""
    best = max(rules, key=lambda r: r.matches(reason), default=None)
    return best if best is not None and best.matches(reason) > 0 else None
