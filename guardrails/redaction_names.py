"""Names found from the structure of a text, where NER alone misses them.

NER runs on the whole text (guardrails/nlp.py); these rules add what a statistical model misses in claims and
support text: names after a title, role word, greeting or closing ("Dear Mr. Okafor", "Regards,\\nSarah Connor"),
in `Name:`-style fields and headers, after "my name is"; names that repeat an email address's local part
("emilie.nielsen@..."); and every further mention of a name already found. These rules read capitalisation, so
they run on truecased text (`guardrails/redaction_truecase.py`); what must not count as a name is judged in
`guardrails/redaction_name_guards.py`.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Iterator, Sequence

import re2

from guardrails.name_lexicon import (LISTED_NAME_ZIPF, english_not_name, english_zipf, given_or_surname,
                                     hyphenated_given_name, known_place, reads_as_rare_name)
from guardrails.nlp import camel_case
from guardrails.pii_lexicon import (
    COMMON_INITIAL,
    GROUP_NOUNS,
    NAME_PARTICLES,
    NOT_BEFORE_NAME,
    NOT_NAMES,
    ORG_SUFFIXES,
    STOP_WORDS,
    TITLES_AFTER,
    TITLES_BEFORE,
)
from guardrails.recognizers import Span, SpanMask, compile_re2
from guardrails.redaction_name_guards import names_despite_determiner
from guardrails.redaction_truecase import WORD, truecase  # noqa: F401  (truecase re-exported: the tests import it here)

_NAME = r"(\p{Lu}[\p{L}'’\-]*\p{L}(?:[ \t]+(?:\p{Lu}\.|\p{Lu}[\p{L}'’\-]*\p{L})){0,3})"
# Cues that make the next capitalised words a name whatever NER thinks ("My name is Stefania", "Dear Ms. Daria").
STRONG_CUE = compile_re2(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Mister|Mme|Mlle|Herr|Frau|Sr|Sra)\.?[ \t]+"
    r"|\b(?i:hi|hello|dear|hey|attn|attention|greetings|good morning|good afternoon|good evening)[ \t,:]+"
    r"|\b(?i:regards|sincerely|thanks|thank you|cheers|best|yours|yours truly|warmly|respectfully)[ \t]*[,.!]?\s+"
    r"|(?i:my name is|my name's|name is|i am|i'm|this is|call me|calls me|named|signed by|on behalf of|"
    r"identity of)[ \t]+)"
    + _NAME
)
# Cues after which capitalised words are a name unless NER says otherwise.
WEAK_CUE = compile_re2(
    r"(?:(?i:customer|claimant|policyholder|insured|caller|beneficiary|payee|patient|tenant|homeowner|driver|"
    r"witness|guardian|adjuster|spouse|husband|wife|son|daughter|mother|father|brother|sister|friend|neighbou?r|"
    r"colleague|landlord|cardholder|account holder|kid|child|partner|partner's name|player|singer|songwriter|"
    r"actor|actress|author|commenter),?[ \t]+"
    r"|(?i:spoke with|spoke to|talked to|disputed by|met with|ask for|asked for|married to|son of|daughter of|"
    r"directed by|starring|written by|produced by|performed by|sung by|said|says|asks|asked|replied|answered|"
    r"add|change it to|photos by|photo by|pictures by|taken by|handled by|reviewed by|approved by|prepared by|"
    r"checked by|sent by|filed by|assigned to|who is|who was|thanks to)[ \t]+)"
    + _NAME
)
# Between the two: someone you call, or who calls ("please call Grace back", "Marcus called from ...").
ACTION_CUE = compile_re2(
    r"(?:\b(?i:call|callback for|phoned|emailed|texted|remind|tell|ask|belongs to|ordered for|co-owned by|"
    r"hear from|heard from|message from|letter from|note from|email from|e-mail from|text from|waiting for)[ \t]+)"
    + _NAME
)
ACTION_AFTER = compile_re2(
    _NAME + r"[ \t]+(?:called|phoned|emailed|texted|wrote|said|says|asked|reported|lives|lived|moved|works|"
    r"co-own|co-owns|disputes|requested|is a very|was born|has been|had given|will be|and I|and me)\b"
)
# A name addressed at the end of a clause ("Don't go to town, Helena!", "See you soon, Anna.") or owning a
# person ("Didina's kid", "Mark's wife"); only names a name list holds count (`find_structured_names`).
VOCATIVE = compile_re2(r",[ \t]+" + _NAME + r"[ \t]*(?:[!?:]|\.(?:\s|$)|$)")
OWNER_OF_PERSON = compile_re2(
    _NAME + r"(?:'s|’s)[ \t]+(?:kid|kids|son|sons|daughter|daughters|wife|husband|partner|mother|father|mom|mum|dad|"
    r"brother|sister|child|children|baby|boyfriend|girlfriend|family|parents|cousin|uncle|aunt)\b"
)
# "Rachel Fischer and Lucas Murphy", "Szabó, Montesinos and Budzich": names listed together.
COORDINATED = compile_re2(_NAME + r"((?:,[ \t]+" + _NAME[1:-1] + r"){0,6}),?[ \t]+(?:and|&|or)[ \t]+" + _NAME)
LISTED = compile_re2(_NAME)
NAME_FIELD = compile_re2(
    r"(?i:name|full name|first name|last name|surname|given name|family name|customer|contact|from|to|cc|signed|"
    r"attn|insured|claimant|patient|beneficiary|payee|account holder|cardholder|card holder|holder|author|"
    r"requester|reported by|submitted by|employee|member|billing address|shipping address)[ \t]*[:=][ \t]*\n?[ \t]*"
    + _NAME
)
# Chat transcripts: `Dale: "Who are you?"`.
SPEAKER = compile_re2(r"(?:^|\n)[^\p{L}\n]{0,4}" + _NAME + r"[ \t]*:[ \t]*[\"“']")
# A line that is nothing but a name (letterheads, signatures, address blocks): 2-4 capitalised words.
NAME_LINE = compile_re2(
    r"(?:^|\n)[^\p{L}\p{N}\n]{0,6}(\p{Lu}[\p{L}'’\-]*\p{L}(?:[ \t]+(?:\p{Lu}\.|\p{Lu}[\p{L}'’\-]*\p{L}|"
    r"de|da|di|van|von|der|den|del|della|le|la|du|dos|das|bin|ibn|al|el|ter|ten)){1,3})[ \t]*(?:\n|$)"
)
SIGNATURE = compile_re2(r"(?:^|\n)--[ \t]*\n[ \t]*" + _NAME)


@lru_cache(maxsize=32)
def _spans_of(pattern: re2._Regexp, text: str) -> tuple[tuple[int, int], ...]:
    """Word spans of a text, computed once: several rules walk the same words of the same text."""
    return tuple(m.span() for m in pattern.finditer(text))


def _clean(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trims words that are not name words off both ends; None when nothing name-like is left."""
    words = [(m.start() + start, m.end() + start) for m in WORD.finditer(text[start:end])]
    degree = text[start:end].rsplit(None, 1)[-1] if text[start:end].strip() else ""
    if len(degree) > 2 and degree.lower().rstrip(".") + "." in TITLES_AFTER:  # "B.A." is one word, not "B" and "a"
        words = [w for w in words if w[0] < end - len(degree)] + [(end - len(degree), end)]
    while words and text[words[-1][0] : words[-1][1]].lower() in NOT_NAMES | STOP_WORDS:
        words.pop()
    while words and text[words[0][0] : words[0][1]].lower() in NOT_NAMES | STOP_WORDS:
        words.pop(0)
    if not words or text[words[-1][0] : words[-1][1]].lower() in ORG_SUFFIXES:
        return None
    s, e = words[0][0], words[-1][1]
    if text[s:e].endswith(("'s", "’s")):
        e -= 2
    return (s, e) if e > s else None


