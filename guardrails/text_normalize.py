"""Normalises text before PII detection (NFKC, zero-width characters removed) and maps offsets back.

An attacker (or a phone keyboard) writes `ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ` or hides a zero-width space inside an email
address; detection runs on the normalised form, but every entity must still index the ORIGINAL text, so the
normalised text carries, for each of its characters, the span of input characters it came from.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Invisible characters that split a token without changing how it reads: ZWSP, ZWNJ, ZWJ, word joiner, BOM,
# soft hyphen, Mongolian vowel separator, invisible operators.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The normalised text plus, per character, the [start, end) of the input characters it came from."""

    text: str
    original: str
    starts: tuple[int, ...] | None  # None: identical to the input
    ends: tuple[int, ...] | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Maps a [start, end) span of the normalised text to the input text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _unescape(text: str) -> str:
    # Text that was JSON-escaped twice shows `\n` literally ("Jo Bloggs\n12 Oak St"): read it as a line break
    # (same length, so offsets hold), else "n12" glues the escape to the number and hides it.
    if "\\" not in text:
        return text
    return text.replace("\\n", " \n").replace("\\r", " \n").replace("\\t", "  ")


def normalize(text: str) -> NormalizedText:
    """NFKC plus zero-width removal; a fast identity path for text that is already normal (most of it)."""
    if text.isascii() or (unicodedata.is_normalized("NFKC", text) and not any(c in ZERO_WIDTH for c in text)):
        return NormalizedText(_unescape(text), text, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        # A starter and the combining marks after it normalise together ("e" + U+0301 -> "é").
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        chunk = "".join(c for c in text[i:j] if c not in ZERO_WIDTH)
        if chunk:
            norm = unicodedata.normalize("NFKC", chunk)
            out.append(norm)
            starts.extend([i] * len(norm))
            ends.extend([j] * len(norm))
        i = j
    return NormalizedText(_unescape("".join(out)), text, tuple(starts), tuple(ends))
