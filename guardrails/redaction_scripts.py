"""Names written in a script without capitals (Chinese, Japanese, Korean, Devanagari, Arabic, Hebrew, Thai) in English.

The name rules look for capitalised words, and NER, trained on English, calls such words anything or nothing, so
"Patient: 太郎 山本" or "Applicant: सुरेश राणे." went through in clear. Inside English text a short run of such words
is a person's name far more often than anything else (a client in a form, a contact in a note); masking a rare
foreign phrase along with them is the fail-closed side of the trade.
"""
from __future__ import annotations

import unicodedata
from typing import Iterator, Sequence

from guardrails.text_spans import Span, SpanMask, compile_re2

# A letter of a caseless script, then its letters and combining marks (the vowel signs of Devanagari are marks).
CASELESS_WORD = compile_re2(r"\p{Lo}[\p{Lo}\p{M}]*")
MAX_WORDS = 3  # "सुनीता देसाई", "黄洁 张"; a longer run is a phrase, not a name
MAX_WIDE = 4  # Chinese, Japanese and Korean names are 1 to 4 characters a word; a longer run is a sentence
MAX_NARROW = 16


def _latin_text(text: str) -> bool:
    """English around the words, not a text in the other language."""
    letters = sum(1 for c in text if c.isalpha())
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return latin >= 8 and latin * 4 >= letters


def _fits(word: str) -> bool:
    wide = unicodedata.east_asian_width(word[0]) in ("W", "F")
    return len(word) <= (MAX_WIDE if wide else MAX_NARROW)


def caseless_script_names(text: str, taken: Sequence[tuple[int, int]]) -> Iterator[Span]:
    """PERSON spans for runs of up to three caseless-script words, single-spaced, inside English text."""
    if text.isascii() or not _latin_text(text):  # no caseless letter in ASCII: the common case costs nothing
        return
    mask = SpanMask(len(text), taken)
    words = [m.span() for m in CASELESS_WORD.finditer(text)]
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and text[words[j][1] : words[j + 1][0]] == " ":
            j += 1
        start, end = words[i][0], words[j][1]
        glued = start > 0 and text[start - 1].isalnum() or end < len(text) and text[end].isalnum()
        run = [text[a:b] for a, b in words[i : j + 1]]
        if j - i < MAX_WORDS and all(map(_fits, run)) and not glued and not mask.touches(start, end):
            yield Span("PERSON", start, end, 0.9)
        i = j + 1
