"""Street addresses (US, EU, UK, military APO/FPO/DPO, multi-line) as LOCATION: RE2 patterns, checks in Python.

A US street is a building number, a few name words and a USPS street suffix (Publication 28); it then extends
over a unit ("Apt. 5"), a city, a state and a ZIP, across commas and line breaks, because a multi-line address is
one location. EU streets carry the street word (`rue`, `Via`, `-straße`) and a number on either side; UK and EU
postcodes followed by a city are locations too. Names of streets are matched in any case (attackers and hurried
typists write `12 OAK STREET`), with stop words ruling out prose such as "2 cats in the park".
"""
from __future__ import annotations

from typing import Iterator

from guardrails.pii_lexicon import (
    NOT_NAMES, NOT_PLACES, ORG_SUFFIXES, ORG_TAILS, PLACE_PREFIXES, STOP_WORDS, STREET_SUFFIXES,
)
from guardrails.name_lexicon import english_zipf, given_names
from guardrails.recognizers import Span, compile_re2

_SUFFIX = "(?:" + "|".join(sorted(STREET_SUFFIXES, key=len, reverse=True)) + ")s?"
_WORD = r"[\p{L}][\p{L}'’\-]*\.?"
_DIR = r"(?:(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\.?\s+)?"
US_STREET = compile_re2(
    r"(\d{1,6}[A-Za-z]?(?:-\d{1,4})?)[ \t]+(?i:" + _DIR + r")((?:\p{Lu}[\p{L}'’\-]*\.?|\d{1,3}(?i:st|nd|rd|th))"
    r"(?:[ \t]+\p{Lu}[\p{L}'’\-]*\.?){0,3}?)[ \t]+((?i:" + _SUFFIX + r"))\.?"
)
# A named street without a number ("the corner of Maple Avenue and Elm St. and ..."): capitalised words, a suffix.
NAMED_STREET = compile_re2(
    r"(\p{Lu}[\p{L}'’\-]+(?:[ \t]+\p{Lu}[\p{L}'’\-]+){0,2})[ \t]+"
    r"((?i:" + "|".join(sorted((w for w in STREET_SUFFIXES if len(w) > 3), key=len, reverse=True)) + r")s?"
    r"|St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Sq|Hwy|Pkwy|Ter|Cres)(\.?)"
)
# Words before a street name that say it is one ("the corner of Gardner Row and James Dam").
STREET_CUE = compile_re2(
    r"(?i)(?:corner of|intersection of|junction of|lives on|live on|living on|located on|happened on|occurred on|"
    r"crashed on|parked on|driving on|driving down|walking down|walking along|along|\d{1,6}[a-z]? on)[ \t]+$"
)
_STRONG = frozenset("street avenue road boulevard lane drive court terrace parkway highway crescent".split())
_UNIT = r"(?:apt|apartment|suite|ste|unit|fl|floor|room|rm|bldg|building|#)\.?[ \t]*#?[ \t]*[a-z0-9\-]{1,6}"
# A US address's last line alone: "Amyland, WY 11033", "West Shane, RI 79826-1234".
US_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA "
    "RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP MH FM PW AA AE AP"
).split()
CITY_STATE_ZIP = compile_re2(
    r"(\p{Lu}[\p{L}'’.\-]+(?:[ \t]+\p{Lu}[\p{L}'’.\-]+){0,2}),?[ \t]+(?:" + "|".join(US_STATE_CODES)
    + r")[ \t]+\d{5}(?:-\d{4})?"
)
# Between the lines of an address: commas, line breaks, and the bullets or junk some exports put there.
_SEP = r"[\s,;:?|>*•{}]"
UNIT = compile_re2(r"(?i)^" + _SEP + r"{0,8}" + _UNIT)
# After a street: separators, then a city (capitalised words), a state and a postcode, each optional.
CITY = compile_re2(r"^" + _SEP + r"{1,8}(\p{Lu}\p{Ll}[\p{L}'’.\-]*(?:[ \t]+\p{Lu}\p{Ll}[\p{L}'’.\-]*){0,2})")
STATE_ZIP = compile_re2(
    r"^(?:" + _SEP + r"{1,8}(?:\p{Lu}{2}|\p{Lu}\p{Ll}+(?:[ \t]\p{Lu}\p{Ll}+)?))?" + _SEP + r"{1,8}(\d{5}(?:-\d{4})?|"
    r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})"
)
# A last line of country words and a postcode ("Malawi 95319", "United States Virgin Islands 27805").
COUNTRY_ZIP = compile_re2(r"^" + _SEP + r"{1,8}\p{Lu}[\p{L}'’\-]*(?:[ \t]+\p{L}[\p{L}'’\-]*){0,4}[ \t]+\d{4,6}")
STATE_ONLY = compile_re2(r"^" + _SEP + r"{0,8}(\p{Lu}{2})(?:[^\p{L}\d]|$)")
ZIP_FIELD = compile_re2(
    r"(?i:zip|zip code|zipcode|postcode|post code|postal code|plz)[ \t]*(?:[:#]|(?i:is))?[ \t]*(\d{5}(?:-\d{4})?|"
    r"(?-i:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}))"
)
# Where a place name follows: "lives in", "moved to", "Where:", "based in".
PLACE_CUE = compile_re2(
    r"(?i:lives in|live in|living in|lived in|moved to|moving to|relocated to|based in|located in|i am in|"
    r"i'm in|born in|visiting|travelling to|traveling to|where:|city:|town:|hometown:?|town of|city of|village of|"
    r"suburb of)[ \t]+"
    r"(\p{Lu}[\p{L}'’\-]+(?:[ \t]+\p{Lu}[\p{L}'’\-]+){0,2})"
)
PLACE_WORD = compile_re2(
    r"(?:(?:North|South|East|West|New|Lake|Port|Fort|Mount)[ \t]+)?\p{Lu}\p{Ll}{2,}"
    r"(?:ville|borough|burgh|bury|chester|haven|mouth|side|stad|town|view|shire|hausen|heim|dorf|polis|port|fort)"
    r"|(?:North|South|East|West|New|Lake|Port|Fort|Mount)[ \t]+\p{Lu}\p{Ll}+"
)
MILITARY = compile_re2(
    r"(?i)(?:(?:psc|unit|cmr)[ \t]+\d{3,5},?[ \t]+box[ \t]+\d{1,5}|(?:usns|usnv|uss|uscgc)[ \t]+[\p{L}'\-]+)"
    r"[\s,]+(?:apo|fpo|dpo)[ \t]+a[aep][ \t]+\d{5}"
)
# A unit on its own ("Send it to Suite 840", "Apt. 006"): part of an address whatever surrounds it.
LONE_UNIT = compile_re2(r"(?:Apt|APT|Apartment|Suite|SUITE|Ste|apt|apartment|suite)\.?[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?")
PO_BOX = compile_re2(r"(?i)p\.?[ \t]?o\.?[ \t]+box[ \t]+\d{1,6}")
EU_STREET = compile_re2(
    r"(?i)(\d{1,4}[a-z]?,?[ \t]+)?"
    r"(?:rue|avenue|av\.|boulevard|bd\.?|chemin|allée|impasse|quai|via|viale|piazza|corso|vicolo|calle|avenida|"
    r"plaza|paseo|carrer|carretera|rua|travessa|largo|praça|ulica|ul\.|aleja|al\.|straat|laan|gracht|plein|weg|"
    r"alameda|urbanización|urbanizacion|cañada|ronda|camino|glorieta|rambla|travesía|travesia|callejón|pasaje|"
    r"incrocio|contrada|borgo|strada|stretto|traversa|rotonda|salita)"
    r"[ \t]+((?:(?:de|del|de la|des|du|da|do|dos|das|di|della|dei|la|le|les|el|los|las|van|der|den)[ \t]+)*"
    + _WORD + r"(?:[ \t]+\p{Lu}[\p{L}'’\-]*){0,2})(,?[ \t]+\d{1,4}[a-z]?)?"
)
# German/Nordic/Dutch compounds: "Hauptstraße 12", "Kongensgade 3", "Storgatan 5".
# Hyphenated ones too ("Anatol-Ladeck-Straße 449", "Klaudia-Drub-Weg 49/22"), and house numbers with a flat or a
# range ("49/22", "37-79"); an English word that ends the same way ("during 2023", "spring 2024") is no street.
EU_COMPOUND = compile_re2(
    r"(?i)((?:\p{L}+-)+\p{L}*|\p{L}+)(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|gade|vej|gatan|"
    r"vägen|gata|veien|gaten|straat|laan|gracht|utca|ulice|tie|katu|singel|hof|kade|dijk|markt|steeg|dreef|plein)"
    r"[ \t]+\d{1,4}[a-z]?(?:[/\-]\d{1,4})?"
)
# A UK postcode stands on its own shape ("SW1A 1AA", "hx8 7hx"): outward code of a real postal area, a space, then
# the inward code, whose letters never include C, I, K, M, O or V. A bare US ZIP is just five digits and needs a cue.
UK_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY G "
    "GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW "
    "OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD "
    "WF WN WR WS WV YO ZE".split()
)
UK_POSTCODE = compile_re2(
    r"(?i)\b([A-Z]{1,2})(?:\d[A-Z\d]?|\d{2})[ \t]\d[ABD-HJLNP-UW-Z]{2}\b"
)
POSTCODE_CITY = compile_re2(r"^[\s,]{1,4}(?:[A-Z]{1,2}-)?(\d{4,5}|\d{2}-\d{3}|\d{3}[ \t]\d{2})[ \t]+(\p{Lu}[\p{L}\-]+)")


