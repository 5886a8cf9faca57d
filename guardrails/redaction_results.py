"""What redaction hands back: the findings (`Entity`, `RedactedText`), the refusal (`RedactionRefused`), and the
replacement of findings by `<TYPE>` or a run's vault token."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from pydantic import BaseModel

if TYPE_CHECKING:
    from guardrails.vault import RunVault


class RedactionRefused(RuntimeError):
    """A text was not redacted (too long, or analysis ran past its time budget): treat it as unsafe to pass on."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "too_large" or "over_budget"


class Entity(BaseModel):
    """One PII finding; `start`/`end` index the input text."""

    type: str
    start: int
    end: int
    score: float


class RedactedText(BaseModel):
    """Redacted text plus the entities found in the input text."""

    text: str
    entities: list[Entity]


def replace_entities(text: str, entities: Sequence[Entity], vault: RunVault | None) -> str:
    out: list[str] = []
    pos = 0
    for e in entities:
        out.append(text[pos : e.start])
        out.append(vault.tokenize(e.type, text[e.start : e.end]) if vault is not None else f"<{e.type}>")
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
