"""Name shapes with no cue word before them that the name lists confirm: a surname's family, a dotted handle, a
listed given name doing something or having something done to it, a name called in a quote or said to be a name,
a name after a role used as a title ("Officer Lopez"), a list of bare given names, and a lone name heading a
contact block.

"The Vestergaard family moved out", "Assigned to Károly.Parker", "When Jake came home", "We called Miguel",
'"Kate, wait!"', "Bonbach is my maiden name":
NER often misses a lone name in such places, and the cue rules (`redaction_names`) need a cue word before it.
Each shape asks the name lists (`name_lexicon`) and wordfreq for confirmation, so the English words that happen
to be names ("the Royal family", "When Visa declined") stay clear. Run on truecased text.
"""
from __future__ import annotations

from typing import Iterator, Sequence

from guardrails.name_lexicon import (LISTED_NAME_ZIPF, RARE_ZIPF, english_zipf, given_names, given_or_surname,
                                     known_place, listed_given_name, surname_like, surnames)
from guardrails.pii_lexicon import NOT_NAMES, STOP_WORDS
from guardrails.recognizers import Span, SpanMask, compile_re2

_WORD = r"\p{Lu}[\p{L}'’\-]*\p{L}"
# "the Smith family", "the Okafor twins": one or two surnames before a word for their people ("Lehman Brothers"
# is a company).
FAMILY = compile_re2(
    r"\b(?i:the)[ \t]+(" + _WORD + r"(?:[ \t]+" + _WORD + r")?)[ \t]+"
    r"(?i:family|household|twins|siblings|kids|children|couple)\b"
)
# "Assigned to Károly.Parker", "Reference: Lund/Ingrid": a given name and a surname joined by a dot or a slash,
# as in a user name or a file reference, either one first.
DOTTED = compile_re2(r"(?:^|[^\p{L}\p{N}./@_])(\p{Lu}\p{Ll}+)[./](\p{Lu}\p{Ll}+)(?:[^\p{L}\p{N}./@_]|$)")
# "We called Miguel but ...", "Ingrid from Acme Roofing phoned": a given name as the object of a verb that takes a
# person, or before "from" and a capitalised word.
OBJECT = compile_re2(
    r"\b(?i:called|rang|contacted|visited|paid|met|told|pinged|messaged|informed|warned|thanked|emailed|texted|"
    r"phoned|reminded|invited|hired|fired|married|paged|talked about|spoke about|worried about|asked about|"
    r"heard about|thinking about|lunch with|dinner with|stayed with|staying with|lives with|living with)[ \t]+("
    + _WORD + r")\b"
)
FROM_COMPANY = compile_re2(r"(?:^|[.!?\n][ \t]*)(" + _WORD + r")[ \t]+from[ \t]+\p{Lu}")
# '"Kate, wait!" she shouted': a name called at the start of a quote.
QUOTED_VOCATIVE = compile_re2(r"[\"“‘'](" + _WORD + r"),[ \t]")
# "Bonbach is my maiden name": the sentence says it is a name.
SAID_TO_BE_NAME = compile_re2(
    r"(" + _WORD + r"(?:[ \t]+" + _WORD + r")?)[ \t]+(?:is|was)[ \t]+(?i:my|her|his|their|our|your)[ \t]+"
    r"(?i:maiden name|family name|last name|first name|given name|surname)\b"  # not the idiom "... my middle name"
)
# "When Jake came home", "Is Clive still", "Why did Carter reject": a lone given name as a clause's subject.
SUBJECT = compile_re2(
    r"\b(?i:when|if|after|before|because|until|while|why did|did|does|is|was|has|had|can|could|will|would|"
    r"see|saw|let|help)[ \t]+(" + _WORD + r")[ \t]+(?:came|went|arrived|left|found|saw|told|drove|paid|signed|"
    r"took|got|still|already|reject|rejected|said|says|wants|wanted|needs|needed|knows|knew|thinks|thought|"
    r"standing|sitting|walking|driving|working|waiting|is|was|has|had)\b"
)
# A sentence that starts with a given name and a verb: "Anders thinks ...", "Marguerite can't find ...".
OPENING_SUBJECT = compile_re2(
    r"(?:^|[.!?\n][ \t]*)(" + _WORD + r")[ \t]+(?:can't|cannot|can|couldn't|doesn't|does|didn't|won't|wouldn't|"
    r"isn't|wasn't|hasn't|thinks|thought|says|said|wants|wanted|needs|knows|knew|agreed|agrees|told|asked|drove|"
    r"lives|works|called|phoned|wrote|sent|paid|signed|found|lost|and I|and her|and his)\b"
)
# A role used as a title: "Officer Lopez", "Nurse Ella", "Uncle Bob"; the name after it is on the lists.
ROLE_TITLE = compile_re2(
    r"\b(?:Officer|Nurse|Coach|Captain|Capt\.|Sergeant|Sgt\.|Detective|Det\.|Inspector|Judge|Pastor|Reverend|Rev\.|"
    r"Rabbi|Imam|Deacon|Bishop|Lieutenant|Lt\.|Uncle|Aunt|Auntie|Grandma|Grandpa|Granny|Nana|Cousin|Agent|Constable|"
    r"Dean|Chef)[ \t]+(" + _WORD + r")"
)
# "Cas, Isabella and Christopher are coming": a list of bare given names.
NAME_LIST = compile_re2(
    r"(?:^|[^\p{L}])(" + _WORD + r"(?:,[ \t]+" + _WORD + r"){1,5},?[ \t]+(?:and|&)[ \t]+" + _WORD + r")\b"
)
# "Kirsty\nSales executive\nAcme Ltd\n12 Mill Road": a block (a signature, an address label) headed by one word
# alone on its line, with at least two more lines below it.
BLOCK_HEAD = compile_re2(
    r"(?:^|\n[ \t]*\n)[^\p{L}\p{N}\n]{0,4}(" + _WORD + r")[ \t]*,?[ \t]*\n(?:[ \t]*\n)?"
    r"[^\n]*\S[^\n]*\n[^\n]*\S"
)
# "... outside Michael Davila pulled ...", "... along Christine Green, ...": a given name and a surname, both
# capitalised, between lower-case words or punctuation in running prose; no cue word needed.
MID_PROSE_PAIR = compile_re2(
    r"(?:^|[^\p{L}\p{N}])\p{Ll}[\p{L}'’\-]*[ \t]+(\p{Lu}\p{Ll}+)[ \t]+(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)"
    r"(?:[ \t]+\p{Ll}|[ \t]*[.,;:!?)]|[ \t]*\n|[ \t]*$)"
)
# In such a pair a given name counts up to this frequency ("Michael" 4.9, "James" 5.0), a surname below it.
PAIR_ZIPF = 5.05
_WORDS = compile_re2(_WORD)
# Makers and payment brands the given-name lists also hold: "Is Mercedes still covering it?" asks about a car.
BRANDS = frozenset("kia mazda mercedes chevy lincoln mini aviva chase wells visa aldi avis macy wendy heinz campbell "
                   "dupont sony tata chanel hermes memo".split())


