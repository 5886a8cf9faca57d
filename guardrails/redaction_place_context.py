"""Places told by where they stand: a word NER or the name rules called a person is a place when a postcode sits
beside it ("53163 Kamenz", "Badajoz, 08506", "7562 RK\\nSomeren"), when it lies inside an address someone
introduced ("Address: Rambla Carmen Salom 59", "lives at Stretto Michele, 30"), or at either end of a route
("from Nyköping to Segovia"); and the other of two places named together ("in Jensenland and Vanessaside").

The first rules only retype a span that is already masked: they change what a reader of the redacted text is told
(`<LOCATION>` instead of `<PERSON>`), never what is hidden; the pair rule may also mask a place nothing found. Foreign street names ("Contrada Ferrabosco",
"Ivanka-Bender-Allee") and towns ("Kötzting") are exactly what an English NER reads as people.
"""
from __future__ import annotations

from typing import Sequence

from guardrails.name_lexicon import listed_given_name
from guardrails.recognizers import Span, compile_re2

# A postcode just before the span on its line, or ending the line before: DE/FR/IT/ES five digits, NL "4295 SU".
_POSTCODE_BEFORE = compile_re2(
    r"(?:^|[\s,(])(?:\d{5}|\d{4}|\d{4}[ \t]?\p{Lu}{2})[ \t]*,?[ \t]*(?:\n|\\n)?[ \t]*$"
)
# A postcode right after it: "Badajoz, 08506", "Boston 02115".
_POSTCODE_AFTER = compile_re2(r"^,?[ \t]+\d{5}(?:-\d{4})?(?:$|[^\d\-./,]|[.,](?:\s|$))")
_LOWER_WORD = compile_re2(r"(?:^|[\s(])\p{Ll}{2,}")
# Someone says an address follows.
_ADDRESS_CUE = compile_re2(
    r"(?i:\b(?:home |postal |mailing |street |billing |shipping |delivery )?address\s*:|\baddr\.?\s*:"
    r"|\b(?:lives?|living|resides?|residing|located|situated)[ \t]+at\b|\b(?:ship|shipping|deliver|delivery)[ \t]+to\s*:"
    r"|\b(?:property|premises|house|flat|apartment)[ \t]+at\b)"
)
# Where an introduced address ends: a blank line, a new field ("\nTel:"), a clause about someone, or a sentence end
# after a word longer than an abbreviation ("Apt. 82" and "Str. 5" go on).
_ADDRESS_END = compile_re2(
    r"\n[ \t]*\n|(?:\n|\\n)[ \t]*\p{L}[\p{L} .]{0,24}:|(?i:\b(?:with|and|but|who|c/o|attn)\b)|(\p{L}{4,}[.!?])(?:\s|$)"
)
_WINDOW = 160
# A route: "from Nyköping to Segovia", "moved from Soest to León". The span is one end of it.
_ROUTE_FROM = compile_re2(r"(?i:\bfrom)[ \t]+$")
_ROUTE_TO_AFTER = compile_re2(r"^[ \t]+(?i:to)[ \t]+\p{Lu}")
_ROUTE_TO = compile_re2(r"(?i:\bfrom)[ \t]+\p{Lu}[\p{L}'’\-]*(?:[ \t]+\p{Lu}[\p{L}'’\-]*)?[ \t]+(?i:to)[ \t]+$")
# A house number closing the street's name: "Stretto Chiara, 28\n", "Rambla Carmen Salom 59 Puerta 3". A number
# followed by more words is the start of the next line of an address ("John Smith, 12 Oak St"): the name before it
# is the addressee's.
_HOUSE_NUMBER_AFTER = compile_re2(
    r"^(?:[ \t]+\p{Lu}[\p{L}'’\-]*){0,2},?[ \t]+\d{1,5}(?:[/\-]\d{1,4})?\p{L}?(?:[ \t]*(?:,|\n|\\n|$)"
    r"|[ \t]+(?i:apt|apartment|piso|puerta|suite|unit|appartamento|interno|scala|bus|bis)\b)"
)