def find_structured_names(text: str) -> Iterator[Span]:
    """PERSON spans after cue words, in name fields and in signatures (case-sensitive: run on truecased text)."""
    for pattern, score in ((NAME_FIELD, 0.9), (STRONG_CUE, 0.9), (SIGNATURE, 0.9), (SPEAKER, 0.9),
                           (ACTION_CUE, 0.86), (ACTION_AFTER, 0.86), (WEAK_CUE, 0.7), (NAME_LINE, 0.75),
                           (VOCATIVE, 0.86), (OWNER_OF_PERSON, 0.86)):
        for m in pattern.finditer(text):
            span = _clean(text, *m.span(1))
            if span is None:
                continue
            if pattern in (VOCATIVE, OWNER_OF_PERSON) and not _listed_name(text[span[0] : span[1]]):
                continue
            if pattern is ACTION_CUE and known_place(text[span[0] : span[1]]):  # "heard from Paris"
                continue
            for _ in range(3):  # "Dear Dr. Smith", "Mr. Prof. Dr. Németh": the cue caught a title; the name follows
                if span is None or not _only_titles(text[span[0] : span[1]]):
                    break
                again = STRONG_CUE.search(text, span[0])
                span = _clean(text, *again.span(1)) if again is not None and again.start() == span[0] else None
            if span is None or _only_titles(text[span[0] : span[1]]):
                continue
            following = text[span[1] : span[1] + 16].split()
            if following and following[0].lower().strip(".,") in GROUP_NOUNS:  # "Dear Headlight team"
                continue
            if pattern is NAME_LINE and any(
                w.lower() in NOT_NAMES or w.lower() in ORG_SUFFIXES or w.lower() in STOP_WORDS
                for w in text[span[0] : span[1]].split()
            ):
                continue
            yield Span("PERSON", span[0], span[1], score)


