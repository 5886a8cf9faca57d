"""Which of overlapping findings the redactor reports: one span per stretch of text, the surest first."""
from __future__ import annotations

from typing import Sequence

from guardrails.recognizers import Span, SpanMask


def resolve_overlaps(spans: Sequence[Span], length: int) -> list[Span]:
    """Keep the best non-overlapping spans: higher score wins, then the longer span. A span inside a longer one of
    its own type is part of it ("Mila" inside "Mila van Engeland"), whatever its score."""
    inner = _inside_longer_of_same_type(spans)
    kept: list[Span] = []
    taken = SpanMask(length)
    for span in sorted((s for s in spans if s not in inner), key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if not taken.touches(span.start, span.end):
            kept.append(span)
            taken.add(span.start, span.end)
    return sorted(kept, key=lambda s: s.start)


def _inside_longer_of_same_type(spans: Sequence[Span]) -> set[Span]:
    """The spans that lie within another, longer span of the same type (one sweep per type)."""
    inner: set[Span] = set()
    by_type: dict[str, list[Span]] = {}
    for span in spans:
        by_type.setdefault(span.type, []).append(span)
    for same in by_type.values():
        reach, reach_range = -1, (-1, -1)
        for span in sorted(same, key=lambda s: (s.start, -s.end)):
            if span.end <= reach and (span.start, span.end) != reach_range:
                inner.add(span)
            elif span.end > reach:
                reach, reach_range = span.end, (span.start, span.end)
    return inner