def _alnum_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


def _english_word(word: str) -> bool:
    """"During", "Spring", "Offering": common English, not a street that ends like "-ring" or "-hof"."""
    return english_zipf(word.lower().rstrip(".")) >= 3.0


def _words_ok(words: str) -> bool:
    return not any(w.lower().strip(".,'’") in STOP_WORDS for w in words.split())


def _city_words(words: list[str]) -> bool:
    """"New Megan", "Port Kevin" are towns though "new" opens sentences; "Investment Corp." is a company."""
    lowered = [w.lower().strip(".,") for w in words]
    if len(lowered) > 1 and lowered[0] in PLACE_PREFIXES:
        lowered = lowered[1:]
    return all(w not in NOT_NAMES and w not in ORG_SUFFIXES for w in lowered)


def _extend_tail(text: str, end: int) -> int:
    """Extends an address over its unit, city, state and postcode (each optional, across commas and lines)."""
    window = text[end : end + 120]
    m = UNIT.search(window)
    if m:
        end += m.end()
        window = text[end : end + 120]
    m = CITY.search(window)
    if m and _city_words(m.group(1).split()):
        city_end = end + m.end()
        rest = text[city_end : city_end + 40]
        zipm = STATE_ZIP.search(rest)
        state = STATE_ONLY.search(rest)
        if zipm:
            return city_end + zipm.end()
        if state:
            return city_end + state.end(1)
        country = COUNTRY_ZIP.search(text[city_end : city_end + 60])
        if country and not _alnum_at(text, city_end + country.end()):
            return city_end + country.end()
        return city_end
    zipm = STATE_ZIP.search(window)
    if zipm:
        return end + zipm.end()
    return end


