"""Organisation names that read like people's names: ranges the name rules must leave alone.

Law firms, agencies and funds are named after people ("Hamilton, Diaz and Contreras", "Robinson Yu"), so NER and
the rare-word rule take them for names. Three general shapes say "company" instead: a run of capitalised words
ending in a company word ("Two Harbors Investment Corp.", "The Hamilton, Diaz and Contreras Orchestra"); a list
of bare surnames in quotes or after a determiner ("for "Freeman, Ho and Hoffman"", "her Freeman, Ho and Hoffman
resignation letter"); and whatever someone works for or at ("I used to work for programmableweb").
"""
from __future__ import annotations

import unicodedata
from typing import Iterator

from guardrails.pii_lexicon import (NAME_PARTICLES, ORG_DOTTED, ORG_HEADS, ORG_SUFFIXES, ORG_TAILS, PLACE_PREFIXES,
                                    TITLES_BEFORE)
from guardrails.name_lexicon import given_names, given_or_surname, known_place, listed_given_name
from guardrails.recognizers import Span, compile_re2

_CAP = r"\p{Lu}[\p{L}&'’.\-]*"
# A company word is a whole word ("Dobson LLC said" is no firm "... LLC sa"), or a dotted legal form ("S.p.A.").
_SUFFIX = (r"(?:(?i:" + ORG_DOTTED + r")|(?i:" + "|".join(sorted(ORG_TAILS, key=len, reverse=True)) + r")\b\.?)")
_JOIN = r"(?:[ \t]+(?i:van|von|de|der|den|del|y|i|e|&|of|the))?[ \t]+"
# A company named by its first word ("Stichting van Northeim", "Fundacja Stempel", "Bank of Lindmark").
ORG_HEAD = compile_re2(
    r"\b(?:(?i:" + "|".join(sorted(ORG_HEADS, key=len, reverse=True)) + r")|(?i:bank[ \t]+of))" + _JOIN
    + r"\p{L}[\p{L}'’\-]*(?:" + _JOIN + _CAP + r"){0,3}"
)
# A bracketed word may sit inside the name ("Ponni Sugars (Erode) Ltd", "Mindteck (India) Ltd").
_CAP_OR_BRACKETED = r"(?:" + _CAP + r"|\(\p{Lu}[\p{L}]*\))"
ORG_RUN = compile_re2(
    _CAP + r"(?:(?:,?[ \t]+(?:and|&|of|the|de|e|y|i|et|und|en|og|och|van|von|\d[\d\-]*)|,)?[ \t]+"
    + _CAP_OR_BRACKETED + r"){0,6}"
    r"(?:,?[ \t]+(?:and|&))?[ \t]+" + _SUFFIX
)
_SURNAME = r"\p{Lu}[\p{L}'’\-]*"
FIRM_LIST = compile_re2(
    r"(?:([\"“'‘])|\b(?i:the|her|his|their|our|my|your|its)[ \t]+)(" + _SURNAME + r"(?:,[ \t]+" + _SURNAME
    + r"){1,4},?[ \t]+(?:and|&)[ \t]+" + _SURNAME + r")"
)
WORKS_FOR = compile_re2(
    r"(?i:work|works|worked|working|job|jobs|intern|interned)[ \t]+(?i:for|at)[ \t]+[\"“']?"
    r"([\p{L}][\p{L}\d&'’.\-]*(?:[ \t]+\p{Lu}[\p{L}\d&'’.\-]*){0,4})"
    r"|(?i:employed by|employer is|employer,|joined|hired by)[ \t]+[\"“']?"
    r"(\p{Lu}[\p{L}\d&'’.\-]*(?:[ \t]+\p{Lu}[\p{L}\d&'’.\-]*){0,4})"
)

