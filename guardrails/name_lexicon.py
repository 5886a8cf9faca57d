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

from guardrails.pii_lexicon import DETERMINERS, STOP_WORDS

LEXICON = Path(__file__).with_name("name_lexicon.json")
# A word at least this frequent in English (zipf scale) is read as the word, not the name ("Will", "Grace").
COMMON_ZIPF = 3.6
# Where something besides the word says "name" (a layout, a verb, a title), a listed name counts up to this
# frequency: "Smith" (4.5) and "Emma" are names there, "Royal" (4.7), "Park" or "Will" stay words.
LISTED_NAME_ZIPF = 4.6
# A word rarer than this (under once per million words of English) may be a name where a layout says so.
RARE_ZIPF = 3.0


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(LEXICON.read_text(encoding="utf-8"))
    return frozenset(data["given"]), frozenset(data["surnames"])


@lru_cache(maxsize=65536)
def english_zipf(word: str) -> float:
    """How common `word` is in English (wordfreq's zipf scale: 3 is once per million words)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") if len(word) <= 40 else 0.0


def given_names() -> frozenset[str]:
    """Every given name on the lists, lower case, however common in English."""
    return _lists()[0]


def surnames() -> frozenset[str]:
    """Every surname on the lists, lower case, however common in English."""
    return _lists()[1]


def listed_given_name(word: str) -> bool:
    """A given name on the lists (each part of "Grethe-Heidi"), used as an English word less than
    `LISTED_NAME_ZIPF` ("Emma", not "Grace" or "Will")."""
    w = word.lower().strip(".,'’")
    return all(p in _lists()[0] for p in w.split("-") if p) and english_zipf(w) < LISTED_NAME_ZIPF


def surname_like(word: str) -> bool:
    """A surname where a layout or a title says so: on the lists or rare in English, used as an English word less
    than `LISTED_NAME_ZIPF`, and no large place ("Hautamäki", "Smith"; not "Royal", "Jordan")."""
    w = word.lower().strip(".,'’")
    return english_zipf(w) < LISTED_NAME_ZIPF and not known_place(word) and (
        given_or_surname(w) or english_zipf(w) < RARE_ZIPF)


def given_name(word: str) -> bool:
    """A given name somewhere, and not a common English word."""
    w = word.lower().strip(".,'’")
    return w in _lists()[0] and english_zipf(w) < COMMON_ZIPF


def hyphenated_given_name(word: str) -> bool:
    """A given name, or given names joined by hyphens ("Grethe-Heidi", "Jan-Åke")."""
    parts = [p for p in word.split("-") if p]
    return given_name(word) or len(parts) > 1 and all(given_name(p) for p in parts)


def surname(word: str) -> bool:
    """A surname somewhere, and not a common English word."""
    w = word.lower().strip(".,'’")
    return w in _lists()[1] and english_zipf(w) < COMMON_ZIPF


def given_or_surname(word: str) -> bool:
    """On a name list at all, however common in English ("Bell", "Patrick")."""
    w = word.lower().strip(".,'’")
    given, surnames = _lists()
    return w in given or w in surnames


def reads_as_full_name(words: list[str]) -> bool:
    """"Priscilla Spanevello", "Eeva Lahtinen": a given name first, then capitalised words (surnames, particles)."""
    return len(words) >= 2 and hyphenated_given_name(words[0]) and all(w[:1].isupper() or w.islower() and len(w) <= 3
                                                             for w in words[1:])


def reads_as_name(words: list[str]) -> bool:
    """One or more words each a given name or a surname (and none common in English): "Daria", "Popescu"."""
    return bool(words) and all(given_name(w) or surname(w) for w in words)


def person_misread_as_place(value: str) -> bool:
    """An NER "place" that is a person's name ("Daria", "Eeva Lahtinen", "Popescu"), with no place-name shape
    ("New Megan", "Gordonborough" stay places)."""
    from guardrails.nlp import _place_name

    words = value.split()
    if not words or len(words) > 4 or any(not w[:1].isupper() for w in words):
        return False
    # A surname may end like a town ("Solheim", "Oppenheim"): after a given name, a listed surname is the name's.
    if _place_name(value) and not (len(words) >= 2 and hyphenated_given_name(words[0]) and surname(words[-1])):
        return False
    return reads_as_full_name(words) or len(words) <= 3 and reads_as_name(words)


PLACES = Path(__file__).with_name("place_names.json")
# Words before a place: "from Bahamas", "in Porto". After anything else a capitalised word NER calls a place is
# more often a person ("said Luna to Telemaco" aside, which stays a place).
PLACE_PREPOSITIONS = frozenset(
    "in from at near to towards toward into across around via visit visited visiting of outside inside".split()
)
# English town endings that are also surname endings: a given name or surname glued to one is a town
# ("Jasonland", "Scottberg", "Lawrenceton", "Boylefurt").
TOWN_ENDINGS = ("land", "berg", "ton", "furt", "field", "ford", "fort", "burg", "stad", "ville", "view", "side")
UNKNOWN_ZIPF = 2.0  # rarer than this, English does not know the word at all
# "spoke to Katherine", "said Luna to Telemaco" aside: after these, "to" introduces a person.
SPEAKING = frozenset("spoke talked talk speak said say says wrote write replied reply explained mentioned "
                     "introduced married engaged listen listened".split())


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    return frozenset(json.loads(PLACES.read_text(encoding="utf-8"))["places"])


def known_place(value: str) -> bool:
    """A country, a US state or a large city ("Slovakia", "Ohio", "Sofia")."""
    return value.lower().strip(" .,") in _places()


def town_word(word: str) -> bool:
    """A given name or surname glued to a town ending, and itself no name ("Scottberg", "Joneston"; not
    "Clifford")."""
    w = word.lower().strip(".,'’")
    given, surnames = _lists()
    if w in given or w in surnames:
        return False
    for ending in TOWN_ENDINGS:
        stem = w[: -len(ending)]
        if w.endswith(ending) and len(stem) >= 3 and (stem in given or stem in surnames or stem + "s" in surnames):
            return True
    return False


def _first_and_last(words: list[str], given: frozenset[str], surnames: frozenset[str]) -> bool:
    """Two words that read as a given name and a surname ("Calcedonio Cianciolo", "Eeva Lahtinen"), even after
    "from"."""
    if len(words) != 2:
        return False
    first, last = (w.lower().strip(".,'’") for w in words)

    def unknown(w: str) -> bool:
        return english_zipf(w) < UNKNOWN_ZIPF

    return (first in given and (last in surnames or unknown(last))) or (unknown(first) and unknown(last))


def person_in_place_context(value: str, before: str) -> bool:
    """An NER "place" no place list knows, that is a name or no English word, and that no place preposition
    introduces ("I spoke to Katherine", "my kid Ciríaco", "said Boris to Janya"): a person."""
    from guardrails.nlp import _place_name

    words = value.split()
    if not words or len(words) > 2 or any(not w[:1].isupper() for w in words) or _place_name(value):
        return False
    if known_place(value) or any(known_place(w) for w in words) or any(town_word(w) for w in words):
        return False
    words_before = [w.lower().strip(",;:\"'“(") for w in before.split()]
    prev = words_before[-1] if words_before else ""
    spoken_to = prev == "to" and any(w in SPEAKING for w in words_before[-3:-1])
    given, surnames = _lists()
    if prev in PLACE_PREPOSITIONS and not spoken_to and not _first_and_last(words, given, surnames):
        return False
    if prev in DETERMINERS:  # "the Cleveland office": a determiner introduces a place or a thing, not a person
        return False
    return all(
        (w.lower() in given or w.lower() in surnames or english_zipf(w.lower()) < UNKNOWN_ZIPF) for w in words
    )


COMMON_WORD_ZIPF = 3.5


def common_words_not_name(value: str, before: str = "") -> bool:
    """An NER person or place made only of everyday English words no name list holds ("Restaurant manager",
    "veterinary surgeon", "Producer"): a job or a thing. A place after a place preposition stays one ("in Reading")."""
    words = [w.strip(".,'’()") for w in value.split()]
    if not words or known_place(value) or any(not w.isalpha() for w in words):
        return False
    prev = before.split()[-1].lower().strip(",;:\"'“(") if before.split() else ""
    if prev in PLACE_PREPOSITIONS:
        return False
    return all(
        english_zipf(w.lower()) >= COMMON_WORD_ZIPF and not given_or_surname(w) and not _glued(w.lower())
        for w in words
    )


def brand_word(value: str) -> bool:
    """One Latin word on no name list, made of two English words ("Farmlogs", "Datamyne"): a brand, no person;
    unless it has a town's shape ("Kennedyton": see `town_word`)."""
    word = value.strip(".,'’()")
    return (" " not in word and word.isalpha() and word.isascii() and not given_or_surname(word)
            and _glued(word.lower()) and not town_word(word))