def _only_titles(value: str) -> bool:
    return all(w.lower() in TITLES_BEFORE or w.lower() + "." in TITLES_BEFORE for w in value.split())


def _listed_name(value: str) -> bool:
    """Every word a given name or surname some name list holds ("Helena", "Didina Pop"), or no English word."""
    from guardrails.name_lexicon import english_zipf, given_or_surname

    words = value.split()
    return 0 < len(words) <= 3 and all(given_or_surname(w) or english_zipf(w.lower()) < 2.0 for w in words)


def coordinated_names(text: str, names: Sequence[Span], taken: Sequence[tuple[int, int]]) -> Iterator[Span]:
    """The other members of a list ("X, Y and Z") one of which is a name already found are names too."""
    found = SpanMask(len(text), [(n.start, n.end) for n in names if n.type == "PERSON"])
    blocked = SpanMask(len(text), taken)
    for m in COORDINATED.finditer(text):
        members = [m.span(1), m.span(m.re.groups)]
        middle_start = m.start(2)
        members += [(middle_start + x.start(), middle_start + x.end()) for x in LISTED.finditer(m.group(2))]
        cleaned = [span for span in (_clean(text, a, b) for a, b in members) if span]  # "Dear Emil" is "Emil"
        if not any(found.covers(a, b) for a, b in cleaned):
            continue
        for span in cleaned:
            if not blocked.touches(*span):
                yield Span("PERSON", span[0], span[1], 0.86)


def extend_names(text: str, spans: Sequence[Span], taken: Sequence[tuple[int, int]]) -> list[Span]:
    """Widens each PERSON span over capitalised name words right beside it ("Anders" + NER's "Olsson")."""
    words = _spans_of(CAPITALISED, text)
    starts = {s: i for i, (s, _) in enumerate(words)}
    ends = {e: i for i, (_, e) in enumerate(words)}
    blocked = SpanMask(len(text), taken)
    out: list[Span] = []
    for span in spans:
        if span.type != "PERSON":
            out.append(span)
            continue
        start, end = span.start, span.end
        for _ in range(2):  # at most two words each side
            i = _word_ending_before(text, start, ends)
            # "Lie's Cautionary Tales": a possessive ends the owner's name, it does not start this one.
            if i is None or not _name_word(text, *words[i], blocked) or text[words[i][1] - 2 : words[i][1]] in (
                "'s", "’s"
            ):
                break
            start = words[i][0]
        for _ in range(2):
            i = _word_starting_after(text, end, starts)
            if i is None or not _name_word(text, *words[i], blocked):
                break
            end = words[i][1]
        out.append(Span("PERSON", start, end, span.score))
    return out


def _word_ending_before(text: str, pos: int, ends: dict[int, int]) -> int | None:
    return ends.get(pos - 1) if pos >= 1 and text[pos - 1] == " " else None


def _word_starting_after(text: str, pos: int, starts: dict[int, int]) -> int | None:
    return starts.get(pos + 1) if pos < len(text) and text[pos : pos + 1] == " " else None