# "Robinson Yu is a design agency": a name described as a kind of business.
_BUSINESS = (
    r"(?i:company|agency|firm|startup|start-up|brand|bank|business|corporation|organisation|organization|"
    r"manufacturer|retailer|provider|supplier|fund|studio|consultancy|chain|publisher|label|network|insurer|"
    r"charity|nonprofit|non-profit|law firm|partnership|subsidiary|conglomerate|enterprise|vendor|store|shop)"
)
DESCRIBED = compile_re2(
    r"(" + _CAP + r"(?:[ \t]+" + _CAP + r"){0,3})[ \t]+(?:is|was|,)[ \t]+(?i:a|an|the)[ \t]+"
    r"(?:[\p{L}\-]+[ \t]+){0,2}" + _BUSINESS + r"\b"
)


# "Altova is the brainchild of ...", "Intelius was founded in 2004", "X, founded in 1990,": a company's history.
FOUNDED = compile_re2(
    r"(" + _CAP + r"(?:[ \t]+" + _CAP + r"){0,4})"
    r"(?:[ \t]+(?:is|was)[ \t]+the[ \t]+brainchild"
    r"|,?[ \t]+(?:was|were)?[ \t]*(?i:founded|incorporated|established)[ \t]+(?:in|by|on)\b)"
)
# A whole line of a signature or address block that names a company with a glued or bracketed suffix
# ("TOKYO OHKA KOGYO CO.LTD.", "Ponni Sugars (Erode) Ltd", "XTRACKERS MSCI BAN/USD").
_LINE_SUFFIXES = ORG_TAILS | frozenset("usd eur gbp jpy chf prf pfd noncum etfs vct sas sarl nv bhd tbk".split())
LINE = compile_re2(r"(?:^|\n|\\n)[?}>\t ]*([^\n\\,:@]{3,80}?)[ \t]*(?:$|\n|\\n)")
_TOKENS = compile_re2(r"[\p{L}]+")


def _company_lines(text: str) -> Iterator[tuple[int, int]]:
    """Lines of a block (the text has several) of at most eight capitalised words ending in a company word, or
    holding one with a slash, a bracket or a dot glued to it; a sentence is never such a line."""
    if "\n" not in text and "\\n" not in text:
        return
    pos = 0
    while pos < len(text):
        m = LINE.search(text, pos)
        if m is None:
            break
        line = m.group(1)
        words = _TOKENS.findall(line)
        tokens = [t.lower() for t in words]
        capitalised = all(w[:1].isupper() or len(w) < 3 or w.lower() in _LINE_SUFFIXES for w in words)
        if not capitalised or len(tokens) > 8:
            pass
        elif len(tokens) >= 2 and tokens[-1] in _LINE_SUFFIXES or any(
            t in _LINE_SUFFIXES and ("/" in line or "(" in line or "." in line) for t in tokens
        ):
            yield m.span(1)
        pos = max(m.end(1), m.start() + 1)


# A given name and name particles just before a company run: the run's first word is that person's surname.
_PARTICLES_BEFORE = compile_re2(
    r"(?:^|[\s(])(\p{Lu}[\p{L}'’\-]+)[ \t]+(?:(?:van|von|de|der|den|del|della|da|di|du|la|le|ter|ten)[ \t]+)+$")
_AND = compile_re2(r"[ \t]+and[ \t]+|,[ \t]+")


def after_person(text: str, start: int, end: int) -> tuple[int, int]:
    """"Guy Maillard and Vantage Point Advisors", "Alondra Mármol Silva, Writer, Junk GmbH": a person (a given
    name and more words) and a company joined by "and" or a comma are two; the company starts after the join.
    "Weber and Sons" and "Hamilton, Diaz and Contreras" stay one."""
    joins = list(_AND.finditer(text, start, end))
    if not joins:
        return start, end
    left = text[start : joins[0].start()]
    words = left.split()
    lead = _PARTICLES_BEFORE.search(text[max(0, start - 40) : start])
    if lead:  # "Zoë van der | Linde and Greenfield Roofing": the run began inside a name
        words = [lead.group(1)] + words
    person = (2 <= len(words) <= 4 and "\n" not in left and words[0][1:].islower() and _given(words[0])
              and not known_place(left) and not any(w.lower().strip(".,") in ORG_TAILS for w in words))
    if person:
        return joins[0].end(), end
    return start, end


