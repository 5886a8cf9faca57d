"""`warden redact`: JSONL of `{"id", "text"}` in, `{"id", "text", "entities"}` out, offsets into the input."""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

_BATCH = 32


class RedactInputError(ValueError):
    """A `warden redact` input line is not a JSON object with a string `text`."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.line_no = line_no
        self.message = message


def redact_jsonl(lines: Iterable[str]) -> Iterator[str]:
    """`warden redact`: one `{"id", "text"}` object per line in, one `{"id", "text", "entities"}` line out.

    Lines are analysed in batches (one NER pass per batch); a malformed line raises `RedactInputError` after
    every line before it has been yielded.
    """
    from guardrails.redaction import get_redactor, replace_entities

    redactor = get_redactor()
    batch: list[tuple[Any, str]] = []

    def flush() -> Iterator[str]:
        found = redactor.analyze_many([(text, None) for _, text in batch])
        for (ident, text), entities in zip(batch, found):
            yield json.dumps(
                {
                    "id": ident,
                    "text": replace_entities(text, entities, None),
                    "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in entities],
                },
                ensure_ascii=False,
            )
        batch.clear()

    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        error: str | None = None
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            error = f"not valid JSON ({exc.msg} at column {exc.colno})"
        else:
            if not isinstance(obj, dict):
                error = 'expected a JSON object like {"id": 1, "text": "..."}'
            elif not isinstance(obj.get("text"), str):
                error = 'missing string field "text"'
        if error is not None:
            yield from flush()
            raise RedactInputError(line_no, error)
        batch.append((obj.get("id"), obj["text"]))
        if len(batch) >= _BATCH:
            yield from flush()
    yield from flush()
