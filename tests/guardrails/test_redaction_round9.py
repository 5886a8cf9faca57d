"""Round 9: name shapes with no cue word (`guardrails/redaction_name_shapes.py`), names written in capitals, and the
titles and degrees of more countries. Developed on a new name-frame check (dev only, not shipped); the sentences
here are new ones."""
from __future__ import annotations

import pytest

from redaction_findings import finds_no_person, has_person
from redaction_findings import found as _found


@pytest.mark.parametrize(
    "text, name",
    [
        ("The Oyelaran family rented the flat until June.", "Oyelaran"),
        ("We sold the car to the Kowalczyk twins.", "Kowalczyk"),
        ("Is the Haverkamp household insured with you?", "Haverkamp"),
    ],
)
def test_a_surnames_family_is_a_name(redactor, text, name):
    assert has_person(redactor, text, name)


@pytest.mark.parametrize("text", ["The Royal family visited the museum.", "The Home household budget is tight.",
                                  "The Jordan family of products was recalled."])
def test_english_words_before_family_stay_clear(redactor, text):
    assert finds_no_person(redactor, text)


@pytest.mark.parametrize(
    "text, given, surname",
    [("Ticket owner: Helga.Martinsen", "Helga", "Martinsen"), ("cc Dorota.Schmidt for the invoice", "Dorota",
                                                                "Schmidt")],
)
def test_a_dotted_handle_of_given_name_and_surname_is_a_name(redactor, text, given, surname):
    assert has_person(redactor, text, given) and has_person(redactor, text, surname), _found(redactor, text)


def test_a_dotted_web_address_is_no_name(redactor):
    assert finds_no_person(redactor, "Details are on www.Example.Org today.")


@pytest.mark.parametrize(
    "text, name",
    [
        ("When Clive arrived the water was already in the hall.", "Clive"),
        ("Why did Carter reject the repair quote?", "Carter"),
    ],
)
def test_a_lone_given_name_as_a_subject_is_a_name(redactor, text, name):
    assert has_person(redactor, text, name)


@pytest.mark.parametrize("text", ["When Visa declined the card we paid cash.", "Is Monday still free for you?",
                                  "When Denver was flooded the office closed."])
def test_words_and_places_as_subjects_stay_clear(redactor, text):
    assert finds_no_person(redactor, text)


@pytest.mark.parametrize(
    "text, name",
    [("OKONKWO, ADAEZE - claimant", "OKONKWO, ADAEZE"), ("BERGSTRÖM, MALIN - driver", "BERGSTRÖM, MALIN")],
)
def test_a_directory_line_in_capitals_is_a_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


def test_capitals_still_veto_brands(redactor):
    assert finds_no_person(redactor, "Invoice from GASLOG PRTN CUM RED attached.")


@pytest.mark.parametrize(
    "text, name",
    [
        ("Message from Ludmila Horáková CSc. about the invoice", "Ludmila Horáková"),
        ("Signed: MUDr. Vratislav Kučera", "Vratislav Kučera"),
        ("Report by Ing. Petra Dvořáková, DSc.", "Petra Dvořáková"),
    ],
)
def test_central_european_titles_and_degrees_stay_with_the_name(redactor, text, name):
    assert has_person(redactor, text, name)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Driver of the other vehicle: Haugland, Ingvild", "Haugland, Ingvild"),
        ("Other party: Szczepański, Wojciech", "Szczepański, Wojciech"),
    ],
)
def test_a_fields_value_surname_first_is_a_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize("text, name", [("<Hans> can someone approve this?", "Hans"),
                                        ("<Ernest> can someone approve this?", "Ernest")])
def test_an_irc_style_speaker_is_a_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


def test_an_irc_speaker_must_be_on_the_name_lists(redactor):
    assert finds_no_person(redactor, "<Warning> disk almost full")


def test_the_second_of_two_greeted_names_is_a_name_too(redactor):
    found = _found(redactor, "Dear Norman and George,")
    assert ("PERSON", "George") in found, found


def test_a_given_name_and_the_surname_mills_is_a_person(redactor):
    assert ("PERSON", "Stephanie Mills") in _found(redactor, "Stephanie Mills has been a customer since 2015.")


@pytest.mark.parametrize("text", ["Sunrise Mills has been a customer since 2015.", "Invoice from Anna Mills Ltd"])
def test_mills_after_no_given_name_or_before_a_legal_form_stays_a_company(redactor, text):
    assert finds_no_person(redactor, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Ingrid Lund's insurance expired last month.", "Ingrid Lund"),
        ("Lisa Abreu's bank blocked the card.", "Lisa Abreu"),
    ],
)
def test_a_persons_lower_case_insurance_or_bank_is_no_company_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


