"""Truecasing for NER and the name rules: capitalisation is the signal both read, so lines written all in upper
or all in lower case are re-cased first (same length, so offsets hold), and for names so is a sentence typed in
lower case inside a cased line ("Card 4111 ... was stolen. my name is aniela mirocha").

Two flavours. `truecase` title-cases every word but function words: the street-address patterns want "952 Perez
Port Apt. 143" whatever the line looked like. `truecase_for_names` capitalises only what could be a name (a word
English rarely uses, or one a name list holds that is not very common) and the first word of a sentence, so NER
reads "luna da mota wrote: the receipts match the claim" as "Luna da Mota wrote: the receipts match the claim"
rather than as a line of title words, and "suppose" or "sing" are never taken for names.
"""
from __future__ import annotations

from guardrails.pii_lexicon import (ABBREVIATIONS, COMMON_INITIAL, NAME_PARTICLES, ORG_SUFFIXES, STOP_WORDS,
                                   TITLES_AFTER, TITLES_BEFORE)
from guardrails.text_spans import compile_re2

WORD = compile_re2(r"[\p{L}][\p{L}'’\-]*")
# A word rarer than this in English is capitalised as a possible name; a word a name list holds up to the second.
RARE_ZIPF = 3.0
NAME_LIST_ZIPF = 4.6
# After a rare given name, a name-list word is capitalised up to this ("darragh charles"; not "white", "may").
SURNAME_AFTER_GIVEN_ZIPF = 5.0


def truecase(text: str) -> str:
    """`text` with lines written all upper or all lower case title-cased (function words kept); same length."""
    return _recase(text, smart=False)


def truecase_for_names(text: str) -> str:
    """`text` with all-upper / all-lower lines cased as prose: names and sentence starts capitalised; same length."""
    return _recase(text, smart=True)


def _recase(text: str, *, smart: bool) -> str:
    if not any(c.isalpha() for c in text):
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if _one_case(line, 4):
            line = _title_words(line, smart)
        elif smart:  # "Card 4111... was stolen. my name is aniela mirocha.": a sentence typed in lower case
            line = "".join(_title_words(part, smart) if _one_case(part, 8, upper=False) else part
                           for part in _sentences(line))
        out.append(line)
    return "\n".join(out)


SENTENCE_END = compile_re2(r"[.!?]+[\"'”’)]*[ \t]+")


def _sentences(line: str) -> list[str]:
    """`line` cut after each sentence end; the parts join back to `line`. A full stop after an abbreviation, a
    company suffix, a title or a degree ends no sentence ("Salud Integral Ltd. solicita", "Ditmar Putz MBA. will")."""
    parts, start = [], 0
    for m in SENTENCE_END.finditer(line):
        before = line[start : m.start()].split()
        if line[m.start()] == "." and before and _abbreviation(before[-1]):
            continue
        parts.append(line[start : m.end()])
        start = m.end()
    parts.append(line[start:])
    return parts


def _abbreviation(word: str) -> bool:
    """A word whose full stop ends no sentence: "Ltd", "Dr", "MBA", "ACME"."""
    last = word.lower().strip("\"'([")
    return (last in ABBREVIATIONS or last in ORG_SUFFIXES or last + "." in ORG_SUFFIXES or last + "." in TITLES_BEFORE
            or last in TITLES_AFTER or word.isupper())


def _one_case(part: str, least: int, *, upper: bool = True) -> bool:
    """At least `least` letters, all lower case (or, with `upper`, all upper case)."""
    letters = [c for c in part if c.isalpha()]
    return len(letters) >= least and (all(c.islower() for c in letters) or upper and all(c.isupper() for c in letters))


