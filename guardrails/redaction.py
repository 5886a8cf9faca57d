"""PII redaction for tool arguments, prompts, logs and `warden redact`: whole-text detection, linear time, bounded.

Every text is normalised (NFKC, zero-width characters removed; `guardrails/text_normalize.py`), then read by
RE2 patterns for identifier-shaped PII (`guardrails/recognizers.py`), street addresses
(`guardrails/redaction_addresses.py`), spaCy NER over the whole text (`guardrails/nlp.py`) and name structure
(`guardrails/redaction_names.py`); entity offsets are mapped back to the ORIGINAL text. Structured fields (an
`amount` or `claim_id`) skip NER. Results are cached by content hash.

Fail closed: a text over `max_chars`, or whose analysis runs past its time budget, raises `RedactionRefused`;
nothing is ever returned half-redacted. `redact_text_bounded` / `redact_args_bounded` run the work off the event
loop with that budget.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from guardrails.name_lexicon import (
    brand_word,
    common_words_not_name,
    person_in_place_context,
    person_misread_as_place,
    reads_as_role,
    town_word,
)
from guardrails.nlp import NerPass
from guardrails.pii_lexicon import ORG_SUFFIXES
from guardrails.recognizers import PatternPass, Span, SpanMask, protected_spans
from guardrails.redaction_addresses import extend_postcodes, find_addresses
from guardrails.redaction_cache import CacheKey, ResultCache, cache_key
from guardrails.redaction_orgs import after_person, company_line, organisation_ranges
from guardrails.redaction_fields import field_kind, whole_value
from guardrails.redaction_form_words import drop_form_words
from guardrails.redaction_name_guards import introduced_as_thing, reads_as_person
from guardrails.redaction_names import (coordinated_names, extend_names, find_rare_capitalised, find_structured_names,
                                        names_from_emails, propagate, trim_names)
from guardrails.redaction_language import names_in_other_languages
from guardrails.redaction_layouts import layout_names
from guardrails.redaction_name_shapes import name_shapes, pair_inside_place
from guardrails.redaction_overlaps import resolve_overlaps
from guardrails.redaction_place_context import places_by_context
from guardrails.redaction_jsonl import RedactInputError, redact_jsonl  # noqa: F401  (re-exported for the CLI)
# The result types stay importable from here: the gate, the CLI, the JSONL reader and the tests import them so.
from guardrails.redaction_results import Entity, RedactedText, RedactionRefused, replace_entities  # noqa: F401
from guardrails.redaction_scripts import caseless_script_names
from guardrails.redaction_titles import extend_titles
from guardrails.redaction_tree import all_strings, string_leaves, with_replaced
from guardrails.redaction_truecase import truecase, truecase_for_names
from guardrails.text_normalize import NormalizedText, normalize

if TYPE_CHECKING:
    from guardrails.vault import RunVault

SUPPORTED_ENTITIES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS",
    "LOCATION", "DATE_OF_BIRTH", "POLICY_NUMBER", "BANK_ACCOUNT",
)
NER_ENTITIES = frozenset({"PERSON", "LOCATION"})
MAX_CHARS = 50_000  # about 12 pages; longer documents are refused, never half-redacted
BUDGET_S = 10.0  # per call; NER costs ~0.1 ms a token, so MAX_CHARS takes a few seconds on a busy core

_CACHE_SIZE = 4096


def _foreign(value: str) -> bool:
    """Written in a script other than Latin ("Николай")."""
    return not any("a" <= c.lower() <= "z" for c in value)


def _reads_as_organisation(value: str) -> bool:
    words = value.split()
    return any(w.isupper() and len(w) > 1 or w.lower().strip(".,") in ORG_SUFFIXES or "&" in w or any(
        c.isdigit() for c in w) for w in words)


def _weak_place(text: str, span: Span) -> bool:
    """A place guess (a city after "in") or a street name with no number: no address, so a company may hold it."""
    return span.type == "LOCATION" and (span.score < 0.8 or not any(c.isdigit() for c in text[span.start : span.end]))


def _value(job: _Pending, span: Span) -> str:
    return job.cased[span.start : span.end]


def _before(job: _Pending, span: Span, width: int = 24) -> str:
    return job.cased[max(0, span.start - width) : span.start]


def _person_inside_place(job: _Pending, span: Span) -> Span:
    """NER's place that is a person's name with a lower-case word beside it becomes that name."""
    if span.type != "LOCATION":
        return span
    pair = pair_inside_place(_value(job, span))
    return span if pair is None else Span("PERSON", span.start + pair[0], span.start + pair[1], span.score)


def _keep_clear(spans: Sequence[Span], blocked: Sequence[tuple[int, int]], length: int) -> list[Span]:
    """The spans that touch no blocked range."""
    mask = SpanMask(length, blocked)
    return [s for s in spans if not mask.touches(s.start, s.end)]


@dataclass
class _Pending:
    """One text on its way through analysis: normalised, pattern spans first, then NER and name structure."""

    index: int
    key: CacheKey
    norm: NormalizedText
    cased: str  # the normalised text with all-caps / all-lower lines cased as prose (same length)
    spans: list[Span]
    needs_ner: bool = False
    blocked: list[tuple[int, int]] = dc_field(default_factory=list)
    non_pii: list[Span] = dc_field(default_factory=list)  # NER's organisations, works, products
    ner: list[Span] = dc_field(default_factory=list)  # NER's people and places


class Redactor:
    """Finds and replaces PII; loads spaCy once, cheap to share, safe to call from many threads."""

    def __init__(
        self,
        *,
        entities: list[str] | None = None,
        cache_size: int = _CACHE_SIZE,
        max_chars: int = MAX_CHARS,
        budget_s: float = BUDGET_S,
    ) -> None:
        self._entities = frozenset(entities) if entities is not None else frozenset(SUPPORTED_ENTITIES)
        unknown = self._entities - set(SUPPORTED_ENTITIES)
        if unknown:
            raise ValueError(f"unsupported entity types: {sorted(unknown)}; supported: {list(SUPPORTED_ENTITIES)}")
        # Email addresses are always looked for when names are: a local part can repeat a name.
        self._patterns = PatternPass(self._entities | ({"EMAIL_ADDRESS"} if "PERSON" in self._entities else set()))
        ner_types = self._entities & NER_ENTITIES
        self._ner = NerPass(ner_types) if ner_types else None
        self._cache = ResultCache(cache_size)
        self.max_chars = max_chars
        self.budget_s = budget_s

    # -- analysis -------------------------------------------------------------------------------------------

    def analyze(self, text: str, *, field: str | None = None) -> list[Entity]:
        """PII entities in `text`, sorted and non-overlapping; `field` (an argument name) enables schema hints."""
        return self.analyze_many([(text, field)])[0]

    def analyze_many(
        self, items: Sequence[tuple[str, str | None]], *, deadline: float | None = None
    ) -> list[list[Entity]]:
        """Like `analyze` for many (text, field) pairs, with one batched NER pass for all of them.

        Raises `RedactionRefused` for a text over `max_chars`, or when the work runs past `deadline`
        (`time.monotonic()` seconds; default: now + `budget_s`).
        """
        deadline = time.monotonic() + self.budget_s if deadline is None else deadline
        for text, _ in items:
            if len(text) > self.max_chars:
                raise RedactionRefused(
                    "too_large",
                    f"text of {len(text):,} characters is over the redaction limit of {self.max_chars:,}; "
                    "split the document or raise Redactor(max_chars=...)",
                )
        results: list[list[Entity]] = [[] for _ in items]
        pending: list[_Pending] = []
        for i, (text, field) in enumerate(items):
            kind = field_kind(field)
            key = cache_key(text, kind)
            cached = self._cache.get(key)
            if cached is not None:
                results[i] = list(cached)
                continue
            norm = normalize(text)
            # Casing is for NER, names and addresses, none of which a structured value (an id, a code) gets.
            cased = norm.text if kind == "structured" else truecase_for_names(norm.text)
            spans = self._patterns.find(norm.text) if norm.text.strip() else []
            if "LOCATION" in self._entities and kind != "structured":
                spans += find_addresses(truecase(norm.text))
            job = _Pending(i, key, norm, cased, spans)
            whole = whole_value(norm.text, kind) if kind in self._entities else None
            if whole is not None:
                job.spans = [s for s in job.spans if s.score > whole.score] or [whole]
            else:
                protected = protected_spans(norm.text)
                # A phone-shaped run inside a date, an amount or a claim id is that, not a phone.
                phones = _keep_clear([s for s in job.spans if s.type == "PHONE_NUMBER"], protected, len(norm.text))
                job.spans = [s for s in job.spans if s.type != "PHONE_NUMBER"] + phones
                job.blocked = [(s.start, s.end) for s in job.spans] + protected
                job.needs_ner = kind != "structured" and self._ner is not None and norm.text.strip() != ""
            pending.append(job)
            self._check(deadline)
        ner_jobs = [job for job in pending if job.needs_ner]
        if ner_jobs and self._ner is not None:
            found = self._ner.find_many([job.cased for job in ner_jobs])
            for job, ner_spans in zip(ner_jobs, found):
                job.ner = _keep_clear([n for n in ner_spans if not n.type.startswith("~")], job.blocked, len(job.cased))
                if "PERSON" in self._entities:
                    job.ner = [
                        Span("PERSON", n.start, n.end, n.score)
                        if n.type == "LOCATION" and (
                            person_misread_as_place(_value(job, n)) or person_in_place_context(_value(job, n), _before(job, n))
                        ) else n
                        for n in job.ner
                        if not (n.type == "PERSON" and (reads_as_role(_value(job, n)) or brand_word(_value(job, n))))
                        and not common_words_not_name(_value(job, n), _before(job, n))
                    ]
                job.ner = [_person_inside_place(job, n) for n in job.ner]
                job.spans += job.ner
                job.non_pii = [n for n in ner_spans if n.type.startswith("~")]
            self._check(deadline)
        for job in pending:
            if job.needs_ner and "PERSON" in self._entities:
                self._add_names(job)
            if job.needs_ner:
                job.spans = extend_postcodes(job.cased, job.spans)
            entities = tuple(
                Entity(type=s.type, start=start, end=end, score=round(s.score, 3))
                for s in resolve_overlaps(job.spans, len(job.cased))
                if s.type in self._entities
                for start, end in [job.norm.to_original(s.start, s.end)]
            )
            self._cache.put(job.key, entities)
            results[job.index] = list(entities)
        self._check(deadline)
        return results

    def _add_names(self, job: _Pending) -> None:
        """Names from structure, from email local parts, rare capitalised words, and every further mention.

        Pattern spans (emails, addresses, ...) are facts; NER's places and people are opinions, so a name rule may
        overlap them and the higher score wins in `resolve_overlaps`.
        """
        text = job.cased
        # A company's name holds no address or phone: "John Smith, 12 Oak St, Denver Co" is no firm "… Co".
        from_ner = set(job.ner)
        # (A weak place guess such as a city name after "in" is no address: it does not veto a company's name.)
        # Nor is a street name without a number ("Real Estate Investors PLC", "Atlantic Avenue Acquisition Corp").
        pattern_mask = SpanMask(len(text), [
            (s.start, s.end) for s in job.spans if s not in from_ner and not _weak_place(text, s)
        ])
        org_ranges = [r for r in organisation_ranges(text) if not pattern_mask.touches(*r)]
        orgs = SpanMask(len(text), org_ranges)
        # NER's people and places inside a company's name ("Hamilton, Diaz and Contreras", "BlackRock New York
        # Municipal Bond Trust") are the company's; so is a one-word "person" alone on a line that no name list
        # holds (a signature block's company line: "Panjiva").
        dropped = {s for s in job.ner if orgs.touches(s.start, s.end) or company_line(text, s)}
        dropped |= {s for s in job.spans if s.type == "LOCATION" and (
            s.score < 0.8 and orgs.touches(s.start, s.end) or _weak_place(text, s) and orgs.covers(s.start, s.end))}
        job.ner = [s for s in job.ner if s not in dropped]
        job.spans = [
            s for s in job.spans
            if s not in dropped and (s.type != "PERSON" or s.score >= 0.9 or not orgs.touches(s.start, s.end))
        ]
        ner = set(job.ner)
        hard = [(s.start, s.end) for s in job.spans if s.type != "PERSON" and s not in ner] + job.blocked
        job.spans += _keep_clear(list(find_structured_names(text)) + list(layout_names(text)), hard, len(text))
        # A name as a verb's subject or object yields to what NER read as an organisation or a product.
        things = [(n.start, n.end) for n in job.non_pii if n.type in ("~ORG", "~PRODUCT")]
        job.spans += _keep_clear(list(name_shapes(text, things, job.norm.text)), hard, len(text))
        emails = [s for s in job.spans if s.type == "EMAIL_ADDRESS"]
        job.spans += list(names_from_emails(text, emails, hard))
        # For the rare-word rule NER's places veto too, unless written in another script (NER, trained on English,
        # calls "Николай" a place); so do NER's organisations that read like one.
        taken = hard + [(s.start, s.end) for s in job.spans if s.type == "PERSON"]
        taken += [(s.start, s.end) for s in job.ner if s.type == "LOCATION" and not _foreign(text[s.start : s.end])]
        taken += [after_person(text, n.start, n.end) for n in job.non_pii if _reads_as_organisation(text[n.start : n.end])]
        taken += org_ranges
        job.spans += list(find_rare_capitalised(text, taken, job.norm.text))
        job.spans += list(coordinated_names(text, job.spans, hard))
        job.spans = [
            s for s in trim_names(text, extend_titles(text, extend_names(text, job.spans, hard), hard))
            if s.type != "PERSON"
            or (reads_as_person(text[s.start : s.end])
                and (s.score >= 0.9 or not (introduced_as_thing(text, s.start, s.end) or orgs.touches(s.start, s.end))))
        ]
        # "Scottberg", "Joneston": a name glued to a town ending is a town, whoever found it.
        job.spans = [
            Span("LOCATION", s.start, s.end, s.score)
            if s.type == "PERSON" and " " not in text[s.start : s.end] and town_word(text[s.start : s.end]) else s
            for s in job.spans
        ]
        job.spans = places_by_context(text, job.spans)  # "53163 Kamenz", "Address: Rambla Carmen Salom 59"
        job.spans = drop_form_words(text, job.spans + list(caseless_script_names(text, taken)))  # after trimming
        job.spans = names_in_other_languages(text, job.spans)  # "Nota de sesión", not "Juan Pérez"
        persons = [s for s in job.spans if s.type == "PERSON"]
        if persons:
            # Mentions inside a name already found are that name ("Prof." inside "Mr. Prof. Dr. Á. Németh Béla").
            job.spans += list(propagate(text, persons, taken + [(s.start, s.end) for s in persons]))

    @staticmethod
    def _check(deadline: float) -> None:
        if time.monotonic() > deadline:
            raise RedactionRefused(
                "over_budget", "redaction ran past its time budget; the text was not passed on (fail closed)"
            )

    # -- replacement ----------------------------------------------------------------------------------------

    def redact_text(
        self, text: str, *, field: str | None = None, vault: RunVault | None = None, deadline: float | None = None
    ) -> RedactedText:
        """`text` with each entity replaced by `<TYPE>`, or by the run's stable token (`<PERSON_1>`) with a vault.

        Raises `RedactionRefused` when the text is over `max_chars` or analysis runs past the budget.
        """
        entities = self.analyze_many([(text, field)], deadline=deadline)[0]
        return RedactedText(text=replace_entities(text, entities, vault), entities=entities)

    async def redact_text_bounded(
        self, text: str, *, field: str | None = None, vault: RunVault | None = None, budget_s: float | None = None
    ) -> RedactedText:
        """`redact_text` for async callers: runs in a worker thread, so the event loop (the gate's) never blocks.

        Waits at most `budget_s` seconds (default `self.budget_s`); raises `RedactionRefused` with
        `reason="too_large"` for text over `max_chars` (checked before any work) or `reason="over_budget"` when the
        budget runs out. Either way nothing was redacted: the caller must not pass the text on (fail closed).
        """
        return await self._bounded(
            lambda deadline: self.redact_text(text, field=field, vault=vault, deadline=deadline), budget_s, [text]
        )

    async def redact_args_bounded(
        self,
        args: dict,
        *,
        vault: RunVault | None = None,
        path: str = "args",
        exclude: Iterable[str] = (),
        budget_s: float | None = None,
    ) -> tuple[dict, list[tuple[str, str]]]:
        """`redact_args` off the event loop with one time budget for all the strings; refusals as `redact_text_bounded`."""
        return await self._bounded(
            lambda deadline: self.redact_args(args, vault=vault, path=path, exclude=exclude, deadline=deadline),
            budget_s,
            all_strings(args),
        )

    async def _bounded(self, work: Any, budget_s: float | None, texts: Sequence[str]) -> Any:
        budget = self.budget_s if budget_s is None else budget_s
        too_long = max((len(t) for t in texts), default=0)
        if too_long > self.max_chars:
            raise RedactionRefused(
                "too_large", f"text of {too_long:,} characters is over the redaction limit of {self.max_chars:,}"
            )
        deadline = time.monotonic() + budget
        try:
            # The worker checks the same deadline between stages and stops itself; wait_for frees the loop now.
            return await asyncio.wait_for(asyncio.to_thread(work, deadline), timeout=budget)
        except asyncio.TimeoutError as exc:
            raise RedactionRefused(
                "over_budget", f"redaction did not finish within {budget:g} s; the text was not passed on"
            ) from exc

    def redact_args(
        self,
        args: dict,
        *,
        vault: RunVault | None = None,
        path: str = "args",
        exclude: Iterable[str] = (),
        deadline: float | None = None,
        placeholders: Iterable[str] = (),
    ) -> tuple[dict, list[tuple[str, str]]]:
        """Redacts every string in nested `args`; returns new args and (path, type) pairs such as ("args.body", "PERSON").

        Strings that already are a token (`<PERSON_1>`) are left alone; `exclude` names paths to pass through;
        `placeholders` names paths whose findings become typed placeholders (`<BANK_ACCOUNT>`) instead of vault tokens.
        Raises `RedactionRefused` (nothing redacted) for a string over `max_chars` or when past the budget.
        """
        untokenized = frozenset(placeholders)
        leaves = string_leaves(args, path, frozenset(exclude))
        found = self.analyze_many([(text, where) for where, text in leaves], deadline=deadline)
        replaced: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        for (where, text), entities in zip(leaves, found):
            if entities:
                replaced[where] = replace_entities(text, entities, None if where in untokenized else vault)
                for entity in entities:
                    if (where, entity.type) not in pairs:
                        pairs.append((where, entity.type))
        return with_replaced(args, path, replaced), pairs


_default: Redactor | None = None
_default_lock = threading.Lock()


def get_redactor() -> Redactor:
    """The process-wide redactor, created on first use (loading spaCy takes about a second)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Redactor()
    return _default
