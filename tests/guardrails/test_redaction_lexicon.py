"""Names NER misreads, companies that read like people, and the cues around places and birth dates."""
from __future__ import annotations

import pytest

from guardrails.name_lexicon import person_misread_as_place, reads_as_full_name
from guardrails.recognizers import find_birth_dates
from guardrails.redaction_orgs import organisation_ranges
from redaction_findings import found as _found


def test_the_lexicon_knows_names_from_many_countries_but_not_common_words_or_town_shapes():
    assert person_misread_as_place("Daria") and person_misread_as_place("Eeva Lahtinen")
    assert not person_misread_as_place("Paris")  # a name too, but far more often the city
    assert not person_misread_as_place("New Megan") and not person_misread_as_place("Gordonborough")
    assert reads_as_full_name(["Ingemar", "Svärd"]) and not reads_as_full_name(["Will", "Power"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We would like to add Eeva Lahtinen as a second driver.", "Eeva Lahtinen"),
        ("Have you ever been to a Priscilla Spanevello concert?", "Priscilla Spanevello"),
        ("I never finished the Hanson novel you lent me.", "Hanson"),
        ("the courier handed it to łukasz at the door", "łukasz"),
    ],
)
def test_names_ner_misreads_are_people(redactor, text, value):
    assert ("PERSON", value) in _found(redactor, text)


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("I used to work for Programmableweb as a planner.", "Programmableweb"),
        ("The Hamilton, Diaz and Contreras Orchestra plays tonight.", "Hamilton"),
        ("She quit her Freeman, Ho and Hoffman job last spring.", "Hoffman"),
        ("Robinson Yu is a design agency in Leeds.", "Robinson Yu"),
        ("We bought the van from Weber and Sons.", "Weber"),
    ],
)
def test_companies_named_after_people_are_kept(redactor, text, company):
    assert not any(company in value for kind, value in _found(redactor, text) if kind == "PERSON")


def test_an_address_is_no_part_of_a_company_name(redactor):
    text = "JOHN SMITH, 12 OAK ST, DENVER CO 80202"  # truecased, "CO" reads like a company's "Co"
    assert ("PERSON", "JOHN SMITH") in _found(redactor, text)


def test_a_run_of_capitalised_words_ending_in_a_company_word_is_an_organisation():
    text = "Invesco 1-30 Laddered Treasury ETF was founded by three friends."
    assert [text[a:b] for a, b in organisation_ranges(text)] == ["Invesco 1-30 Laddered Treasury ETF"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ship it to the office in South Tracey 37653 by Friday.", "South Tracey 37653"),
        ("My zip code is 73176", "73176"),
        ("Leave the parcel at Suite 840, please.", "Suite 840"),
        ("The town of Williamsland flooded twice.", "Williamsland"),
    ],
)
def test_places_postcodes_and_units_are_locations(redactor, text, value):
    assert ("LOCATION", value) in _found(redactor, text)


@pytest.mark.parametrize(
    ("text", "birth"),
    [
        ("DOB: 03/04/1990", True),
        ("born in Porto, Portugal on 5 May 1980", True),
        ("1990-05-06 as date of birth", True),
        ("Mr Dobson called on 2024-01-02", False),  # "dob" inside a name is no cue
        ("stubborn since 2020-01-01", False),
        ("my birthday party on 2020-03-04", False),  # an event on the day, not the birth date
    ],
)
def test_only_a_birth_cue_close_to_a_date_makes_it_a_date_of_birth(text, birth):
    assert bool(list(find_birth_dates(text))) is birth


@pytest.mark.parametrize("job", ["Barrister", "Dietitian", "Lexicographer", "Hydrographic surveyor", "Therapist, art"])
@pytest.mark.parametrize("frame", ["My job is {}.", "{} wanted, apply now.", "Former {} looking for work"])
def test_job_titles_are_not_names(redactor, job, frame):
    text = frame.format(job)
    assert not [value for kind, value in _found(redactor, text) if kind == "PERSON"]


@pytest.mark.parametrize(
    "text", ["I was born long ago, but on 12/03/2019 I moved.", "Born to run, released 08 Mar 2019"]
)
def test_a_new_clause_between_a_birth_cue_and_a_date_breaks_the_link(text):
    assert not list(find_birth_dates(text))