# The first street of an intersection, right before " and " ("Timothy and", "Zachary Orchard and").
CORNER_LEAD = compile_re2(r"(\p{Lu}[\p{L}'’\-]*(?:[ \t]+\p{Lu}[\p{L}'’\-]*){0,2})[ \t]+(?:and|&)[ \t]+$")


def find_addresses(text: str) -> Iterator[Span]:
    """LOCATION spans for street addresses; a city that follows an address is part of it."""
    for m in US_STREET.finditer(text):
        start, end = m.span()
        if _alnum_at(text, start - 1) or _alnum_at(text, end) or text[start - 1 : start] in ("$", "€", "£", "-", "."):
            continue
        if not _words_ok(m.group(2)):
            continue
        tail = _extend_tail(text, end)
        # "2 Copies via courier": no unit or postcode follows
        if m.group(3).lower() in _NEEDS_TAIL and not any(c.isdigit() for c in text[end:tail]):
            continue
        yield Span("LOCATION", start, tail, 0.9)
    for m in NAMED_STREET.finditer(text):
        if _alnum_at(text, m.start() - 1) or _alnum_at(text, m.end()) or not _words_ok(m.group(1)):
            continue
        if m.group(1).split()[0].lower() in NOT_NAMES:
            continue
        suffix = m.group(2)
        if len(suffix) <= 4 and suffix.lower() in ("st", "dr") and not m.group(3):
            continue
        # "Dr. Smith", "St. Louis": an abbreviation followed by a capitalised word is a title or a saint.
        nxt = text[m.end() : m.end() + 2].lstrip()
        if len(suffix) <= 4 and suffix.istitle() and nxt[:1].isupper():
            continue
        after_words = text[m.end() : m.end() + 24].split()
        if after_words and after_words[0].lower().strip(".,") in ORG_TAILS:  # "Vantage Point Advisors"
            continue
        cued = STREET_CUE.search(text[max(0, m.start() - 24) : m.start()]) is not None
        between = text[max(0, m.start() - 5) : m.start()] in (" and ", "& ") or text[m.start() - 2 : m.start()] == "& "
        end = _extend_tail(text, m.end())
        start = m.start()
        if between:  # an intersection: "Timothy and Luke Forks", "Chase Stravenue and Moon Way"
            lead = CORNER_LEAD.search(text[max(0, start - 40) : start])
            if lead:
                start = max(0, start - 40) + lead.start(1)
        if suffix.lower() in _STRONG or len(suffix) <= 4 or cued or between:
            yield Span("LOCATION", start, end, 0.88)
        elif end > m.end():  # "Hunt Coves\n Suite 385\n North Troy": a weaker street word needs an address after it
            yield Span("LOCATION", m.start(), end, 0.8)
    for m in CITY_STATE_ZIP.finditer(text):
        town_word = m.group(1).split()[-1].lower()
        if not (_alnum_at(text, m.start() - 1) or _alnum_at(text, m.end())) and town_word not in NOT_NAMES:
            yield Span("LOCATION", m.start(), m.end(), 0.9)
    for m in ZIP_FIELD.finditer(text):
        if not _alnum_at(text, m.end(1)):
            yield Span("LOCATION", m.start(1), m.end(1), 0.8)
    for m in PLACE_CUE.finditer(text):
        words = m.group(1).split()
        while words and words[-1].lower() in NOT_NAMES | STOP_WORDS:
            words.pop()
        if words and words[0].lower() not in NOT_NAMES:
            start = m.start(1)
            yield Span("LOCATION", start, start + len(" ".join(words)), 0.6)
    for m in PLACE_WORD.finditer(text):
        start, end = m.span()
        if _alnum_at(text, start - 1) or _alnum_at(text, end):
            continue
        words = m.group().split()
        if words[-1].lower() in NOT_PLACES or words[-1].lower() in NOT_NAMES:
            continue
        following = text[end : end + 16].split()
        if following and following[0].lower().strip(".,") in ORG_SUFFIXES:  # "West Holdings Corporation"
            continue
        if len(words) == 1 and _after_given_name(text, start):  # "Håkon Solheim", "Karl-Peter Hermighausen"
            continue
        yield Span("LOCATION", start, end, 0.6)
    for m in UK_POSTCODE.finditer(text):
        # "M2 5GB", "B2 2TB" read as storage sizes; one case throughout ("Hx8 7hx" is a truecased "hx8 7hx")
        code = m.group()
        if (m.group(1).upper() in UK_AREAS and code[-2:].upper() not in ("GB", "TB")
                and (code.isupper() or code.islower() or code.title() == code)):
            yield Span("LOCATION", m.start(), m.end(), 0.8)
    for m in LONE_UNIT.finditer(text):
        if not _alnum_at(text, m.start() - 1) and not _alnum_at(text, m.end()):
            yield Span("LOCATION", m.start(), m.end(), 0.8)
    for pattern in (MILITARY, PO_BOX, EU_COMPOUND):
        for m in pattern.finditer(text):
            if pattern is EU_COMPOUND and _english_word(m.group().split()[0]):
                continue
            if not _alnum_at(text, m.start() - 1) and not _alnum_at(text, m.end()):
                yield Span("LOCATION", m.start(), _extend_postcode(text, m.end()), 0.9)
    for m in EU_STREET.finditer(text):
        end, number_after = m.end(), m.group(3)
        if number_after and _alnum_at(text, end):  # ", 7500" of a postcode: the street ended before it
            end, number_after = m.end(2), None
        if _alnum_at(text, m.start() - 1) or _alnum_at(text, end) or not (m.group(1) or number_after):
            continue
        yield Span("LOCATION", m.start(), _extend_postcode(text, end), 0.85)


