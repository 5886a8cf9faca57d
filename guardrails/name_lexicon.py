"""Given names and surnames from many countries: evidence that a capitalised word NER misread names a person.

en_core_web_sm, trained on English news, calls "Daria", "Berat" or "Eeva Lahtinen" a place, and a determiner
makes "a Priscilla Spanevello concert" read like a thing. The lists (`name_lexicon.json`, built by
`name_lexicon_build.py` from names-dataset, Apache 2.0) settle such cases. Membership alone proves little ("Will",
"Paris", "Field" are names too), so callers also ask that the word be rare in English (`english_zipf`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LEXICON = Path(__file__).with_name("name_lexicon.json")
# A word at least this frequent in English (zipf scale) is read as the word, not the name ("Will", "Grace").
COMMON_ZIPF = 3.6


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    return frozenset(data["given"]), frozenset(data["surnames"])


@lru_cache(maxsize=65536)
def english_zipf(word: str) -> float:
    """How common `word` is in English (wordfreq's zipf scale: 3 is once per million words)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") if len(word) <= 40 else 0.0


def given_name(word: str) -> bool:
    """A given name somewhere, and not a common English word."""
    w = word.lower().strip(".,'’")
    return w in _lists()[0] and english_zipf(w) < COMMON_ZIPF


def surname(word: str) -> bool:
    """A surname somewhere, and not a common English word."""
    w = word.lower().strip(".,'’")
    return w in _lists()[1] and english_zipf(w) < COMMON_ZIPF


def reads_as_full_name(words: list[str]) -> bool:
    """"Priscilla Spanevello", "Eeva Lahtinen": a given name first, then capitalised words (surnames, particles)."""
    return len(words) >= 2 and given_name(words[0]) and all(w[:1].isupper() or w.islower() and len(w) <= 3
                                                             for w in words[1:])


def reads_as_name(words: list[str]) -> bool:
    """One or more words each a given name or a surname (and none common in English): "Daria", "Popescu"."""
    return bool(words) and all(given_name(w) or surname(w) for w in words)


def person_misread_as_place(value: str) -> bool:
    """An NER "place" that is a person's name ("Daria", "Eeva Lahtinen", "Popescu"), with no place-name shape
    ("New Megan", "Gordonborough" stay places)."""
    from guardrails.nlp import _place_name

    words = value.split()
    if not words or len(words) > 3 or _place_name(value) or any(not w[:1].isupper() for w in words):
        return False
    return reads_as_full_name(words) or reads_as_name(words)


def reads_as_rare_name(words: list[str]) -> bool:
    """Names that are no English words at all ("łukasz", "piergiorgio"): enough even where capitals say
    nothing (a line typed in lower case)."""
    return bool(words) and all(
        (given_name(w) or surname(w)) and english_zipf(w.lower().strip(".,'’")) < 2.5 for w in words
    )


# English knows this word (zipf scale) though no name list has it, and it ends like a trade or a role:
# "Barrister", "Dietitian", "Herbalist", "Salesperson" are jobs, not surnames.
ENGLISH_WORD_ZIPF = 1.5
ROLE_ENDINGS = ("ist", "ists", "ian", "ians", "er", "ers", "or", "ors", "eer", "ant", "ary", "person", "people",
                "man", "woman", "smith", "wright", "ster", "ologist", "grapher", "its", "path", "ic")


def english_not_name(word: str) -> bool:
    """A role or trade English uses that no name list holds ("Herbalist", "Lexicographer", "Hobbits")."""
    w = word.lower().strip(".,'’")
    if "-" in w or not w.endswith(ROLE_ENDINGS):
        return False
    given, surnames = _lists()
    return w not in given and w not in surnames and english_zipf(w) >= ENGLISH_WORD_ZIPF


def reads_as_role(value: str) -> bool:
    """Every word a role or trade ("Barrister", "Hydrographic Surveyor"): a job title NER took for a name."""
    words = value.split()
    return bool(words) and all(english_not_name(w) for w in words)
