"""PII redaction for tool arguments, prompts, logs and `warden redact`: Presidio patterns first, NER only where needed.

Stock Presidio runs the full spaCy pipeline and ~25 recognizers on every string; here compiled pattern
recognizers (`guardrails/recognizers.py`) run first, NER (`guardrails/nlp.py`) only on windows around
unexplained capitalised words, and not at all for structured fields (an `amount` or `claim_id` never names a
person). Results are cached by content hash, so the same text seen twice in a run costs one analysis.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from pydantic import BaseModel

from guardrails.nlp import NerPass, ner_windows
from guardrails.recognizers import DATE, PatternPass, Span, protected_spans

if TYPE_CHECKING:
    from guardrails.vault import RunVault

SUPPORTED_ENTITIES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS",
    "LOCATION", "DATE_OF_BIRTH", "POLICY_NUMBER", "BANK_ACCOUNT",
)
NER_ENTITIES = frozenset({"PERSON", "LOCATION"})
TOKEN = re.compile(r"<[A-Z][A-Z_]*?(?:_\d+)?>")

# Schema awareness: fields whose values are identifiers, amounts, codes or addresses never need NER.
_STRUCTURED_FIELDS = frozenset(
    """email to from cc bcc recipient sender amount currency channel account payee_account claim_id ticket_id
    reservation_id resource quantity status id phone mobile ip ip_address policy_number iban card ssn
    url webhook claim_type tool graph step""".split()
)
_STRUCTURED_SUFFIXES = ("_id", "_email", "_phone", "_account", "_amount", "_currency", "_ip", "_url", "_at", "_ts")
# Fields whose whole value is one entity of a known type, whatever it looks like.
_WHOLE_VALUE_FIELDS = {
    **dict.fromkeys(
        "name full_name first_name last_name claimant_name payee_name customer_name insured_name contact_name".split(),
        "PERSON",
    ),
    **dict.fromkeys("address street street_address home_address mailing_address city".split(), "LOCATION"),
    **dict.fromkeys("dob date_of_birth birth_date birthdate".split(), "DATE_OF_BIRTH"),
}
_DATE = re.compile(DATE, re.IGNORECASE)
_CACHE_SIZE = 4096
_BATCH = 32


class Entity(BaseModel):
    """One PII finding; `start`/`end` index the input text."""

    type: str
    start: int
    end: int
    score: float


class RedactedText(BaseModel):
    """Redacted text plus the entities found in the input text."""

    text: str
    entities: list[Entity]


class RedactInputError(ValueError):
    """A `warden redact` input line is not a JSON object with a string `text`."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.line_no = line_no
        self.message = message


def _field_kind(field: str | None) -> str:
    """'free' (full analysis), 'structured' (patterns only) or the entity type of a whole-value field."""
    if not field:
        return "free"
    name = field.rsplit(".", 1)[-1].split("[", 1)[0].lower()
    if name in _WHOLE_VALUE_FIELDS:
        return _WHOLE_VALUE_FIELDS[name]
    if name in _STRUCTURED_FIELDS or name.endswith(_STRUCTURED_SUFFIXES):
        return "structured"
    return "free"


def _resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep the best non-overlapping spans: higher score wins, then the longer span."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if all(span.end <= k.start or k.end <= span.start for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def _whole_value(text: str, entity: str) -> Span | None:
    stripped = text.strip()
    if not stripped or TOKEN.fullmatch(stripped):
        return None
    if entity == "DATE_OF_BIRTH" and not _DATE.fullmatch(stripped):
        return None
    start = text.index(stripped)
    return Span(entity, start, start + len(stripped), 0.95)


@dataclass
class _Pending:
    """One text on its way through analysis: pattern spans first, NER windows if it needs them."""

    index: int
    key: tuple[bytes, str]
    text: str
    spans: list[Span]
    blocked: list[tuple[int, int]] = dc_field(default_factory=list)
    windows: Sequence[tuple[int, int]] = ()