def _after_given_name(text: str, start: int) -> bool:
    """The word before `start`, on the same line, is a given name: a town-shaped word after it is a surname."""
    before = text[max(0, start - 32) : start]
    if not before.endswith((" ", "\t")):
        return False
    words = before.split("\n")[-1].split("\\n")[-1].split()
    word = words[-1] if words else ""
    parts = [p.lower() for p in word.split("-") if p]
    return word[:1].isupper() and bool(parts) and all(
        p in given_names() and p not in PLACE_PREFIXES and p not in NOT_NAMES for p in parts)


_NEEDS_TAIL = frozenset({"via"})  # a suffix that is also an English word: the address must go on after it


def _extend_postcode(text: str, end: int) -> int:
    m = POSTCODE_CITY.search(text[end : end + 60])
    return end + m.end() if m else _extend_tail(text, end)


TRAILING_POSTCODE = compile_re2(r"^,?[ \t]+\d{5}(?:-\d{4})?")


# The last line of an address block: a country or state, then the postcode ("\n Slovakia (Slovak Republic) 29657").
# The gap holds a line break (real or a literal backslash-n) and no digits, colons or currency.
NEXT_LINE_POSTCODE = compile_re2(r"^([^\d:$€£#@\n]{0,4}(?:\n|\\n)[^\d:$€£#@]{0,64}?[ \t,])(\d{5})(?:-\d{4})?")


def extend_postcodes(text: str, spans: list[Span]) -> list[Span]:
    """A place followed by a five-digit postcode ("South Tracey 37653") takes the postcode with it; so does an
    address block whose last line is a country and a postcode."""
    out: list[Span] = []
    for span in spans:
        if span.type != "LOCATION" or span.score < 0.85:  # street addresses, not NER places
            continue
        m = NEXT_LINE_POSTCODE.search(text[span.end : span.end + 80])
        if m:
            start, end = span.end + m.start(2), span.end + m.end()
            if not _alnum_at(text, end) and not (text[end : end + 1] in ".,/-" and _alnum_at(text, end + 1)):
                out.append(Span("LOCATION", start, end, span.score))
    for span in spans:
        if span.type == "LOCATION":
            m = TRAILING_POSTCODE.search(text[span.end : span.end + 16])
            end = span.end + m.end() if m else span.end
            # Not the start of a longer number ("Boston 12345.67", "Paris 20240-1").
            if m and not _alnum_at(text, end) and not (text[end : end + 1] in ".,/-" and _alnum_at(text, end + 1)):
                span = Span("LOCATION", span.start, end, span.score)
        out.append(span)
    return out
