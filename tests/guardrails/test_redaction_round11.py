"""Round 11: PII dropped anywhere in prose, as scrubadub's fake documents place it (`evals/pii/scrubadub_docs.py`).
Developed on scrubadub documents of other seeds than the shipped held-out file; the texts here are new ones.

- Prose in another language is also told by its lower-case words English does not know (Latin filler), and there
  one name-list word alone is no name (`redaction_language.py`);
- a UK postcode stands on its own shape (`redaction_addresses.UK_POSTCODE`);
- an honorific before everyday words names nobody ("Mrs. Author", `redaction_name_guards.reads_as_person`)."""
from __future__ import annotations

import pytest

from guardrails.redaction_language import other_language
from redaction_findings import finds_no_person, found, has_person

LATIN = ("Voluptates beatae ipsa sint veniam cumque voluptates. Nemo odio labore similique. Porro quidem magni "
         "dolorem aperiam. Maxime pariatur veritatis iusto.")


def test_latin_filler_is_another_language_and_its_words_are_no_names(redactor):
    assert other_language(LATIN)
    assert finds_no_person(redactor, LATIN), found(redactor, LATIN)


def test_a_full_name_in_latin_filler_is_still_a_person(redactor):
    text = "Temporibus dolorum aperiam Lee James vero necessitatibus delectus. Porro quidem magni dolorem."
    assert has_person(redactor, text, "Lee James"), found(redactor, text)


def test_an_email_or_a_wallet_id_does_not_make_english_another_language(redactor):
    text = ("Transfer from Mwanaisha Wafula (mwanaisha.wafula8@example.org). Wallet: "
            "3nv40rrptvgow741krcj2soyk3ddmvsj2886x4w3d. Reference: 62328.")
    assert not other_language(text)
    assert has_person(redactor, text, "Mwanaisha Wafula"), found(redactor, text)


@pytest.mark.parametrize("text", ["Nota de sesión: el paciente refiere mejoría.", "Resumen de la llamada con el cliente."])
def test_a_spanish_heading_is_no_person(redactor, text):
    assert finds_no_person(redactor, text), found(redactor, text)


@pytest.mark.parametrize(
    "text, postcode",
    [
        ("Voluptas dicta LN5 4TS aperiam vitae nemo.", "LN5 4TS"),
        ("Please post it, the code is PA2A 1JS and the flat is upstairs.", "PA2A 1JS"),
        ("studio 2\nsummers trail\nnew marian\nhx8 7hx", "hx8 7hx"),
        ("Send the forms to SW1A 1AA before Friday.", "SW1A 1AA"),
    ],
)
def test_a_uk_postcode_alone_is_a_location(redactor, text, postcode):
    assert ("LOCATION", postcode) in found(redactor, text) or any(
        t == "LOCATION" and postcode in v for t, v in found(redactor, text)), found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade the plan to M2 5GB of storage.",  # a storage size in a real postal area's shape
        "Claim QQ1 2AB was paid.",  # no such postal area
        "The Cv 2AB field is empty.",  # mixed case
        "Ticket CLM-2024-0042 for 300 EUR.",
    ],
)
def test_postcode_shaped_codes_are_kept(redactor, text):
    assert not any(t == "LOCATION" for t, _ in found(redactor, text)), found(redactor, text)


def test_a_cued_street_keeps_its_lower_case_suffix(redactor):
    text = "She lives on Baker street with her sister."
    assert any(t == "LOCATION" and "Baker street" in v for t, v in found(redactor, text)), found(redactor, text)


@pytest.mark.parametrize("text", ["Movement south direction stage Mrs. Author price billion.",
                                  "Writer our beat ready Mr. Join Congress kid describe ago."])
def test_an_honorific_before_everyday_words_names_nobody(redactor, text):
    assert finds_no_person(redactor, text), found(redactor, text)


@pytest.mark.parametrize("text, name", [("Please call Mrs. Brown about the claim.", "Brown"),
                                        ("The adjuster, Dr. Anna Berg, signed it.", "Anna Berg")])
def test_an_honorific_before_a_name_list_word_is_still_a_person(redactor, text, name):
    assert has_person(redactor, text, name), found(redactor, text)


@pytest.mark.parametrize("text, name", [("Voluptatem quia dolore magnam Tom Baker aut adipisci aliquam.", "Tom Baker")])
def test_a_given_name_and_a_surname_in_running_prose_are_a_person(redactor, text, name):
    assert has_person(redactor, text, name), found(redactor, text)


@pytest.mark.parametrize("text", ["We walked to Grant Park yesterday.", "Then pay Bill Payment online."])
def test_a_given_name_before_a_word_that_is_no_surname_is_no_pair(redactor, text):
    assert not any(t == "PERSON" and " " in v for t, v in found(redactor, text)), found(redactor, text)


def test_a_name_ner_took_for_a_place_with_a_word_beside_it_is_a_person(redactor):
    text = "Medical model Laura Bradley list because surface."
    assert has_person(redactor, text, "Laura Bradley"), found(redactor, text)
    assert not any(t == "LOCATION" for t, _ in found(redactor, text)), found(redactor, text)