def _name_word(text: str, start: int, end: int, taken: SpanMask) -> bool:
    word = text[start:end]
    lowered = word.lower()
    if lowered in NOT_NAMES or lowered in STOP_WORDS or lowered in ORG_SUFFIXES or word.isupper():
        return False
    if taken.touches(start, end):
        return False
    return _zipf(lowered) < RARE_ZIPF_MID


def names_from_emails(text: str, emails: Iterable[Span], blocked: Sequence[tuple[int, int]]) -> Iterator[Span]:
    """Mentions of a name an email address repeats: "emilie.nielsen@x.dk" makes "Emilie Nielsen" a name."""
    parts: set[str] = set()
    for e in emails:
        local = text[e.start : e.end].split("@", 1)[0].lower()
        for piece in local.replace("_", ".").replace("-", ".").replace("+", ".").split("."):
            piece = "".join(c for c in piece if c.isalpha())
            if len(piece) >= 3 and piece not in STOP_WORDS and piece not in COMMON_INITIAL:
                parts.add(piece)
    if parts:
        yield from _mentions(text, parts, blocked, 0.75)


def propagate(text: str, names: Iterable[Span], blocked: Sequence[tuple[int, int]]) -> Iterator[Span]:
    """Every further mention of a name already found ("Emilie Nielsen ... Emilie said")."""
    parts: set[str] = set()
    for n in names:
        for m in WORD.finditer(text[n.start : n.end]):
            w = m.group().lower()
            if len(w) >= 3 and w not in NOT_NAMES and w not in STOP_WORDS:
                parts.add(w)
    if parts:
        yield from _mentions(text, parts, blocked, 0.72)


def _mentions(text: str, parts: set[str], blocked: Sequence[tuple[int, int]], score: float) -> Iterator[Span]:
    words = _spans_of(WORD, text)
    mask = SpanMask(len(text), blocked)
    i = 0
    while i < len(words):
        s, e = words[i]
        if text[s:e].lower() in parts and not mask.touches(s, e):
            j = i
            # Extend over neighbouring capitalised words that are name parts too ("Emilie" -> "Emilie Nielsen").
            while j + 1 < len(words) and text[words[j][1] : words[j + 1][0]] in (" ", "\t") and (
                text[words[j + 1][0] : words[j + 1][1]].lower() in parts
            ):
                j += 1
            yield Span("PERSON", s, words[j][1], score)
            i = j + 1
        else:
            i += 1


RARE_ZIPF_MID = 3.6  # a capitalised word mid-sentence rarer than this (zipf scale) is a proper noun
RARE_ZIPF_INITIAL = 3.0  # at the start of a sentence, capitalisation says nothing: only rarer words count
CAPITALISED = compile_re2(r"\p{Lu}[\p{L}'’\-]*\p{L}")


MAX_WORD = 40  # longer "words" are never names, and are not worth a lookup


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency  # loads its English list once, on first use

    return zipf_frequency(word, "en") if len(word) <= MAX_WORD else 0.0


