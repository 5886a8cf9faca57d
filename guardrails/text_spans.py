"""Character spans of a text and the RE2 helpers every recognizer shares: the value object, the overlap mask, the
boundary and context checks on the characters beside a candidate."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import re2

CONTEXT_WINDOW = 48  # characters before a match searched for context words


@dataclass(frozen=True, slots=True)
class Span:
    """A typed character span of the input text with a confidence score."""

    type: str
    start: int
    end: int
    score: float


class SpanMask:
    """Marked character ranges of one text; "does [s, e) touch a mark?" costs a C scan, not a loop over spans.

    Overlap checks between every new span and every blocked span would be quadratic on a long text with
    thousands of findings; a mask keeps the whole redaction linear."""

    __slots__ = ("_mask",)

    def __init__(self, length: int, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._mask = bytearray(length + 1)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        if end > start:
            self._mask[start:end] = b"\x01" * (end - start)

    def touches(self, start: int, end: int) -> bool:
        return end > start and self._mask.find(1, start, end) != -1

    def covers(self, start: int, end: int) -> bool:
        return end > start and self._mask.find(0, start, end) == -1


def compile_re2(pattern: str) -> re2._Regexp:
    """An RE2 pattern (linear time); raises at import when a pattern uses a construct RE2 lacks."""
    options = re2.Options()
    options.max_mem = 64 << 20
    return re2.compile(pattern, options)


def context_before(text: str, start: int, words: Iterable[str], window: int = CONTEXT_WINDOW) -> bool:
    before = text[max(0, start - window) : start].lower()
    return any(w in before for w in words)


def alnum_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


def bounded(text: str, start: int, end: int) -> bool:
    return not alnum_at(text, start - 1) and not alnum_at(text, end)
