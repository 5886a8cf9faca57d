"""Compiled pattern recognizers for the PII types `warden redact` must find: the cheap first pass before NER.

Built from Presidio's own recognizers (email, credit card with Luhn, SSN with invalidation, IBAN with checksum,
IP with `ipaddress` validation) plus Presidio `PatternRecognizer`s for the types stock Presidio lacks or gets
wrong (street addresses, dates of birth, POL-/ACCT- numbers). Phone numbers use a candidate regex validated by
`phonenumbers` (the library Presidio's PhoneRecognizer wraps) instead of scanning every region's matcher, which
is what makes the stock phone recognizer cost milliseconds.

The module also finds *protected* spans (claim ids, money amounts, plain dates, currency codes, vault tokens):
never PII themselves, they stop NER from labelling them.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Iterable

# Nothing may download at runtime: tldextract's default extractor (used by Presidio's email recognizer) would
# fetch the public suffix list on first use unless this is set before it is imported.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import phonenumbers  # noqa: E402
import tldextract  # noqa: E402
from presidio_analyzer import Pattern, PatternRecognizer  # noqa: E402
from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsSsnRecognizer,
)

from guardrails.pii_lexicon import NOT_NAMES, ORG_SUFFIXES  # noqa: E402

MIN_SCORE = 0.4
CONTEXT_BOOST = 0.35
# Presidio compiles patterns case-insensitively by default; capitalisation is the signal for names and streets.
CASE_SENSITIVE = re.DOTALL | re.MULTILINE
CONTEXT_WINDOW = 48  # characters before a match searched for context words


@dataclass(frozen=True, slots=True)
class Span:
    """A typed character span of the input text with a confidence score."""

    type: str
    start: int
    end: int
    score: float


# Offline: tldextract's default tries to download the public suffix list on first use.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


_ALPHA_TLD = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}$")


class _OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validated against the bundled suffix list (no network at runtime)."""

    def validate_result(self, pattern_text: str) -> bool:
        # An address on a private or reserved TLD (`.example`, `.internal`) is still somebody's address:
        # accept a known suffix, or any alphabetic top-level label, so exfiltration targets get redacted too.
        return _TLD(pattern_text).fqdn != "" or bool(_ALPHA_TLD.search(pattern_text))


_TRUNK_REGIONS = ("GB", "DE", "FR", "IN", "AU", "IE", "NL")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