def _sentence_start(line: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and line[j] in " \t\"'([{*-“‘>":
        j -= 1
    return j < 0 or line[j] in ".!?:;" or (j >= 1 and line[j - 1 : j + 1] == "\\n")


def _after_title(line: str, pos: int) -> bool:
    before = line[max(0, pos - 12) : pos].split()
    return bool(before) and before[-1].lower() in TITLES_BEFORE and before[-1].lower().rstrip(".") not in STOP_WORDS


def _could_be_name(word: str) -> bool:
    from guardrails.name_lexicon import english_zipf, given_or_surname

    w = word.strip("'’-")
    if w.endswith(("'s", "’s")):  # "richard's kid"
        w = w[:-2]
    zipf = english_zipf(w)
    return zipf < RARE_ZIPF or (zipf < NAME_LIST_ZIPF and given_or_surname(w))


def _given_name(word: str) -> bool:
    from guardrails.name_lexicon import GIVEN_BEFORE_ZIPF, english_zipf, given_names

    w = word.lower()
    return w in given_names() and w not in STOP_WORDS and english_zipf(w) < GIVEN_BEFORE_ZIPF


def _double_barrelled(word: str, before: str) -> bool:
    """A hyphenated surname after a given name ("holmes-jackson", "berg-jensen"; "well-being" has no name part)."""
    parts = word.strip("-").split("-")
    return len(parts) >= 2 and _given_name(before) and all(len(p) >= 2 and _could_be_name(p) for p in parts)


def _given_before_rare_name(word: str, following: str) -> bool:
    """"thomas bruun", "stuart corkery": a given name, however common, right before a rare name word."""
    from guardrails.name_lexicon import reads_as_rare_name

    return not reads_as_rare_name([word]) and reads_as_rare_name([word, following])


def _surname_after_rare_given(word: str, previous: str) -> bool:
    """"darragh charles", "jurre martin": a name-list word, however common, right after a rare given name."""
    from guardrails.name_lexicon import english_zipf, given_or_surname, reads_as_rare_name

    return (word not in STOP_WORDS and word not in COMMON_INITIAL and given_or_surname(word)
            and english_zipf(word) < SURNAME_AFTER_GIVEN_ZIPF and _given_name(previous) and reads_as_rare_name([previous]))


def _title_words(line: str, smart: bool) -> str:
    chars = [c.lower() if len(c.lower()) == 1 else c for c in line]
    matches = list(WORD.finditer(line))
    for k, m in enumerate(matches):
        word = m.group().lower()
        latin = any("a" <= c <= "z" for c in word)
        # A vowel-less Latin word is an abbreviation; Cyrillic, Greek, ... words have no Latin vowels at all.
        vowelless = latin and not any(v in word for v in "aeiouyäöüåéèáíóú")
        if line[m.start()].isupper() and (len(word) <= 2 or vowelless):
            chars[m.start() : m.end()] = list(m.group())  # "PRTN", "SRS", "NY": abbreviations stay upper case
            continue
        if smart:
            # An honorific and the word after it are capitalised: "mrs. mansız" -> "Mrs. Mansız".
            if word + "." in TITLES_BEFORE or word in TITLES_BEFORE or _after_title(line, m.start()):
                pass
            elif _double_barrelled(word, matches[k - 1].group() if k > 0 else ""):
                # "Ian Holmes-Jackson": after a given name every part a capital ("jenkins-leonard" may be a firm)
                for j in range(m.start() + 1, m.end() - 1):
                    if line[j] == "-" and len(chars[j + 1].upper()) == 1:
                        chars[j + 1] = chars[j + 1].upper()
            elif not _sentence_start(line, m.start()) and (
                word in STOP_WORDS or word in COMMON_INITIAL or word in NAME_PARTICLES or not _could_be_name(word)
            ):
                following = matches[k + 1] if k + 1 < len(matches) else None
                previous = matches[k - 1] if k > 0 else None
                if not (following is not None and line[m.end() : following.start()] == " " and _given_before_rare_name(
                        word, following.group().lower())) and not (
                        previous is not None and line[previous.end() : m.start()] == " "
                        and _surname_after_rare_given(word, previous.group().lower())):
                    continue
        elif word in STOP_WORDS or word in COMMON_INITIAL:
            continue
        first = chars[m.start()].upper()
        if len(first) == 1:
            chars[m.start()] = first
    return "".join(chars)