def _given(word: str) -> bool:
    """A given name on the lists, also without its accents ("Loïs"), and no place prefix ("New")."""
    w = word.lower().strip(".")
    plain = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return (w in given_names() or plain in given_names()) and w not in PLACE_PREFIXES


# Company words that are also common surnames: after a given name alone they end a person's name.
SURNAME_TAILS = frozenset({"mills"})


def _given_and_surname_tail(words: list[str]) -> bool:
    """"Stephanie Mills": a given name and a surname that is also a company word ("Sunrise Mills" stays a firm)."""
    return len(words) == 2 and words[1].lower() in SURNAME_TAILS and listed_given_name(words[0])


def _owned_thing(run: str) -> bool:
    """"Lisa Abreu's insurance", "Tom's bank": a lower-case company word after a possessive is what the person has
    ("Moody's Corporation" is written with a capital)."""
    words = run.split()
    return len(words) >= 2 and words[-2].endswith(("'s", "’s")) and words[-1][:1].islower()


def organisation_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of `text` (truecased) that name an organisation, not a person (none inside another)."""
    ranges = list(dict.fromkeys(_ranges(text)))
    return [r for r in ranges if not any(o != r and o[0] <= r[0] and r[1] <= o[1] for o in ranges)]


def _ranges(text: str) -> Iterator[tuple[int, int]]:
    for m in ORG_RUN.finditer(text):
        after = text[m.end() : m.end() + 1]
        if _given_and_surname_tail(m.group().split()) or _owned_thing(m.group()):
            continue
        if not (after.isalnum() or after in ("-", "'", "’")):  # "co-own" is no "Co."
            yield after_person(text, *m.span())
    for m in ORG_HEAD.finditer(text):
        yield m.span()
    for m in FIRM_LIST.finditer(text):
        quote = m.group(1)
        if quote:
            closing = {"\"": "\"", "“": "”", "'": "'", "‘": "’"}[quote]
            if not text[m.end(2) : m.end(2) + 1] == closing:
                continue
        elif not text[m.end(2) : m.end(2) + 2].strip()[:1].islower():  # "her X, Y and Z resignation letter"
            continue
        yield m.span(2)
    for m in DESCRIBED.finditer(text):
        yield m.span(1)
    for m in FOUNDED.finditer(text):
        yield m.span(1)
    yield from _company_lines(text)
    for m in WORKS_FOR.finditer(text):
        g = 1 if m.group(1) is not None else 2
        if not _employer_is_a_person(m.group(g).split()):
            yield m.span(g)


def _employer_is_a_person(words: list[str]) -> bool:
    """"I work for Dr. Anna Berg", "works for Emma Amundsen": an honorific, or a given name ("Emma", not "Grace" or
    "Will") and capitalised words after it, with no company word; or words of another script."""
    if not words or any(w.lower().strip(".,") in ORG_TAILS for w in words):
        return False
    if words[0].lower() in TITLES_BEFORE:
        return len(words) >= 2 and words[1][:1].isupper()
    if all(not c.isascii() for w in words for c in w[:1]):  # "Ия Антоновна Евсеева"
        return 2 <= len(words) <= 4
    return 2 <= len(words) <= 4 and listed_given_name(words[0]) \
        and all(w[:1].isupper() or w in NAME_PARTICLES for w in words[1:])


def company_line(text: str, span: Span) -> bool:
    """An NER person that is one word alone on its line, on no name list: "Seeclickfix" in a signature block."""
    if span.type != "PERSON":
        return False
    value = text[span.start : span.end]
    before = text[max(0, span.start - 6) : span.start]
    after = text[span.end : span.end + 3]
    lead = before.rstrip("?}> \t")
    own_line = (lead == "" or lead.endswith(("\n", "\\n"))) and (after == "" or after.startswith(("\n", "\\n")))
    return own_line and len(value.split()) == 1 and not given_or_surname(value)
