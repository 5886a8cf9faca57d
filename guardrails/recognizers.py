"""Pattern recognizers for the identifier-shaped PII types: every pattern is RE2 (linear time), checks are Python.

Presidio's own recognizers backtrack (its email pattern takes 61 s on `a.a.a...@` of 20,000 characters), so none
of them runs here: each type has one RE2 candidate pattern over the whole text, and the validation Presidio does
(Luhn for cards, SSN invalidation, IBAN mod-97, `ipaddress` for IPs) is plain Python on each candidate. RE2 has no
look-around, so boundaries are checked on the characters either side of a candidate. Helpers that take a slice
(`text_spans.context_before`) only ever see a bounded window, never the whole text.

Recall over the project's own phrasing: cards of any brand and length 12-19 that pass Luhn, phone-shaped
numbers whether or not libphonenumber accepts them, `pol-`/`acct-` in any case. The module also finds
*protected* spans (claim ids, money amounts, plain dates, currency codes, vault tokens): never PII themselves,
they stop the phone and name finders from claiming them.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Callable, Iterable, Iterator

from guardrails.recognizers_phone import find_phones
from guardrails.recognizers_record_rows import record_row_birth_date
# SpanMask stays importable from here (with Span and compile_re2): the name and redaction modules import it so.
from guardrails.text_spans import (  # noqa: F401
    CONTEXT_WINDOW,
    Span,
    SpanMask,
    alnum_at,
    bounded,
    compile_re2,
    context_before,
)

# -- email --------------------------------------------------------------------------------------------------

# \p{M}: the vowel signs of Devanagari, Thai, ... are marks, not letters ("राहुल.पाण्डे54@example.org").
EMAIL = compile_re2(
    r"[\p{L}\p{M}\p{N}._%+\-'!#$&*=?^`{|}~/]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)*\.\p{L}{2,24}"
)


def find_emails(text: str) -> Iterator[Span]:
    for m in EMAIL.finditer(text):
        start, end = m.span()
        while start < end and text[start] in ".'-/`{|}~":
            start += 1
        if text[start] == "@":
            continue
        yield Span("EMAIL_ADDRESS", start, end, 1.0)


# -- numbers: cards, SSNs, IBANs, accounts, policies, IPs ---------------------------------------------------

DIGIT_RUN = compile_re2(r"\d+(?:[ \-]\d+)*")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_groups_ok(groups: list[str]) -> bool:
    """Separated card numbers are grouped 4-4-4-4, 4-6-5, 4-4-4-4-3...: no group before the last under 4 digits."""
    return len(groups) == 1 or (4 <= len(groups[0]) <= 6 and all(len(g) >= 3 for g in groups[1:]) and
                                all(len(g) >= 4 for g in groups[:-1]))


def find_cards(text: str) -> Iterator[Span]:
    for m in DIGIT_RUN.finditer(text):
        start, end = m.span()
        if alnum_at(text, start - 1) or alnum_at(text, end) or (start > 0 and text[start - 1] == "+"):
            continue
        groups = m.group().replace("-", " ").split(" ")
        # The card may be part of a longer run ("card 4111 1111 1111 1111 2 times"): try group windows.
        offsets, pos = [], start
        for g in groups:
            offsets.append(pos)
            pos += len(g) + 1
        i = 0
        while i < len(groups):
            found = False
            for j in range(min(len(groups), i + 6), i, -1):
                window = groups[i:j]
                digits = "".join(window)
                if 12 <= len(digits) <= 19 and _card_groups_ok(window) and luhn_ok(digits) and len(set(digits)) > 1:
                    yield Span("CREDIT_CARD", offsets[i], offsets[j - 1] + len(groups[j - 1]), 1.0)
                    i, found = j, True
                    break
            if not found:
                i += 1


SSN = compile_re2(r"\d{3}([ \-.]?)\d{2}([ \-.]?)\d{4}")
SSN_CONTEXT = ("ssn", "social security", "social sec", "ss#", "ss no", "tax id", "tin")
# The same cues as whole words ("tin", not "meeting"), for numbers the SSA never issues.
SSN_CUE = compile_re2(r"(?i)\b(?:" + "|".join(re.escape(c) + (r"\b" if c[-1].isalnum() else "") for c in SSN_CONTEXT) + ")")


def find_ssns(text: str) -> Iterator[Span]:
    for m in SSN.finditer(text):
        start, end = m.span()
        if alnum_at(text, start - 1) or alnum_at(text, end) or (start > 0 and text[start - 1] in "+-"):
            continue
        if m.group(1) != m.group(2):
            continue
        digits = "".join(c for c in m.group() if c.isdigit())
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        if len(set(digits)) == 1:
            continue
        invalid = area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000"
        # Numbers the SSA never issues (area 9xx, group 00, ...) are not SSNs in free text; but written as one
        # after an "SSN:" cue they are what the writer holds as their SSN (test data, ITINs): mask them too.
        if invalid and not SSN_CUE.search(text[max(0, start - CONTEXT_WINDOW) : start]):
            continue
        if m.group(1):
            yield Span("US_SSN", start, end, 0.85)
        elif context_before(text, start, SSN_CONTEXT):
            yield Span("US_SSN", start, end, 0.8)


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
IBAN = compile_re2(r"(?i)[a-z]{2}\d{2}(?:[ \-]?[a-z0-9]){10,32}")


def iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def find_ibans(text: str) -> Iterator[Span]:
    for m in IBAN.finditer(text):
        start = m.start()
        if alnum_at(text, start - 1):
            continue
        country = text[start : start + 2].upper()
        want = IBAN_LENGTHS.get(country)
        lengths = [want] if want else list(range(34, 14, -1))
        # Walk the candidate, collecting alphanumerics, and stop at the country's length (a word may follow).
        compact, ends = [], []
        for k in range(start, m.end()):
            if text[k].isalnum():
                compact.append(text[k].upper())
                ends.append(k + 1)
        for length in lengths:
            if length <= len(compact) and iban_ok("".join(compact[:length])):
                end = ends[length - 1]
                if not alnum_at(text, end) or text[end - 1 : end + 1].isalpha() is False:
                    yield Span("IBAN_CODE", start, end, 1.0)
                    break


POLICY = compile_re2(r"(?i)pol-?\d{8}")
ACCOUNT = compile_re2(r"(?i)[aаα][cсϲ][cсϲ][tтτ]-\d{5,12}")
ACCOUNT_AFTER_CUE = compile_re2(r"(?i)(?:account|acct|a/c)\.?\s*(?:number|no\.?|num|#)?\s*[:#]?\s*(\d{6,17})")


def find_policies(text: str) -> Iterator[Span]:
    for m in POLICY.finditer(text):
        if bounded(text, *m.span()) and "-" in m.group():
            yield Span("POLICY_NUMBER", m.start(), m.end(), 1.0)


def find_accounts(text: str) -> Iterator[Span]:
    for m in ACCOUNT.finditer(text):
        if bounded(text, *m.span()):
            yield Span("BANK_ACCOUNT", m.start(), m.end(), 1.0)
    for m in ACCOUNT_AFTER_CUE.finditer(text):
        s, e = m.span(1)
        if not alnum_at(text, m.start() - 1) and not alnum_at(text, e):
            yield Span("BANK_ACCOUNT", s, e, 0.85)


IPV4 = compile_re2(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
IPV6 = compile_re2(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}")


def find_ips(text: str) -> Iterator[Span]:
    for m in IPV4.finditer(text):
        start, end = m.span()
        if alnum_at(text, start - 1) or (start > 0 and text[start - 1] == "."):
            continue
        if alnum_at(text, end) or (text[end : end + 1] == "." and alnum_at(text, end + 1)):
            continue
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield Span("IP_ADDRESS", start, end, 0.95)
    for m in IPV6.finditer(text):
        start, end = m.span()
        value = m.group()
        if value.count(":") < 2 or alnum_at(text, start - 1) or alnum_at(text, end):
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        yield Span("IP_ADDRESS", start, end, 0.95)


# -- dates: plain dates are protected, dates next to a birth cue are DATE_OF_BIRTH --------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE_PATTERN = (
    r"(?i)(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+\d{4})"
)
DATE = compile_re2(DATE_PATTERN)
DATE_FULL = compile_re2("^" + DATE_PATTERN + "$")
# A birth cue is a whole word ("Dobson", "stubborn" are none), close to the date, and not an event held on it.
# Field labels in the languages of the claims Warden sees ("Geburtsdatum", "fecha de nacimiento", "né le").
FOREIGN_BIRTH_LABELS = (r"geburtsdatum|geb\.|date de naissance|fecha de nacimiento|f\. nac\.|data di nascita|"
                        r"geboortedatum|data de nascimento|data urodzenia|f[öo]delsedatum|f[øo]dselsdato|"
                        r"syntym[äa]aika|do[ğg]um tarihi|datum narozen[íi]")
DOB_CUE = compile_re2(
    r"(?i)(?:^|[^\p{L}])(born|dob|d\.o\.b\.?|date of birth|birth date|birthdate|birthday|birth|bday|b-day|"
    r"n[ée]e? le|geboren|nacid[oa] el|nat[oa] il|nascid[oa] em|" + FOREIGN_BIRTH_LABELS + r"|b\.)(?:[^\p{L}]|$)"
)
_GAP_BREAKS = (". ", "; ", "! ", "? ", ".\n")
_MAX_GAP_BEFORE = 32  # "born in Porto on", "date of birth (as on the ID):"
_MAX_GAP_AFTER = 24  # "... 1990-05-06 as date of birth"
_EVENTS = ("party", "parties", "celebration", "dinner", "gift", "present", "card", "cake", "trip", "sale")


def find_dates(text: str) -> Iterator[tuple[int, int]]:
    """Plain dates, bounded (not part of a longer number such as a version or an IP)."""
    for m in DATE.finditer(text):
        start, end = m.span()
        if alnum_at(text, start - 1) or (start > 0 and text[start - 1] in ".-/"):
            continue
        if alnum_at(text, end) or (text[end : end + 1] in (".", "-", "/") and alnum_at(text, end + 1)):
            continue
        yield start, end


# A new clause between cue and date: "born long ago, but on ...", "Born to run, released ...".
CLAUSE_BREAK = compile_re2(r",[ \t]+\p{Ll}|\b(?:and|but|or|then|released|moved|married|died)\b")


def _plain_gap(gap: str) -> bool:
    return not any(b in gap for b in _GAP_BREAKS) and not any(ch.isdigit() for ch in gap) and not any(
        w.strip(",.:;()") in _EVENTS for w in gap.lower().split()
    ) and CLAUSE_BREAK.search(gap) is None


# Cues that name the field ("date of birth", "DOB") rather than the event ("born"): a form's label may stand far
# from its value, behind a parenthesis or a dotted leader ("The insured's birth date, as shown on the passport, is").
NOUN_CUE = compile_re2(r"(?i)^(?:dob|d\.o\.b\.?|date of birth|birth date|birthdate|birthday|bday|b-day|"
                       + FOREIGN_BIRTH_LABELS + r")$")
_MAX_NOUN_GAP = 64
NOUN_BREAK = compile_re2(r"(?i)\b(?:and|but|or|then|released|moved|married|died|since|until|while)\b")
LEADER = compile_re2(r"[._\-]{3,}")
# A time of day right after a date makes it a time stamp, never a birth date ("2021-03-04 13:22:11").
TIME_AFTER = compile_re2(r"^(?:[ \t]+|T)\d{1,2}:\d{2}")


def _noun_gap(gap: str) -> bool:
    """A field label's gap: no sentence ends in it (a question may: "What is your DOB?\nsure, ..."), no digit."""
    gap = LEADER.sub(" ", gap)
    question = gap.find("?")
    if question >= 0:
        rest = gap[question + 1 :]
        if len(rest) > 12 or "?" in rest:
            return False
        gap = gap[:question] + " " + rest
    return len(gap) <= _MAX_NOUN_GAP and not any(b in gap for b in (". ", "; ", "! ", ".\n")) and not any(
        ch.isdigit() for ch in gap) and not any(w.strip(",.:;()") in _EVENTS for w in gap.lower().split()) and (
        NOUN_BREAK.search(gap) is None)


