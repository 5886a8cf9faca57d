"""Round 10: a lone name heading a contact block (a signature, an address label) is a person
(`guardrails/redaction_name_shapes.py`, BLOCK_HEAD). Developed on the dev templates with their person slots swapped
for one another (a lone surname where a full name stood); the blocks here are new ones."""
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