def _sentence_initial(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t\"'([{}*?-":
        j -= 1
    return j < 0 or text[j] in ".!?:;\n"


def _latin(word: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in word)


def _compound(word: str) -> bool:
    """"Policymap", "Earthobserver", "Headlight": two common English words glued together name a brand."""
    if not 7 <= len(word) <= MAX_WORD:
        return False
    return any(_zipf(word[:k]) >= 3.5 and _zipf(word[k:]) >= 3.5 for k in range(3, len(word) - 2))


def find_rare_capitalised(
    text: str, blocked: Sequence[tuple[int, int]], original: str | None = None
) -> Iterator[Span]:
    """Runs of capitalised words holding a word English rarely uses ("Kelemen", "Ираида"): names NER missed.

    Organisations and titles NER recognised are in `blocked`; a run ending in a company suffix is skipped; so are
    words capitalised only by truecasing (`original` is the text before it), where capitals carry no signal.
    """
    words = _spans_of(CAPITALISED, text)
    mask = SpanMask(len(text), blocked)
    letters = sum(1 for c in text if c.isalpha())
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    latin_text = latin >= 8 and latin * 4 >= letters  # English around the words, not a text in another language
    i = 0
    while i < len(words):
        s, e = words[i]
        if mask.touches(s, e):
            i += 1
            continue
        j = i
        while j + 1 < len(words):
            gap = text[words[j][1] : words[j + 1][0]]
            ns, ne = words[j + 1]
            if gap not in (" ", "\t") and not (gap.strip() in NAME_PARTICLES and gap.startswith(" ") and gap.endswith(" ")):
                break
            if mask.touches(ns, ne):
                break
            j += 1
        # Cue words at either end ("Thanks Шарова") are not part of the name.
        lo, hi = i, j
        while lo <= hi and text[words[lo][0] : words[lo][1]].lower() in NOT_NAMES:
            lo += 1
        while hi >= lo and text[words[hi][0] : words[hi][1]].lower().rstrip("'’s") in NOT_NAMES:
            hi -= 1
        if lo > hi:
            i = j + 1
            continue
        s = words[lo][0]
        run = [text[a:b] for a, b in words[lo : hi + 1]]
        lowered = [w.lower().rstrip("'’") for w in run]
        # Capitals that truecasing added carry no signal: there only a name from the lexicon counts ("łukasz").
        cased_by_us = original is not None and not original[s].isupper()
        # Or, in English text, words of another script ("рыбаков пантелеймон" in a lower-case line).
        lexicon_or_script = reads_as_rare_name(run) or latin_text and not any(map(_latin, run))
        if any(len(w) > MAX_WORD for w in run) or (cased_by_us and not lexicon_or_script):
            i = j + 1
            continue
        if len(run) == 1 and _compound(lowered[0]):
            i = j + 1
            continue
        before = text[max(0, s - 8) : s].split()
        # "the Kindle Paperwhite": a determiner introduces a thing, not a person; unless the words are a full name
        # or the thing is the person's work ("a Priscilla Spanevello concert", "the Hanson novel").
        if before and before[-1].lower() in NOT_BEFORE_NAME and not names_despite_determiner(text, s, words[hi][1]):
            i = j + 1
            continue
        after = text[words[hi][1] : words[hi][1] + 12].split()
        nxt = after[0].lower().strip(".,") if after else ""
        org = any(w in ORG_SUFFIXES for w in lowered) or nxt in ORG_SUFFIXES or nxt in GROUP_NOUNS
        line_start = text[max(0, s - 8) : s].rstrip("?}>* \t")
        alone = len(run) == 1 and (line_start == "" and s < 8 or line_start.endswith("\n")) and text[
            words[hi][1] : words[hi][1] + 3].lstrip(" \t")[:1] in ("", "\n")
        if not org and not alone and not any(w in NOT_NAMES for w in lowered) and not any(map(camel_case, run)):
            initial = _sentence_initial(text, s)
            rare = any(
                _zipf(w) < (RARE_ZIPF_INITIAL if initial and k == 0 else RARE_ZIPF_MID)
                and not english_not_name(w)  # "Barrister", "Dietitian": rare, but words, not names
                for k, w in enumerate(lowered)
                if not (run[k].isupper() or any(c.isdigit() for c in run[k]))  # acronyms are not names
            )
            # Or a given name and a surname, neither an everyday English word ("Ref. Kayla Owen / CLM-1").
            rare = rare or 2 <= len(run) <= 3 and hyphenated_given_name(run[0]) and given_or_surname(run[-1]) \
                and english_zipf(lowered[-1]) < LISTED_NAME_ZIPF and not any(w.isupper() for w in run)
            if rare:
                end = words[hi][1]
                if text[end - 2 : end] in ("'s", "’s"):
                    end -= 2
                # Capitalised words in another script inside English text are names far more often than places,
                # and NER, trained on English, calls them anything: let them outrank it.
                foreign = all(not c.isascii() for w in run for c in w[:1]) and all(not _latin(w) for w in run)
                yield Span("PERSON", s, end, 0.9 if foreign else 0.6)
        i = j + 1


def trim_names(text: str, spans: Sequence[Span]) -> list[Span]:
    """PERSON spans without the role and cue words NER sometimes includes ("Claimant Maria Gonzalez"), and without
    what follows a spaced dash ("Audrey - Biomedical scientist": the job after the name)."""
    out: list[Span] = []
    for span in spans:
        if span.type == "PERSON":
            dash = text.find(" - ", span.start, span.end)
            trimmed = _clean(text, span.start, dash if dash > span.start else span.end)
            if trimmed is None:
                continue
            span = Span("PERSON", trimmed[0], trimmed[1], span.score)
        out.append(span)
    return out