def _is_birth_date(text: str, start: int, end: int) -> bool:
    """A birth cue just before the date ("born on", "DOB:") or right after it ("... as date of birth"); a form
    label farther before it; or the column's header in a delimited table."""
    if TIME_AFTER.search(text[end : end + 8]):
        return False
    window = max(0, start - 2 * CONTEXT_WINDOW)
    cues = list(DOB_CUE.finditer(text[window:start]))
    if cues:
        last = cues[-1]
        gap = text[window + last.end(1) : start]
        if len(gap) <= _MAX_GAP_BEFORE and _plain_gap(gap):
            return True
        if NOUN_CUE.search(last.group(1)) and _noun_gap(gap):
            return True
    cue = DOB_CUE.search(text[end : end + CONTEXT_WINDOW // 2 + 2])
    if cue:
        gap = text[end : end + cue.start(1)]
        if len(gap) <= _MAX_GAP_AFTER and _plain_gap(gap):
            return True
    return birth_column(text, start, end)


_DELIMITERS = (";", "|", "\t", ",")


def birth_column(text: str, start: int, end: int) -> bool:
    """In a delimited table, the date's cell sits under a header cell that is a birth cue ("date of birth")."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start == 0:
        return False
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    header = text[: text.find("\n")]
    for sep in _DELIMITERS:
        if sep not in line or header.count(sep) != line.count(sep) or sep in text[start:end]:
            continue
        column = text[line_start:start].count(sep)
        cells = header.split(sep)
        return column < len(cells) and DOB_CUE.search(cells[column].strip()) is not None
    return False


def find_birth_dates(text: str) -> Iterator[Span]:
    for start, end in find_dates(text):
        if _is_birth_date(text, start, end) or record_row_birth_date(text, start, end):
            yield Span("DATE_OF_BIRTH", start, end, 0.9)


# -- the pass -------------------------------------------------------------------------------------------------

FINDERS: dict[str, Callable[[str], Iterable[Span]]] = {
    "EMAIL_ADDRESS": find_emails,
    "CREDIT_CARD": find_cards,
    "US_SSN": find_ssns,
    "IBAN_CODE": find_ibans,
    "IP_ADDRESS": find_ips,
    "PHONE_NUMBER": find_phones,
    "DATE_OF_BIRTH": find_birth_dates,
    "POLICY_NUMBER": find_policies,
    "BANK_ACCOUNT": find_accounts,
}

PROTECTED = compile_re2(
    r"[A-Z]{2,6}-\d{2,}(?:-\d+)*"  # claim / ticket / reservation ids (POL-/ACCT- are matched as PII first)
    r"|[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand))?"
    r"|\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|dollars|euros|pounds)"
    r"|(?:USD|EUR|GBP|CAD|AUD|CHF|JPY)\s?\d[\d,]*(?:\.\d+)?"
    r"|(?:USD|EUR|GBP|CAD|AUD|CHF|JPY)"
    r"|<[A-Z][A-Z_]*?(?:_\d+)?>"  # vault tokens and earlier redactions
    r"|(?i:https?://|www\.)[^\s<>\"']+"  # URLs: a host name is not a person
)
# Products with a model number ("Pixel 8", "Galaxy S23"): not a name, not a street.
PRODUCT = compile_re2(r"[A-Z][A-Za-z]+[ \t]+[A-Z]{0,2}\d{1,3}[A-Za-z]{0,3}")
DIGITS_AFTER = compile_re2(r"^[ \t.\-]\d{3}")


class PatternPass:
    """Runs the pattern recognizers over a text; stateless, so safe to share across threads."""

    def __init__(self, entities: Iterable[str] | None = None) -> None:
        wanted = set(entities) if entities is not None else set(FINDERS)
        self._finders = [f for entity, f in FINDERS.items() if entity in wanted]

    def find(self, text: str) -> list[Span]:
        """All identifier-shaped PII spans, possibly overlapping (conflicts are settled by score, then length)."""
        spans: list[Span] = []
        for finder in self._finders:
            spans.extend(finder(text))
        return spans


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are never PII in this domain (claim ids, amounts, plain dates, currencies, tokens)."""
    spans = [m.span() for m in PROTECTED.finditer(text) if bounded(text, *m.span()) or text[m.start()] in "$€£¥<"]
    spans += list(find_dates(text))
    for m in PRODUCT.finditer(text):
        end = m.end()
        # "ON 078 6085633": more digits after the number make it the start of a phone, not a model number.
        if not alnum_at(text, m.start() - 1) and (end == len(text) or text[end] in " \t\n.,;:!?)") and not (
                DIGITS_AFTER.search(text[end : end + 4])):
            spans.append(m.span())
    return spans