class _PhoneRecognizer(PatternRecognizer):
    """Phone numbers: a permissive candidate regex, each candidate validated with `phonenumbers`."""

    PATTERN = (
        r"(?<![\w\-/.])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?)?\d{2,5}(?:[\s.\-]\d{2,5}){1,4}(?![\w\-/]|\.\d)"
        r"|(?<![\w\-/.])\+?\d{10,13}(?![\w\-/]|\.\d)"
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=[Pattern("phone candidate", self.PATTERN, 0.7)],
            context=["phone", "call", "mobile", "cell", "tel", "sms", "text"],
            name="PhoneCandidateRecognizer",
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        if _IPV4_LIKE.fullmatch(pattern_text):
            return True
        digits = sum(ch.isdigit() for ch in pattern_text)
        if digits < 7 or digits > 15:
            return True
        # National formats of other countries start with a trunk "0" ("020 7946 0958"); try a few regions then.
        regions = _TRUNK_REGIONS if pattern_text.startswith("0") and digits >= 10 else ("US",)
        for region in regions:
            try:
                if phonenumbers.is_valid_number(phonenumbers.parse(pattern_text, region)):
                    return False
            except phonenumbers.NumberParseException:
                return True
        return True


_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|"
    r"Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Alley|Row|Crescent|Close)"
)
STREET_ADDRESS = (
    r"\b\d{1,6}[A-Za-z]?\s+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
    r"(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th))(?:\s+[A-Z][a-z]+){0,3}\s+" + _STREET_SUFFIX + r"\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor)\.?\s*#?\s*[A-Za-z0-9\-]{1,6}\b)?"
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = (
    r"(?<![\d.\-/])\b(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+\d{4})\b(?![.\-/]\d)"
)
_DOB_CONTEXT = re.compile(r"\b(?:born|dob|d\.o\.b|date of birth|birth ?date|birthday)\b", re.IGNORECASE)
# Between "DOB" and its date: no sentence break and no other number (else the date is some other date).
_DOB_GAP_BREAK = re.compile(r"[.;!?](?:\s|$)|\d")


class _DateOfBirthRecognizer(PatternRecognizer):
    """Dates of birth: a date is PII only next to a birth cue ("born", "DOB"); incident dates must survive."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="DATE_OF_BIRTH",
            patterns=[Pattern("date", DATE, 0.9)],
            context=["born", "dob", "birth", "birthday"],
            name="DateOfBirthRecognizer",
            global_regex_flags=re.IGNORECASE,
        )


_NAME_WORD = r"[A-Z][\p{Ll}'’\-]+"
PERSON_CUE = (
    r"(?<=\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+"
    r"|\b(?i:customer|claimant|policyholder|insured|caller|beneficiary|payee|patient|tenant|homeowner|driver|witness)"
    r",?\s+"
    r"|\b(?:Hi|Hello|Dear)\s+"
    r"|\b(?i:regards|sincerely|thanks|thank you|cheers),?\s+"
    r"|\b(?i:spoke with|identity of|on behalf of|signed by|disputed by)\s+)"
    + _NAME_WORD + r"(?:[ \t]+" + _NAME_WORD + r"){0,2}\b"
)


class _PersonCueRecognizer(PatternRecognizer):
    """Names right after a title, a role noun or a greeting ("Claimant Rosa Thompson", "Dear Mr. Okafor")."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PERSON",
            patterns=[Pattern("person after cue", PERSON_CUE, 0.7)],
            name="PersonCueRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = pattern_text.lower().split()
        return words[0] in NOT_NAMES or words[-1] in ORG_SUFFIXES


def _domain_recognizers() -> list[PatternRecognizer]:
    """The insurer's own identifiers plus the street addresses stock Presidio misses."""
    return [
        PatternRecognizer(
            supported_entity="POLICY_NUMBER",
            patterns=[Pattern("policy number", r"\bPOL-\d{8}\b", 1.0)],
            context=["policy"],
            name="PolicyNumberRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        ),
        PatternRecognizer(
            supported_entity="BANK_ACCOUNT",
            patterns=[
                Pattern("account id", r"\bACCT-\d{5,12}\b", 1.0),
                # Look-alike letters (Cyrillic/Greek А, С, Т) make a different account that reads the same:
                # still an account number, so it is redacted too (the gate compares exact values).
                Pattern("look-alike account id", r"(?<![\w])[AАΑ][CСϹ][CСϹ][TТΤ]-\d{5,12}\b", 0.95),
                # A bare number right after "account number"/"acct no." is an account too.
                Pattern(
                    "account after context",
                    r"(?<=\b(?:account|acct)\.?\s*(?:number|no\.?|num|#)?\s*[:#]?\s*)\d{6,17}\b",
                    0.85,
                ),
            ],
            context=["account", "acct", "payee"],
            name="BankAccountRecognizer",
            global_regex_flags=re.IGNORECASE,
        ),
        PatternRecognizer(
            supported_entity="LOCATION",
            patterns=[Pattern("street address", STREET_ADDRESS, 0.9)],
            context=["address", "lives", "street"],
            name="StreetAddressRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        ),
    ]


PROTECTED = re.compile(
    r"\b[A-Z]{2,6}-\d{2,}(?:-\d+)*\b"  # claim / ticket / reservation ids (POL-/ACCT- are matched as PII first)
    r"|[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand))?"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|dollars|euros|pounds)\b"
    r"|\b(?:USD|EUR|GBP|CAD|AUD|CHF|JPY)\s?\d[\d,]*(?:\.\d+)?"
    r"|\b(?:USD|EUR|GBP|CAD|AUD|CHF|JPY)\b"
    r"|<[A-Z][A-Z_]*?(?:_\d+)?>"  # vault tokens and earlier redactions
    r"|(?-i:\b[A-Z][A-Za-z]+\s+[A-Z]{0,2}\d{1,3}[A-Za-z]{0,3}(?=\s|[.,;:!?)]|$))"  # models: "Pixel 8", "Galaxy S23"
    r"|" + DATE,
    re.IGNORECASE,
)


def _ssn_recognizer() -> UsSsnRecognizer:
    return UsSsnRecognizer(context=["ssn", "social security", "social", "ss#", "ssn#"])


def build_recognizers() -> list[PatternRecognizer]:
    """Every pattern recognizer, in no particular order (conflicts are settled by score, then length)."""
    return [
        _OfflineEmailRecognizer(),
        CreditCardRecognizer(),
        _ssn_recognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        _PhoneRecognizer(),
        _DateOfBirthRecognizer(),
        _PersonCueRecognizer(),
        *_domain_recognizers(),
    ]


def _is_birth_date(text: str, start: int, end: int) -> bool:
    """A birth cue before the date ("born on", "DOB:") or right after it ("... as date of birth")."""
    cues = list(_DOB_CONTEXT.finditer(text, max(0, start - CONTEXT_WINDOW), start))
    if cues and not _DOB_GAP_BREAK.search(text, cues[-1].end(), start):
        return True
    after = _DOB_CONTEXT.search(text, end, end + CONTEXT_WINDOW // 2)
    return after is not None and not _DOB_GAP_BREAK.search(text, end, after.start())


_CITY_AFTER = re.compile(r",\s+([A-Z][a-z]+(?:[ \-][A-Z][a-z]+)?)\b(?!-\d)")


def _city_after(text: str, end: int) -> Span | None:
    """The city in "1234 Oak Street, Springfield": NER misses cities that are also first names (Austin)."""
    m = _CITY_AFTER.match(text, end)
    if not m or m.group(1).split()[0].lower() in NOT_NAMES:
        return None
    return Span("LOCATION", m.start(1), m.end(1), 0.8)


def _has_context(text: str, start: int, words: Iterable[str]) -> bool:
    before = text[max(0, start - CONTEXT_WINDOW) : start].lower()
    return any(w in before for w in words)


class PatternPass:
    """Runs the pattern recognizers over a text; stateless after construction, so safe to share across threads."""

    def __init__(self, entities: Iterable[str] | None = None) -> None:
        wanted = set(entities) if entities is not None else None
        self._recognizers = [
            r for r in build_recognizers() if wanted is None or r.supported_entities[0] in wanted
        ]
        self._cities = wanted is None or "LOCATION" in wanted

    def find(self, text: str) -> list[Span]:
        """All PII spans with score >= MIN_SCORE, possibly overlapping."""
        spans: list[Span] = []
        for rec in self._recognizers:
            entity = rec.supported_entities[0]
            for r in rec.analyze(text, rec.supported_entities, None):
                score = r.score
                if entity == "DATE_OF_BIRTH":
                    if not _is_birth_date(text, r.start, r.end):
                        continue
                elif score < MIN_SCORE and rec.context and _has_context(text, r.start, rec.context):
                    score = max(MIN_SCORE, min(1.0, score + CONTEXT_BOOST))
                if score >= MIN_SCORE:
                    spans.append(Span(entity, r.start, r.end, score))
        if self._cities:
            spans += [city for span in spans if span.type == "LOCATION" and (city := _city_after(text, span.end))]
        return spans


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are never PII in this domain (claim ids, amounts, plain dates, currencies, tokens)."""
    return [m.span() for m in PROTECTED.finditer(text)]
