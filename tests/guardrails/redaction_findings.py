"""What a redactor finds in a text, as (type, value) pairs: the form the redaction tests assert on."""
from __future__ import annotations

from guardrails.redaction import Redactor


def found(redactor: Redactor, text: str) -> list[tuple[str, str]]:
    return [(e.type, text[e.start : e.end]) for e in redactor.analyze(text)]
