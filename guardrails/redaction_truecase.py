"""Truecasing for NER and the name rules: capitalisation is the signal both read, so lines written all in upper
or all in lower case are title-cased first (same length, so offsets hold)."""
from __future__ import annotations

from guardrails.pii_lexicon import COMMON_INITIAL, STOP_WORDS
from guardrails.text_spans import compile_re2

WORD = compile_re2(r"[\p{L}][\p{L}'’\-]*")


def truecase(text: str) -> str:
    """`text` with lines written all upper or all lower case title-cased (function words kept); same length."""
    if not any(c.isalpha() for c in text):
        return text
    out: list[str] = []
    for line in text.split("\n"):
        letters = [c for c in line if c.isalpha()]
        if len(letters) >= 4 and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
            line = _title_words(line)
        out.append(line)
    return "\n".join(out)


def _title_words(line: str) -> str:
    chars = [c.lower() if len(c.lower()) == 1 else c for c in line]
    for m in WORD.finditer(line):
        word = m.group().lower()
        if line[m.start()].isupper() and (len(word) <= 2 or not any(v in word for v in "aeiouyäöüåéèáíóú")):
            chars[m.start() : m.end()] = list(m.group())  # "PRTN", "SRS", "NY": abbreviations stay upper case
            continue
        if word in STOP_WORDS or word in COMMON_INITIAL:
            continue
        first = chars[m.start()].upper()
        if len(first) == 1:
            chars[m.start()] = first
    return "".join(chars)
