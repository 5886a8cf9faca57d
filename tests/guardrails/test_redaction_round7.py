"""Round 7: names written with degrees, initials and honorifics are judged without them; a common given name
after an honorific or a rare one is still a name; a place beside a postcode or inside an introduced address is
typed a place. Developed on `evals/pii/probes_dev.jsonl` misses; the sentences here are new ones."""
from __future__ import annotations

import pytest

from redaction_findings import found as _found


@pytest.mark.parametrize(
    "text, name",
    [
        ("Teresa Lindqvist MBA. signed the form.", "Teresa Lindqvist MBA."),
        ("Notes: Henrike Vogelsang B.Eng. called twice.", "Henrike Vogelsang B.Eng."),
        ("Colin Marsh DDS, the landlord, was informed.", "Colin Marsh DDS"),
        ("We met Oskar J. Wendell at the depot.", "Oskar J. Wendell"),
        ("Torsten Kreuter B.A. wrote: the invoice is attached.", "Torsten Kreuter B.A."),  # NER calls it a firm
    ],
)
def test_a_degree_or_an_initial_does_not_make_a_name_an_acronym(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize("text", ["Sales rose at Dell EMC last year.", "The CO.LTD branch reopened."])
def test_acronyms_and_brands_are_still_no_names(redactor, text):
    assert [f for f in _found(redactor, text) if f[0] == "PERSON"] == []


def test_a_common_given_name_after_an_honorific_is_part_of_the_name(redactor):
    assert ("PERSON", "Mrs April Dunmore") in _found(redactor, "Did Mrs April Dunmore sign it?")


@pytest.mark.parametrize(
    "text, name",
    [("thanks to siobhan charles for the photos.", "siobhan charles"),
     ("the patient jurre martin was discharged.", "jurre martin")],
)
def test_a_common_surname_after_a_rare_given_name_in_lower_case_is_part_of_the_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize(
    "text, place",
    [
        ("Send it to Hauptstraße 4, 64283 Darmstadt please.", "Darmstadt"),
        ("Deliver to Calle Mayor 12, Albacete, 02001 by Friday.", "Albacete"),
        ("Address: Contrada Ferrabosco, 6\n43047, Grotta (PR)", "Contrada Ferrabosco"),
        ("She lives at Rambla Carmen Salom 59 Puerta 3, Cuenca.", "Cuenca"),
    ],
)
def test_a_place_beside_a_postcode_or_inside_an_introduced_address_is_typed_a_place(redactor, text, place):
    findings = _found(redactor, text)
    assert any(kind == "LOCATION" and place in value for kind, value in findings), findings
    assert not any(kind == "PERSON" and place in value for kind, value in findings), findings


@pytest.mark.parametrize(
    "text, name",
    [
        ("Billing address: Karin Oldfield\n  58 Hansen Parks Apt. 6\n  Sheilastad", "Karin Oldfield"),
        ("Address: Tomas Berglund, 12 Oak Street, Denver", "Tomas Berglund"),
        ("Claim CLM-12345 Maria Lopez called about it.", "Maria Lopez"),
    ],
)
def test_the_addressee_of_an_address_stays_a_person(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize(
    "text, street",
    [
        ("Send it to Lotte-Brenner-Straße 12, 10115 Berlin.", "Lotte-Brenner-Straße 12"),
        ("Address: Hanne-Voss-Weg 7/3, 20095 Hamburg", "Hanne-Voss-Weg 7/3"),
        ("She lives at Marijkesingel 41 in Utrecht.", "Marijkesingel 41"),
    ],
)
def test_hyphenated_and_dutch_streets_with_their_house_numbers_are_places(redactor, text, street):
    assert any(kind == "LOCATION" and street in value for kind, value in _found(redactor, text))


@pytest.mark.parametrize("text", ["We met during 2023 at the depot.", "The spring 2024 range is out.",
                                  "The offering 2025 brochure is attached."])
def test_english_words_that_end_like_a_street_are_no_street(redactor, text):
    assert _found(redactor, text) == []


@pytest.mark.parametrize(
    "text, name",
    [("The form was signed by Mila van Engeland.", "Mila van Engeland"),
     ("The form was signed by Tóthné Dr. Halász Zsófia.", "Tóthné Dr. Halász Zsófia")],
)
def test_a_surer_finding_of_part_of_a_name_does_not_cut_the_name(redactor, text, name):
    assert _found(redactor, text) == [("PERSON", name)]


@pytest.mark.parametrize(
    "text, name",
    [("Our client Patrick Barbier called.", "Patrick Barbier"),
     ("The applicant Joanna Kerr signed.", "Joanna Kerr"),
     ("Is this Vincent Bahl's account?", "Vincent Bahl")],
)
def test_a_person_noun_or_a_possessive_after_a_determiner_still_leaves_a_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize("text", ["Is this MacBook Air's battery?", "Our Galaxy Note is broken."])
def test_a_thing_after_a_determiner_is_still_no_name(redactor, text):
    assert [f for f in _found(redactor, text) if f[0] == "PERSON"] == []