class Redactor:
    """Finds and replaces PII; loads spaCy once, cheap to share, safe to call from many threads."""

    def __init__(self, *, entities: list[str] | None = None, cache_size: int = _CACHE_SIZE) -> None:
        self._entities = frozenset(entities) if entities is not None else frozenset(SUPPORTED_ENTITIES)
        unknown = self._entities - set(SUPPORTED_ENTITIES)
        if unknown:
            raise ValueError(f"unsupported entity types: {sorted(unknown)}; supported: {list(SUPPORTED_ENTITIES)}")
        self._patterns = PatternPass(self._entities)
        ner_types = self._entities & NER_ENTITIES
        self._ner = NerPass(ner_types) if ner_types else None
        self._cache: OrderedDict[tuple[bytes, str], tuple[Entity, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    # -- analysis -------------------------------------------------------------------------------------------

    def analyze(self, text: str, *, field: str | None = None) -> list[Entity]:
        """PII entities in `text`, sorted and non-overlapping; `field` (an argument name) enables schema hints."""
        return self.analyze_many([(text, field)])[0]

    def analyze_many(self, items: Sequence[tuple[str, str | None]]) -> list[list[Entity]]:
        """Like `analyze` for many (text, field) pairs, with one batched NER pass for all of them."""
        results: list[list[Entity]] = [[] for _ in items]
        pending: list[_Pending] = []
        for i, (text, field) in enumerate(items):
            kind = _field_kind(field)
            key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), kind)
            cached = self._cache_get(key)
            if cached is not None:
                results[i] = list(cached)
                continue
            job = _Pending(i, key, text, self._patterns.find(text) if text.strip() else [])
            whole = _whole_value(text, kind) if kind in self._entities else None
            if whole is not None:
                job.spans = [s for s in job.spans if s.score > whole.score] or [whole]
            elif kind != "structured" and self._ner is not None:
                job.blocked = [(s.start, s.end) for s in job.spans] + protected_spans(text)
                job.windows = ner_windows(text, job.blocked)
            pending.append(job)
        if self._ner is not None and any(job.windows for job in pending):
            found = self._ner.find_many([(job.text, job.windows) for job in pending])
            for job, ner_spans in zip(pending, found):
                job.spans += [n for n in ner_spans if all(n.end <= s or e <= n.start for s, e in job.blocked)]
        for job in pending:
            entities = tuple(
                Entity(type=s.type, start=s.start, end=s.end, score=round(s.score, 3))
                for s in _resolve_overlaps(job.spans)
                if s.type in self._entities
            )
            self._cache_put(job.key, entities)
            results[job.index] = list(entities)
        return results

    def _cache_get(self, key: tuple[bytes, str]) -> tuple[Entity, ...] | None:
        if not self._cache_size:
            return None
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _cache_put(self, key: tuple[bytes, str], entities: tuple[Entity, ...]) -> None:
        if not self._cache_size:
            return
        with self._cache_lock:
            self._cache[key] = entities
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    # -- replacement ----------------------------------------------------------------------------------------

    def redact_text(self, text: str, *, field: str | None = None, vault: RunVault | None = None) -> RedactedText:
        """`text` with each entity replaced by `<TYPE>`, or by the run's stable token (`<PERSON_1>`) with a vault."""
        entities = self.analyze(text, field=field)
        return RedactedText(text=_replace(text, entities, vault), entities=entities)

    def redact_args(
        self, args: dict, *, vault: RunVault | None = None, path: str = "args", exclude: Iterable[str] = ()
    ) -> tuple[dict, list[tuple[str, str]]]:
        """Redacts every string in nested `args`; returns new args and (path, type) pairs such as ("args.body", "PERSON").

        Strings that already are a token (`<PERSON_1>`) are left alone; `exclude` names paths to pass through.
        """
        skip = frozenset(exclude)
        leaves: list[tuple[str, str]] = []  # (path, text)

        def collect(value: Any, where: str) -> None:
            if where in skip:
                return
            if isinstance(value, str):
                if value.strip() and not TOKEN.fullmatch(value.strip()):
                    leaves.append((where, value))
            elif isinstance(value, dict):
                for k, v in value.items():
                    collect(v, f"{where}.{k}")
            elif isinstance(value, (list, tuple)):
                for n, v in enumerate(value):
                    collect(v, f"{where}[{n}]")

        collect(args, path)
        found = self.analyze_many([(text, where) for where, text in leaves])
        replaced: dict[str, str] = {}
        pairs: list[tuple[str, str]] = []
        for (where, text), entities in zip(leaves, found):
            if entities:
                replaced[where] = _replace(text, entities, vault)
                for entity in entities:
                    if (where, entity.type) not in pairs:
                        pairs.append((where, entity.type))

        def rebuild(value: Any, where: str) -> Any:
            if where in replaced:
                return replaced[where]
            if isinstance(value, dict):
                return {k: rebuild(v, f"{where}.{k}") for k, v in value.items()}
            if isinstance(value, list):
                return [rebuild(v, f"{where}[{n}]") for n, v in enumerate(value)]
            if isinstance(value, tuple):
                return tuple(rebuild(v, f"{where}[{n}]") for n, v in enumerate(value))
            return value

        return rebuild(args, path), pairs


def _replace(text: str, entities: Sequence[Entity], vault: RunVault | None) -> str:
    out: list[str] = []
    pos = 0
    for e in entities:
        out.append(text[pos : e.start])
        out.append(vault.tokenize(e.type, text[e.start : e.end]) if vault is not None else f"<{e.type}>")
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


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


def redact_jsonl(lines: Iterable[str]) -> Iterator[str]:
    """`warden redact`: one `{"id", "text"}` object per line in, one `{"id", "text", "entities"}` line out.

    Lines are analysed in batches (one NER pass per batch); a malformed line raises `RedactInputError` after
    every line before it has been yielded.
    """
    redactor = get_redactor()
    batch: list[tuple[Any, str]] = []

    def flush() -> Iterator[str]:
        found = redactor.analyze_many([(text, None) for _, text in batch])
        for (ident, text), entities in zip(batch, found):
            yield json.dumps(
                {
                    "id": ident,
                    "text": _replace(text, entities, None),
                    "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in entities],
                },
                ensure_ascii=False,
            )
        batch.clear()

    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        error: str | None = None
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            error = f"not valid JSON ({exc.msg} at column {exc.colno})"
        else:
            if not isinstance(obj, dict):
                error = 'expected a JSON object like {"id": 1, "text": "..."}'
            elif not isinstance(obj.get("text"), str):
                error = 'missing string field "text"'
        if error is not None:
            yield from flush()
            raise RedactInputError(line_no, error)
        batch.append((obj.get("id"), obj["text"]))
        if len(batch) >= _BATCH:
            yield from flush()
    yield from flush()