_PLACE = r"(\p{Lu}[\p{L}'’\-]+(?:[ \t]+\p{Lu}[\p{L}'’\-]+){0,2})"
# Two places named together: "houses in Jensenland and Vanessaside", "from Nicholaston to West Marioborough".
_PLACE_PAIR = compile_re2(
    r"(?i:\b(?:in|near|between|around|across|visited|visiting)[ \t]+)" + _PLACE + r"[ \t]+(?:and|&|or)[ \t]+" + _PLACE
    + r"|(?i:\bfrom[ \t]+)" + _PLACE + r"[ \t]+(?i:to)[ \t]+" + _PLACE
)


def paired_places(text: str, spans: Sequence[Span]) -> list[Span]:
    """The other of two places named together is a place too, when the first is one and a name rule's weak guess
    (or nothing) stands on the second. Cue-found names (score 0.86 and up) stay people."""
    places = [(s.start, s.end) for s in spans if s.type == "LOCATION"]
    out = list(spans)
    for m in _PLACE_PAIR.finditer(text):
        ends = [m.span(1), m.span(2)] if m.start(1) >= 0 else [m.span(3), m.span(4)]
        for mine, other in (ends, ends[::-1]):
            if not any(a <= mine[0] and mine[1] <= b for a, b in places):
                continue
            touching = [s for s in out if s.start < other[1] and other[0] < s.end]
            if all(s.type == "PERSON" and s.score < 0.86 for s in touching):
                out = [s for s in out if s not in touching] + [Span("LOCATION", other[0], other[1], 0.7)]
    return out


def places_by_context(text: str, spans: Sequence[Span]) -> list[Span]:
    """Each PERSON span beside a postcode, or inside an introduced address, retyped LOCATION."""
    spans = paired_places(text, spans)
    regions = list(_address_regions(text))
    out: list[Span] = []
    for span in spans:
        if span.type == "PERSON" and "\n" not in text[span.start : span.end] and (
            _beside_postcode(text, span) or _on_a_route(text, span) or any(a <= span.start and span.end <= b and _street_or_town(text, a, span)
                                                for a, b in regions)
        ):
            span = Span("LOCATION", span.start, span.end, span.score)
        out.append(span)
    return out


def _on_a_route(text: str, span: Span) -> bool:
    """One or two words between "from" and "to", or after "from X to": the ends of a journey are places."""
    if len(text[span.start : span.end].split()) > 2:
        return False
    before = text[max(0, span.start - 48) : span.start]
    return bool(_ROUTE_FROM.search(before) and _ROUTE_TO_AFTER.search(text[span.end : span.end + 8])
                or _ROUTE_TO.search(before))


def _street_or_town(text: str, region_start: int, span: Span) -> bool:
    """Inside an introduced address, a street (a house number closes it) or what follows the first number; the
    words before any number may be the addressee ("Billing address: Karla Hanratty-White\\n 658 Hansen Parks")."""
    return any(c.isdigit() for c in text[region_start : span.start]) or bool(
        _HOUSE_NUMBER_AFTER.search(text[span.end : span.end + 32]))


def _beside_postcode(text: str, span: Span) -> bool:
    before = _POSTCODE_BEFORE.search(text[max(0, span.start - 16) : span.start])
    if before is not None:
        return "\n" not in before.group() or _town_line(text, span)
    return bool(_POSTCODE_AFTER.search(text[span.end : span.end + 16]))


def _town_line(text: str, span: Span) -> bool:
    """After a postcode that ended the line before, a town stands alone on its line ("7562 RK\\nSomeren"). A name
    that goes on with words ("NC 05511\\nMaximiliano Carranza will be talking") or that opens with a given name
    ("Israel 95946\\nGeronimo Gigli\\nArchitect": the next block's addressee) is a person."""
    line_end = text.find("\n", span.end)
    if _LOWER_WORD.search(text[span.end : None if line_end < 0 else line_end]):  # "Hengelo (Gld)" is a town's line
        return False
    words = text[span.start : span.end].split()
    return len(words) < 2 or not listed_given_name(words[0])


def _address_regions(text: str) -> list[tuple[int, int]]:
    regions = []
    for cue in _ADDRESS_CUE.finditer(text):
        start = cue.end()
        window = text[start : start + _WINDOW]
        end = _ADDRESS_END.search(window)
        # A sentence ends after its last word ("..., Cuenca."); the other ends start where they match.
        stop = len(window) if end is None else end.end(1) if end.start(1) >= 0 else end.start()
        regions.append((start, start + stop))
    return regions