def test_a_possessive_company_name_with_a_capital_stays_a_company(redactor):
    assert finds_no_person(redactor, "Moody's Corporation cut the rating.")


@pytest.mark.parametrize(
    "text, name",
    [
        ("We called Miguel but nobody answered.", "Miguel"),
        ("Ingrid from Acme Roofing phoned about the invoice.", "Ingrid"),
        ('"Kate, wait!" she shouted.', "Kate"),
        ("Bonbach is my maiden name.", "Bonbach"),
    ],
)
def test_a_given_name_as_object_caller_or_called_is_a_name(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


def test_a_file_reference_of_surname_and_given_name_is_a_name(redactor):
    found = _found(redactor, "Reference: Petersen/Timothée")
    assert ("PERSON", "Petersen") in found and ("PERSON", "Timothée") in found, found


@pytest.mark.parametrize("text", ["Swimming is my middle name.", "The Sales/Marketing budget was cut."])
def test_idioms_and_departments_stay_clear(redactor, text):
    assert finds_no_person(redactor, text)


@pytest.mark.parametrize("text, place", [("Amyland, WY 11033", "Amyland, WY 11033"),
                                         ("Ship to New Davidburgh, WV 68531-2210 by Friday", "New Davidburgh, WV 68531-2210")])
def test_a_us_city_state_and_zip_line_is_one_place(redactor, text, place):
    assert ("LOCATION", place) in _found(redactor, text)


def test_a_state_code_and_a_number_after_no_capitalised_word_are_no_place(redactor):
    assert not any(t == "LOCATION" for t, _ in _found(redactor, "Invoice 44, CA 12345 total"))


@pytest.mark.parametrize(
    "text, place",
    [("The accident happened on Myers Vista near the school.", "Myers Vista"), ("Building 808 on Jacob Trail", "Jacob Trail")],
)
def test_a_street_without_a_number_after_on_is_a_place(redactor, text, place):
    assert ("LOCATION", place) in _found(redactor, text)


@pytest.mark.parametrize(
    "text, place",
    [("The storm damaged houses in Jensenland and Vanessaside.", "Jensenland"),
     ("From Nicholaston to West Marioborough by train.", "Nicholaston")],
)
def test_the_other_of_two_places_named_together_is_a_place(redactor, text, place):
    assert ("LOCATION", place) in _found(redactor, text)


def test_a_cue_found_person_beside_a_place_stays_a_person(redactor):
    assert ("PERSON", "Maria Berg") in _found(redactor, "She lives in Oslo and Maria Berg visited.")


@pytest.mark.parametrize(
    "text, name",
    [
        ("I work for Emma Amundsen at a small firm.", "Emma Amundsen"),
        ("She works for Dr. Anna Berg as a receptionist.", "Anna Berg"),
        ("I work for Ия Антоновна Евсеева at a small firm.", "Ия Антоновна Евсеева"),
    ],
)
def test_an_employer_who_is_a_person_is_a_name(redactor, text, name):
    assert has_person(redactor, text, name)


@pytest.mark.parametrize("text", ["I work for Johnson Controls in Milwaukee.", "I work for Grace Church on Sundays."])
def test_an_employer_that_is_a_company_stays_clear(redactor, text):
    assert finds_no_person(redactor, text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Anders thinks the roof is fine.", "Anders"),
        ("Marguerite can't find the receipt.", "Marguerite"),
        ("Officer Lopez took my statement.", "Lopez"),
        ("Nurse Ella changed the bandage.", "Ella"),
    ],
)
def test_a_given_name_opening_a_sentence_or_after_a_role_title_is_a_name(redactor, text, name):
    assert has_person(redactor, text, name)


def test_a_role_title_before_an_english_word_is_no_name(redactor):
    assert finds_no_person(redactor, "Officer Training starts on Monday.")


def test_a_list_of_bare_given_names_is_names(redactor):
    found = _found(redactor, "Cas, Isabella and Christopher are coming.")
    assert all(("PERSON", n) in found for n in ("Cas", "Isabella", "Christopher")), found


def test_a_list_of_weekdays_or_colours_is_no_names(redactor):
    for text in ("Monday, Tuesday and Friday are fine.", "Red, Green and Blue cables were cut."):
        assert finds_no_person(redactor, text), text


def test_a_firm_named_after_three_surnames_is_no_list_of_people(redactor):
    found = _found(redactor, "Miller PLC and Carey, Lopez and Nelson share the same office.")
    assert not any(t == "PERSON" for t, _ in found), found


def test_a_slashed_pair_capitalised_only_by_truecasing_is_no_name(redactor):
    text = "i used to work for dynagas lng par/ut ltd partn int s as a research scientist"
    assert finds_no_person(redactor, text)
