"""Guards against false names: a capitalised run that reads as a thing ("the damaged MacBook Air"), a company or
a code ("GASLOG PRTN CUM RED", "Asahi NetInc") rather than a person, and the exceptions that still name one
("a Dylan concert", a full name from the name lexicon)."""
from __future__ import annotations

from guardrails.name_lexicon import english_zipf, given_or_surname, reads_as_full_name, surname_like
from guardrails.nlp import camel_case
from guardrails.pii_lexicon import NOT_BEFORE_NAME, ORG_SUFFIXES, STOP_WORDS, TITLES_AFTER, TITLES_BEFORE

_GLUED_SUFFIXES = ("inc", "ltd", "corp", "limited", "llc", "plc", "group", "holdings", "company")


# Things a person makes or performs: "the Hanson novel", "a Dylan concert" name their author, not a brand.
CREATIVE_WORKS = frozenset(
    """novel novels book books concert concerts song songs album albums record film films movie movies play plays
    poem poems lyrics biography memoir painting paintings sculpture tour opera symphony documentary""".split()
)
# A surname's people: "the Hautamäki family", "the Okafor twins".
KIN_GROUPS = frozenset("family household twins siblings kids children couple".split())


def names_despite_determiner(text: str, start: int, end: int) -> bool:
    """A capitalised run after "a"/"the" that still names a person: a full name from the name lexicon, or the
    author of the work the next word names."""
    run = text[start:end].split()
    following = text[end : end + 16].split()
    if following and following[0].lower().strip(".,!?") in CREATIVE_WORKS and len(run) <= 3:
        return True
    if following and following[0].lower().strip(".,!?") in KIN_GROUPS and len(run) <= 2 and _surnames(run):
        return True
    if text[end : end + 2] in ("'s", "’s") and _name_words(run):  # "this Vincent Bahl's account": the account's "this"
        return True
    return reads_as_full_name(run)


def _surnames(run: list[str]) -> bool:
    return all(w[:1].isupper() and surname_like(w) for w in run)


def _name_words(run: list[str]) -> bool:
    """Two or more words, each on a name list or rare in English ("Vincent Bahl"; not "MacBook Air")."""
    return len(run) >= 2 and all(w[:1].isupper() and (given_or_surname(w) or english_zipf(w.lower()) < 3.0)
                                 and not camel_case(w) for w in run)


PERSON_NOUNS = frozenset(
    """customer claimant policyholder insured caller beneficiary payee patient tenant homeowner driver witness
    guardian adjuster spouse husband wife son daughter mother father brother sister friend neighbour neighbor
    colleague landlord cardholder kid child partner player singer songwriter actor actress author commenter boss
    manager founder founders cousin uncle aunt grandmother grandfather boyfriend girlfriend client applicant
    employee member contact representative agent lawyer attorney solicitor doctor nurse surgeon dentist teacher
    student owner occupant resident passenger pedestrian victim relative roommate flatmate housemate fiance fiancee
    coworker supervisor assistant technician inspector surveyor assessor plumber electrician mechanic officer
    nephew niece grandson granddaughter stepson stepdaughter parent mum mom dad""".split()
)


def introduced_as_thing(text: str, start: int, end: int | None = None) -> bool:
    """"the damaged MacBook Air", "a Hanson novel": a determiner (and maybe an adjective) introduces a thing.

    "my friend John" stays a name: the word between is a person noun."""
    before = text[max(0, start - 40) : start].rsplit("\n", 1)[-1].split()  # a line break ends the phrase
    if not before or (end is not None and names_despite_determiner(text, start, end)):
        return False
    if before[-1].lower() in NOT_BEFORE_NAME:
        return True
    return (
        len(before) >= 2
        and before[-1].isalpha()
        and before[-1].islower()
        and before[-1] not in PERSON_NOUNS
        and before[-1] not in STOP_WORDS
        and before[-2].lower() in NOT_BEFORE_NAME - {"as"}
    )


def reads_as_person(value: str) -> bool:
    """False for a "name" that reads as a company or a code: glued or listed company suffixes, vowel-less
    abbreviations, camelCase brands, digits ("GASLOG PRTN CUM RED", "Asahi NetInc", "Groupinc")."""
    # Honorifics and degrees ("Dr.", "PhD", "MBA") say nothing either way.
    titles = TITLES_BEFORE | TITLES_AFTER  # with or without the full stop a trimmed span lost ("B.Eng")
    words = [w.strip(".,()'’\"") for w in value.split() if w.lower() not in titles and w.lower() + "." not in titles]
    # Capitals are no camelCase brand in a name written in capitals ("RIVERA, LILA" in a shouted form): two or
    # more words, one of them a given name the lists hold.
    shouted = len(words) >= 2 and all(w.isupper() for w in words) and any(given_or_surname(w) for w in words)
    for w in words:
        lowered = w.lower()
        if not w or any(c.isdigit() for c in w) or lowered in ORG_SUFFIXES or camel_case(w) and not (
            w.isupper() and shouted):
            return False
        if any(lowered.endswith(x) and len(lowered) > len(x) + 2 for x in _GLUED_SUFFIXES):
            return False
        if w.isupper() and len(w) > 1 and not any(v in lowered for v in "aeiouyäöüåéèáíóú"):
            return False
    if len(words) < len(value.split()) and words and all(_plain_word(w) for w in words):
        return False  # "Mrs. Author", "Mr. Join Congress": an honorific before everyday words names nobody
    return bool(words) and not (len(words) > 3 and any(w.isupper() and len(w) > 1 for w in words))


EVERYDAY_ZIPF = 4.0  # "author", "operation", "think"; every word at least this common and on no name list


def _plain_word(word: str) -> bool:
    return not given_or_surname(word) and english_zipf(word.lower()) >= EVERYDAY_ZIPF
