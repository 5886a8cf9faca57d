"""Names that the layout of a text points at, with no cue word: table cells, chat speakers, @mentions and
directory lines ("Silva, József").

Exports and pasted spreadsheets put a name alone between delimiters ("Reddy;Nieves;03/03/1986"); chat logs put it
before a colon after a time ("[10:42] Julia: ok"); chat and tickets address people as "@Amber". NER reads none of
these as a sentence and misses many of them. A cell is a name when its words are on the name lists and rare in
English, or when its column's header says it holds names ("surname", "given name"); a speaker or an @mention
needs only a name-list word. Case-insensitive on purpose: exports are often all upper or all lower case.
"""
from __future__ import annotations

from typing import Iterator

from guardrails.name_lexicon import given_names, given_or_surname, listed_given_name, reads_as_name, surname_like
from guardrails.pii_lexicon import NOT_NAMES, ORG_TAILS, STOP_WORDS
from guardrails.recognizers import Span, compile_re2

_DELIMITERS = (";", "|", "\t")
_PARTICLES = frozenset("da de di do dos das du van von der den del della la le y e bin ibn al el ter ten".split())
_NAME_HEADER = compile_re2(
    r"(?i)^(?:(?:full|first|last|given|family|middle|maiden|customer|contact|insured|claimant|patient|driver|"
    r"owner|holder|employee)[ _]?name|name|names|surname|forename|first|last|given name)$"
)
_WORDS = compile_re2(r"[\p{L}][\p{L}'’.\-]*")
# "[10:42] Julia:", "10:42 - Julia Berg:", "(09:15) ANDREW:"; the speaker is one to three words.
TIMED_SPEAKER = compile_re2(
    r"(?:^|\n)[ \t]*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]?[AaPp][Mm])?[\])]?[ \t]*[-–]?[ \t]*"
    r"(\p{L}[\p{L}'’\-]*(?:[ \t]+\p{L}[\p{L}'’\-]*){0,2})[ \t]*:"
)
# "Julia: ok, sending now" at the start of a line: only names that are no English words count.
PLAIN_SPEAKER = compile_re2(r"(?:^|\n)[ \t]*(\p{L}[\p{L}'’\-]*(?:[ \t]+\p{L}[\p{L}'’\-]*)?)[ \t]*:[ \t]+\p{L}")
# IRC-style logs: "<Hans> can someone approve this?"; one word, on the name lists.
ANGLE_SPEAKER = compile_re2(r"(?:^|\n)[ \t]*(?:\[[^\]\n]{1,20}\][ \t]*)?<(\p{L}[\p{L}'’\-]*)>[ \t]")
# "@Amber", "@Pedro Miguel"; the character before "@" is no letter, digit or dot (an e-mail address).
MENTION = compile_re2(r"(?:^|[^\p{L}\p{N}._%+\-])@(\p{L}[\p{L}'’\-]*(?:[ \t]+\p{Lu}[\p{L}'’\-]*)?)")


def _plain_word(word: str) -> str:
    return word.lower().strip(".,'’")


def _cell_is_name(words: list[str], header_says_name: bool) -> bool:
    core = [w for w in words if _plain_word(w) not in _PARTICLES]
    if not core or len(words) > 5 or any(_plain_word(w) in ORG_TAILS or _plain_word(w) in STOP_WORDS for w in words):
        return False
    if header_says_name:
        return all(_plain_word(w) not in NOT_NAMES for w in core)
    if reads_as_name(core):
        return True
    # "Carl Nixon", "Jasmine Cooper": two or more name-list words, a given name first, even words English also uses.
    return len(core) >= 2 and _on_given_list(core[0]) and all(given_or_surname(w) for w in core[1:])


def _on_given_list(word: str) -> bool:
    return _plain_word(word) in given_names()


def _delimiter(line: str) -> str | None:
    for sep in _DELIMITERS:
        if line.count(sep) >= 1:
            return sep
    return "," if line.count(",") >= 2 else None


def table_cell_names(text: str) -> Iterator[Span]:
    """Cells of delimited lines (";", "|", tab, or two commas) that hold a name and nothing else."""
    header: list[str] | None = None
    pos = 0
    for number, line in enumerate(text.split("\n")):
        start_of_line = pos
        pos += len(line) + 1
        sep = _delimiter(line)
        if sep is None:
            continue
        cells = line.split(sep)
        if number == 0:
            header = [c.strip(" \t\"'").lower() for c in cells]
            if any(_NAME_HEADER.search(c) for c in header):
                continue  # the header line itself
        offset = start_of_line
        for column, cell in enumerate(cells):
            cell_start = offset
            offset += len(cell) + len(sep)
            if any(ch.isdigit() or ch in "@:/()" for ch in cell):
                continue
            words = _WORDS.findall(cell)
            if not words:
                continue
            named_column = (number > 0 and header is not None and len(header) == len(cells)
                            and _NAME_HEADER.search(header[column]) is not None)
            if _cell_is_name(words, named_column):
                first = cell.find(words[0])
                last = cell.rfind(words[-1]) + len(words[-1])
                yield Span("PERSON", cell_start + first, cell_start + last, 0.9 if named_column else 0.8)


def _speaker_name(words: list[str], strict: bool) -> bool:
    if not words or any(_plain_word(w) in NOT_NAMES or _plain_word(w) in STOP_WORDS for w in words):
        return False
    return reads_as_name(words) if strict else given_or_surname(words[0])
# "Silva, József", "Konda, Dante - Sports administrator", "Driver: Camps, Abdurrahman": a directory line or a
# field's value, surname first, then given names.
INVERTED = compile_re2(
    r"(?:^|\n|\\n|[;|:][ \t]*)[ \t]*(\p{L}[\p{L}'’\-]+),[ \t]+(\p{L}[\p{L}'’\-]+(?:[ \t]+\p{L}[\p{L}'’\-]+)?)"
    r"[ \t]*(?:$|\n|\\n|[;|(]|[-–][ \t])"
)


def _inverted_name(surname: str, given: list[str]) -> bool:
    """A surname English does not use as a word, then a given name on the lists."""
    return (surname.lower() not in NOT_NAMES and surname_like(surname) and listed_given_name(given[0])
            and all(w.lower() not in NOT_NAMES | STOP_WORDS for w in given))


def layout_names(text: str) -> Iterator[Span]:
    """PERSON spans from table cells, timed, plain and IRC-style chat speakers, @mentions and inverted names."""
    yield from table_cell_names(text)
    for m in INVERTED.finditer(text):
        if _inverted_name(m.group(1), m.group(2).split()):
            yield Span("PERSON", m.start(1), m.end(2), 0.86)
    for pattern, strict, score in ((TIMED_SPEAKER, False, 0.86), (PLAIN_SPEAKER, True, 0.8), (MENTION, False, 0.86),
                                   (ANGLE_SPEAKER, False, 0.86)):
        for m in pattern.finditer(text):
            words = m.group(1).split()
            if _speaker_name(words, strict):
                yield Span("PERSON", m.start(1), m.end(1), score)
