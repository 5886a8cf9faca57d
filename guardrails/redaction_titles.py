"""Honorifics, initials, particles and degrees around a name found: part of the name a reader would recognise
("Dr. Nagyné Kiss Margit Éva", "Maurits van Ooste", "Emily Cooper PhD", "Mr. Prof. Dr. Á. Németh Béla")."""
from __future__ import annotations

from typing import Sequence

from guardrails.pii_lexicon import NAME_PARTICLES, NOT_NAMES, ORG_SUFFIXES, STOP_WORDS, TITLES_AFTER, TITLES_BEFORE
from guardrails.recognizers import Span, SpanMask, compile_re2

_INITIAL = compile_re2(r"^\p{Lu}\.$")
_STOP_TOKEN = ",;:()\"“”?!<>[]{}"


def _token_kind(token: str, side: str) -> str | None:
    low = token.lower()
    if side == "left" and low in TITLES_BEFORE:
        return "title"
    if side == "right" and low in TITLES_AFTER:
        return "title"
    if low in NAME_PARTICLES:
        return "particle"
    if _INITIAL.search(token):
        return "initial"
    bare = token.rstrip(".")
    if bare != token or not bare[:1].isupper() or any(not (c.isalpha() or c in "-'’") for c in bare):
        return None
    if low in NOT_NAMES or low in STOP_WORDS or low in ORG_SUFFIXES or bare.isupper() and len(bare) > 1:
        return None
    from guardrails.name_lexicon import english_zipf, given_or_surname

    zipf = english_zipf(low)
    return "name" if zipf < 3.0 or (given_or_surname(low) and zipf < 4.6) else None


def _given_after_title(text: str, tok: tuple[int, int], blocked: SpanMask) -> bool:
    """A capitalised word on a name list right after an honorific is a given name, however common in English
    ("Mrs June Roberts", "Dr Grant Hill"): the honorific says a name follows."""
    word = text[tok[0] : tok[1]]
    if not word[:1].isupper() or not word.isalpha() or word.isupper():
        return False
    title = _token_before(text, tok[0])
    if title is None or blocked.touches(*title) or text[title[0] : title[1]].lower() not in TITLES_BEFORE:
        return False
    from guardrails.name_lexicon import given_or_surname

    return word.lower() not in STOP_WORDS and given_or_surname(word)


def _token_before(text: str, pos: int) -> tuple[int, int] | None:
    if pos < 2 or text[pos - 1] != " ":
        return None
    k = pos - 1
    while k > 0 and not text[k - 1].isspace() and text[k - 1] not in _STOP_TOKEN:
        k -= 1
    return (k, pos - 1) if k < pos - 1 else None


def _token_after(text: str, pos: int) -> tuple[int, int] | None:
    if pos >= len(text) - 1 or text[pos] != " ":
        return None
    j = pos + 1
    while j < len(text) and not text[j].isspace() and text[j] not in _STOP_TOKEN:
        j += 1
    return (pos + 1, j) if j > pos + 1 else None


def extend_titles(text: str, spans: Sequence[Span], taken: Sequence[tuple[int, int]]) -> list[Span]:
    """Widens each PERSON span over the honorifics, initials, particles and name words around it ("Dr. M. Nagy
    Zsuzsanna", "Maurits van Ooste", "Emily Cooper PhD"); at most four tokens each side, never into a taken range."""
    blocked = SpanMask(len(text), taken)
    out: list[Span] = []
    for span in spans:
        if span.type != "PERSON":
            out.append(span)
            continue
        start, end = span.start, span.end
        for _ in range(4):
            tok = _token_before(text, start)
            if tok is None or blocked.touches(*tok):
                break
            kind = _token_kind(text[tok[0] : tok[1]], "left")
            if kind is None and _given_after_title(text, tok, blocked):  # "Mrs June Roberts": a common given name
                kind = "name"
            if kind is None:
                break
            start = tok[0]
            if kind == "title":  # more titles or initials may precede it ("Mr. Prof. Dr. Á. Németh Béla")
                while (tok := _token_before(text, start)) is not None and not blocked.touches(*tok) and _token_kind(
                    text[tok[0] : tok[1]], "left"
                ) in ("title", "initial"):
                    start = tok[0]
                break
        for _ in range(4):
            tok = _token_after(text, end)
            if tok is None or blocked.touches(*tok):
                break
            kind = _token_kind(text[tok[0] : tok[1]], "right")
            if kind == "particle":  # "van" only with the surname after it
                nxt = _token_after(text, tok[1])
                if nxt is None or blocked.touches(*nxt) or _token_kind(text[nxt[0] : nxt[1]], "right") != "name":
                    break
                end = nxt[1]
                continue
            if kind is None or kind == "initial":
                break
            end = tok[1]
            if kind == "title":
                break
        out.append(Span("PERSON", start, end, span.score) if (start, end) != (span.start, span.end) else span)
    return out
