"""Round 10: a lone name heading a contact block (a signature, an address label) is a person
(`guardrails/redaction_name_shapes.py`, BLOCK_HEAD); a sentence typed in lower case inside a cased line is truecased
(`redaction_truecase.py`); a name on the line after a postcode is no town (`redaction_place_context.py`). Developed on
two dev checks, the dev templates with their person slots swapped for one another and two or three dev sentences
joined into one text; the texts here are new ones."""
from __future__ import annotations

import pytest

from redaction_findings import finds_no_person, has_person
from redaction_findings import found as _found


@pytest.mark.parametrize(
    "text, name",
    [
        ("Malgorzata\nClaims handler\nNorthwind Mutual\n+44 20 7946 0321", "Malgorzata"),  # NER: a company
        ("Ingeborg\n\n14 Harbour View\nFlat 3\nBergen 5003", "Ingeborg"),
        ("Wiśniewska\n\n88 Quarry Lane\nUnit 4\nLeeds LS1 4AP", "Wiśniewska"),
        ("Hautamäki\nLoss adjuster\nAurora Claims Oy\nTampere", "Hautamäki"),
        ("Regards from the team\n\nSiobhan\nBroker services\nCoverwise Ltd\n0161 496 0000", "Siobhan"),
    ],
)
def test_a_lone_name_heading_a_contact_block_is_a_person(redactor, text, name):
    assert has_person(redactor, text, name), _found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Hertz\n225 Brae Boulevard\nPark Ridge, NJ 07656",  # brands the lists hold as surnames
        "Bosch\nRobert-Bosch-Platz 1\n70839 Gerlingen",
        "Sony\n1 Sony Drive\nPark Ridge, NJ 07656",
        "Shipping\nOrder 12345\nCarrier: DHL",  # a heading the surname lists happen to hold
        "Memo\nTo: all staff\nRe: 2024 budget",
        "Invoice\nItems: 123\nTotal: 300 EUR",
        "SUMMARY\nClaim CLM-1234 was paid.\nAmount 300 EUR",
    ],
)
def test_a_brand_or_a_heading_on_top_of_a_block_is_no_person(redactor, text):
    assert finds_no_person(redactor, text), _found(redactor, text)


def test_a_name_heading_one_line_alone_is_left_to_the_other_rules(redactor):
    """One line below is no block: "Ingeborg\\nthanks" stays a matter for NER and the cue rules."""
    assert finds_no_person(redactor, "Invoice\nthanks")


@pytest.mark.parametrize(
    "text, name",
    [
        ("Card 4111 1111 1111 1111 was stolen. my name is tomasz wieczorek, please block it.", "Wieczorek"),
        ("Thanks for the call! please ask halldóra to send the photos.", "Halldóra"),
    ],
)
def test_a_sentence_typed_in_lower_case_inside_a_cased_line_is_read_for_names(redactor, text, name):
    assert any(t == "PERSON" and name.lower() in v.lower() for t, v in _found(redactor, text)), _found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "La empresa Salud Integral Ltd. solicita presupuesto para capacitación.",  # "Ltd." ends no sentence
        "Please see Dr. smith's notes. we will call back tomorrow.",
    ],
)
def test_a_full_stop_after_an_abbreviation_starts_no_lower_case_sentence(redactor, text):
    assert not any(t == "PERSON" and v.islower() for t, v in _found(redactor, text)), _found(redactor, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("It is at 803 Boyle Valley\nAliciaborough, NC 05511\nMarisol Etxeberria will be talking at noon",
         "Marisol Etxeberria"),
        ("Flat 2, 14 Orchard Row\nLeeds 53163\nGunnar Holmqvist\nSurveyor\nNordlys Claims AS", "Gunnar Holmqvist"),
    ],
)
def test_a_name_on_the_line_after_a_postcode_stays_a_person(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text), _found(redactor, text)


def test_a_town_alone_on_the_line_after_a_postcode_is_still_a_place(redactor):
    found = _found(redactor, "Maya Karlsen\nThijsweg 4\n2435TY\nHengelo (Gld)")
    assert ("PERSON", "Hengelo") not in found, found


@pytest.mark.parametrize("text", ["Thanks. . my name is anna kowalska", ". . .", "Ok.  . ! ? fine"])
def test_a_full_stop_with_no_word_before_it_is_read_without_error(redactor, text):
    """A stray full stop cut a sentence with no word before it and the redactor raised IndexError (a hostile
    document could make every tool call carrying it fail)."""
    assert isinstance(_found(redactor, text), list)
