"""The phone recognizer: phone-shaped digit runs (with or without a country code, brackets or an extension) and
vanity numbers ("1-800-FLOWERS"), scored by shape and by context words; date- and IP-shaped runs are not phones."""
from __future__ import annotations

from typing import Iterator

from guardrails.text_spans import Span, alnum_at, compile_re2, context_before

PHONE_RUN = compile_re2(
    r"(?:\+|\b00)?\(?\+?\d[\d()]*(?:[ .\-]\(?\d[\d()]*)*(?:\s?(?i:x|ext\.?|extension)\s?\d{1,6})?"
)
VANITY = compile_re2(r"(?:\+?1[ .\-])?\(?[2-9]\d\d\)?[ .\-](?:[A-Z0-9]{3}[ .\-][A-Z0-9]{4}|[A-Z][A-Z0-9]{3,9})")
PHONE_CONTEXT = ("phone", "call", "mobile", "cell", "tel", "sms", "text", "fax", "whatsapp", "contact", "reach",
                 "number", "ring", "dial", "landline", "hotline", "ph", "mob")
_MAX_TOKENS = 8


def _date_or_ip_shaped(candidate: str) -> bool:
    """"2024-03-02", "03/02/2024", "12.06.2023", "10.0.0.12": numbers in groups a date or an IP uses."""
    for sep in "-/.":
        parts = candidate.split(sep)
        if all(p.isdigit() for p in parts):
            lengths = [len(p) for p in parts]
            if len(parts) == 3 and (lengths[0] == 4 and max(lengths[1:]) <= 2 or max(lengths[:2]) <= 2 and
                                    lengths[2] in (2, 4)):
                return True
            if len(parts) == 4 and sep == "." and max(lengths) <= 3:
                return True
    return False


EXTENSION = compile_re2(r"\s?(?i:x|ext\.?|extension)\s?\d{1,6}$")


def _phone_score(text: str, start: int, candidate: str) -> float:
    # An extension is dialled after the call connects: it does not count towards the number's length.
    ext = EXTENSION.search(candidate)
    candidate = candidate[: ext.start()] if ext and ext.start() > 0 else candidate
    digits = sum(c.isdigit() for c in candidate)
    if digits < 7 or digits > 15 or _date_or_ip_shaped(candidate):
        return 0.0
    if candidate.startswith(("+", "00")) and digits >= 8:
        return 0.75
    if "(" in candidate and ")" in candidate:
        return 0.7
    if digits >= 10:
        return 0.7 if any(c in candidate for c in " .-") else 0.6
    return 0.6 if context_before(text, start, PHONE_CONTEXT) else 0.0


def find_phones(text: str) -> Iterator[Span]:
    for m in PHONE_RUN.finditer(text):
        start = m.start()
        prev = text[start - 1] if start > 0 else " "
        if prev.isalnum() or prev in "$€£¥_" or (prev in "-/#:." and start > 1 and text[start - 2].isalnum()):
            continue
        # Split the run at spaces into tokens; the phone is the longest token window that reads as one.
        tokens: list[tuple[int, int]] = []
        pos = start
        for part in m.group().split(" "):
            if part:
                tokens.append((pos, pos + len(part)))
            pos += len(part) + 1
        i = 0
        while i < len(tokens):
            best = None
            for j in range(min(len(tokens), i + _MAX_TOKENS), i, -1):
                s, e = tokens[i][0], tokens[j - 1][1]
                while e > s and (text[e - 1] in ".-(" or text[e - 1] == ")" and text.count(")", s, e) > text.count("(", s, e)):
                    e -= 1
                if text[s] == ")":
                    break
                candidate = text[s:e]
                if candidate.count("(") != candidate.count(")") or alnum_at(text, e):
                    continue
                score = _phone_score(text, s, candidate)
                if score:
                    best = (j, Span("PHONE_NUMBER", s, e, score))
                    break
            if best is None:
                i += 1
                continue
            i = best[0]
            yield best[1]
    for m in VANITY.finditer(text):
        start, end = m.span()
        if alnum_at(text, start - 1) or alnum_at(text, end):
            continue
        if sum(c.isupper() for c in m.group()) >= 3:
            yield Span("PHONE_NUMBER", start, end, 0.6)
