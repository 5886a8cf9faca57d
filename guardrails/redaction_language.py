"""Prose in another language: there a capitalised word that English rarely uses is no sign of a name.

The rare-word rule and NER read "Nota", "Seguimiento", "Teléfono" or "Mejora" at the start of a Spanish sentence as
people, because English does not use those words and the NER model only knows English. In such text only name-list
words still count: "Juan Pérez", "Sofía Torres" stay masked, "Nota de sesión" is kept. Latin counts as
another language: lorem-ipsum filler left in a draft is full of words English never uses. The language is told by
function words written in lower case (names and headings are capitalised, so they cannot tip it).
"""
from __future__ import annotations

from typing import Sequence

from guardrails.text_spans import Span

ENGLISH_WORDS = frozenset(
    "the a an and of to in is was for on with at by from his her he she it this that be are have has had not or as "
    "i you we they my your our their will would can been were".split()
)
# Common function words of Spanish, Portuguese, French, Italian, German, Dutch and the Nordic languages that are not
# English words too ("de", "da", "van" are name particles in English text and are left out, as are "die", "per").
OTHER_WORDS = frozenset(
    "el los las del que y en con por para una se su es les des du et est une il dans pour pas avec sur der das und "
    "ist mit von zu ein eine nicht auch sich wie che gli della sono não em uma com och att og ikke het een niet "
    "como pero más muy también está "
    # Latin (lorem-ipsum filler in drafts and templates; Faker writes it for several locales)
    "ut sed quia qui quae quod quo quis cum sunt nam enim vel aut nisi neque atque eius eum eos".split()
)
# At least this many lower-case words, more than this share unknown to English ("voluptatem", "consequuntur").
UNKNOWN_LEAST = 6
UNKNOWN_SHARE = 0.5
PUNCTUATION = ".,;:!?()[]\"'“”‘’"
STRONG = 0.9  # a name field or cue ("Paciente: ..." is not one of ours, but "Name: ..." is) keeps its span


def other_language(text: str) -> bool:
    """More function words of another language than of English, and at least two; or, failing that, lower-case
    words most of which English does not know.

    Only a function word before a lower-case word counts: in "Piquer y Duran S.L." or "Rémy du Clément" it is part
    of a name inside English text.
    """
    words = "".join(c if c.isalpha() else " " for c in text).split()  # a regex iterator costs 10x more per word
    counted = [w for w, nxt in zip(words, words[1:] + [""]) if w.islower() and not nxt[:1].isupper()]
    other = sum(1 for w in counted if w in OTHER_WORDS)
    if other >= 2 and other > sum(1 for w in counted if w in ENGLISH_WORDS):
        return True
    from guardrails.name_lexicon import UNKNOWN_ZIPF, english_zipf

    # No function word tipped it: prose whose lower-case words English mostly does not know is another language.
    # Only whole words between spaces count: an e-mail, a wallet id or a URL splits into unknown bits.
    prose = [w for w in (t.strip(PUNCTUATION) for t in text.split()) if w.isalpha() and w.islower()]
    return len(prose) >= UNKNOWN_LEAST and sum(
        1 for w in prose if english_zipf(w) < UNKNOWN_ZIPF) > UNKNOWN_SHARE * len(prose)


def names_in_other_languages(text: str, spans: Sequence[Span]) -> list[Span]:
    """In prose of another language, PERSON spans below a cue's score must read as a name on their own."""
    if not any(s.type == "PERSON" and s.score < STRONG for s in spans) or not other_language(text):
        return list(spans)
    return [s for s in spans if s.type != "PERSON" or s.score >= STRONG or _reads_as_name(text[s.start : s.end])]


def _reads_as_name(value: str) -> bool:
    """Capitalised words, two or more, one on a name list: "Juan Pérez". Name lists hold Latin and Spanish words
    too ("Porro", "Magni", "Dolores"), so one listed word alone is no name in such prose."""
    from guardrails.name_lexicon import given_or_surname, listed_given_name

    words = value.split()
    if len(words) >= 2 and all(w[:1].isupper() or len(w) <= 3 for w in words) and any(
            given_or_surname(w) for w in words):
        return True
    # "Temporibus dolorum Lee James vero": a listed given name and a capitalised name-list word after it.
    return any(a[:1].isupper() and b[:1].isupper() and listed_given_name(a) and given_or_surname(b)
               for a, b in zip(words, words[1:]))