def _no_word_or_brand(word: str) -> bool:
    lowered = word.lower()
    return lowered not in NOT_NAMES and lowered not in STOP_WORDS and lowered not in BRANDS and not known_place(word)


def _given(word: str) -> bool:
    return listed_given_name(word) and _no_word_or_brand(word) and not word.isupper()


def _surname_like(word: str) -> bool:
    return surname_like(word) and _no_word_or_brand(word)


def name_shapes(text: str, things: Sequence[tuple[int, int]] = (), original: str | None = None) -> Iterator[Span]:
    """PERSON spans for the shapes above, each confirmed by the name lists or by being rare in English.

    `things` are ranges NER read as an organisation or a product: a word there is no subject or object name
    ("We called Kia", "Is Mercedes still ..."). `original` is the text before truecasing: a dotted or slashed pair
    must have had its capitals there ("par/ut" in a lower-case fund name is none).
    """
    mask = SpanMask(len(text), things)
    for m in FAMILY.finditer(text):
        if all(_surname_like(w) for w in m.group(1).split()):
            yield Span("PERSON", m.start(1), m.end(1), 0.8)
    for m in DOTTED.finditer(text):
        first, second = m.group(1), m.group(2)
        written = original is None or original[m.start(1)].isupper() and original[m.start(2)].isupper()
        if written and _surname_like(first) and _surname_like(second) and (_given(first) or _given(second)):
            yield Span("PERSON", m.start(1), m.end(1), 0.8)  # two spans: the dot is no part of a name
            yield Span("PERSON", m.start(2), m.end(2), 0.8)
    for pattern in (OBJECT, FROM_COMPANY, QUOTED_VOCATIVE, SUBJECT, OPENING_SUBJECT):
        for m in pattern.finditer(text):
            if _given(m.group(1)) and not mask.touches(*m.span(1)):
                yield Span("PERSON", m.start(1), m.end(1), 0.8)
    for m in BLOCK_HEAD.finditer(text):  # a lone name heading a contact block: on the lists, not merely rare
        word = m.group(1)
        # NER reads many such words as a company. A given name overrules it (but for the BRANDS); so does a
        # surname rare in English, but not a brand the lists hold as a surname ("Hertz", "Bosch", "Marriott").
        surname = word.lower() in surnames() and _surname_like(word) and english_zipf(word.lower()) < RARE_ZIPF
        if (_given(word) or surname) and not word.isupper():
            yield Span("PERSON", m.start(1), m.end(1), 0.8)
    for m in ROLE_TITLE.finditer(text):  # NER often reads title and name as one organisation ("Nurse Ella")
        if _surname_like(m.group(1)):
            yield Span("PERSON", m.start(1), m.end(1), 0.8)
    for m in NAME_LIST.finditer(text):
        members = [(w.start() + m.start(1), w.end() + m.start(1)) for w in _WORDS.finditer(m.group(1))]
        values = [text[a:b] for a, b in members]
        # At least two members that are given names and no surnames: "Carey, Lopez and Nelson" is a firm.
        if all(v.lower() in given_names() and not known_place(v) for v in values) \
                and sum(_given(v) and v.lower() not in surnames() for v in values) >= 2:
            for a, b in members:
                yield Span("PERSON", a, b, 0.8)
    for m in MID_PROSE_PAIR.finditer(text):
        first, last = m.group(1), m.group(2)
        if _prose_pair(first, last) and not mask.touches(m.start(1), m.end(2)):
            yield Span("PERSON", m.start(1), m.end(2), 0.7)
    for m in SAID_TO_BE_NAME.finditer(text):
        if all(_no_word_or_brand(w) and english_zipf(w.lower()) < LISTED_NAME_ZIPF for w in m.group(1).split()):
            yield Span("PERSON", m.start(1), m.end(1), 0.9)


def _prose_pair(first: str, last: str) -> bool:
    """A listed given name, then a listed surname (each part of a double-barrelled one), neither a common word,
    a place or a brand."""
    def plain(word: str) -> bool:
        return english_zipf(word.lower()) < PAIR_ZIPF and _no_word_or_brand(word)

    return first.lower() in given_names() and plain(first) and all(
        given_or_surname(p) and plain(p) for p in last.split("-"))


def pair_inside_place(value: str) -> tuple[int, int] | None:
    """The offsets of a given name and a surname that NER took, with a lower-case word beside them, for a place
    ("model Laura Bradley", "Rebecca Edwards molestiae"); None when the value reads as a place at all."""
    words = list(_WORDS.finditer(value))
    lower = [w for w in value.split() if w[:1].islower()]
    if len(words) != 2 or not lower or known_place(value[words[0].start() : words[1].end()]):
        return None
    first, last = words[0].group(), words[1].group()
    if value[words[0].end() : words[1].start()] != " " or not _prose_pair(first, last):
        return None
    from guardrails.nlp import _place_name

    return None if _place_name(f"{first} {last}") else (words[0].start(), words[1].end())
