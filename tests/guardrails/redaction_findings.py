"""What a redactor finds in a text, as (type, value) pairs: the form the redaction tests assert on."""
from __future__ import annotations

from guardrails.redaction import Redactor


def found(redactor: Redactor, text: str) -> list[tuple[str, str]]:
    return [(e.type, text[e.start : e.end]) for e in redactor.analyze(text)]


def has_person(redactor: Redactor, text: str, name: str) -> bool:
    """Some PERSON finding holds `name` (a finding may be wider: "Dr. Anna Berg" holds "Anna Berg")."""
    return any(t == "PERSON" and name in v for t, v in found(redactor, text))


def finds_no_person(redactor: Redactor, text: str) -> bool:
    return not any(t == "PERSON" for t, _ in found(redactor, text))