def _glued(word: str) -> bool:
    """"Springfield", "Oakland": two English words glued together name a place or a brand, not a job."""
    return len(word) >= 6 and any(
        english_zipf(word[:k]) >= COMMON_WORD_ZIPF and english_zipf(word[k:]) >= COMMON_WORD_ZIPF
        for k in range(3, len(word) - 2)
    )


GIVEN_BEFORE_ZIPF = 5.0  # "thomas" (4.8) before "bruun"; "see", "said", "will" (over 6) are on name lists too


def reads_as_rare_name(words: list[str]) -> bool:
    """Names that are no English words at all ("łukasz", "piergiorgio"), maybe after a given name however common
    ("stuart corkery", "thomas bruun"): enough even where capitals say nothing (a line typed in lower case)."""
    rare = [(given_name(w) or surname(w)) and english_zipf(w.lower().strip(".,'’")) < 2.5 for w in words]
    if all(rare):
        return bool(words)
    first = words[0].lower()
    return len(words) >= 2 and all(rare[1:]) and first in _lists()[0] and first not in STOP_WORDS and (
        english_zipf(first) < GIVEN_BEFORE_ZIPF)


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
    """A role or trade, after everyday words no name list holds ("Barrister", "Hydrographic Surveyor", "Product
    Designer", "Senior Software Engineer"): a job title NER took for a name."""
    words = value.split()
    return bool(words) and english_not_name(words[-1]) and all(
        english_not_name(w) or english_zipf(w.lower().strip(".,")) >= COMMON_WORD_ZIPF and not given_or_surname(w)
        for w in words[:-1]
    )
