"""Round 4: company names of many shapes stay, birth-date labels far from their value and birth-date columns are
found (time stamps and incident dates stay), names that only a layout points at (table cells, chat speakers,
@mentions) are found. Developed on `evals/pii/probes_dev.jsonl` (frames from `evals/pii/probe_frames.py`)."""
from __future__ import annotations

import pytest

from evals.pii.probes import PROBES, ROUND4_FROM
from evals.pii.scorer import load_dataset, score, select_sets
from redaction_findings import found as _found


@pytest.mark.parametrize(
    "text",
    [
        "Dobson LLC said the repair was done.",  # a company word is a whole word: not "... LLC sa"
        "Jepsen A/S confirmed the repair.",
        "Quote from Gutierrez y asociados S.Coop.: $3,683.82",
        "Paid to Bank of Lindmark on 24 September 2023.",
        "Stichting van Northeim confirmed the repair.",
        "Vendors: Nordic Timber AB, Blue Harbor Marine, Vantage Point Advisors",
        "Is Mindteck (India) Ltd still on the approved list?",
        "Real Estate Investors PLC. confirmed the repair.",
        "TAKAHASHI CURTAIN WALL CORPORATION confirmed the repair.",
        "Is Farmlogs still on the approved list?",
    ],
)
def test_company_names_of_many_shapes_stay(redactor, text):
    assert _found(redactor, text) == []


@pytest.mark.parametrize("text", ["kennedyton bridge is falling down.", "Kennedyton bridge is falling down."])
def test_a_glued_word_with_a_town_ending_is_still_a_town_not_a_brand(redactor, text):
    assert ("LOCATION", text.split()[0]) in _found(redactor, text)


def test_a_person_and_a_company_joined_by_and_are_two(redactor):
    text = "Guy Maillard and Vantage Point Advisors signed the lease on 27 October 2019."
    assert _found(redactor, text) == [("PERSON", "Guy Maillard")]
    assert _found(redactor, "The Hamilton, Diaz and Contreras Orchestra played.") == []


@pytest.mark.parametrize(
    ("text", "dob"),
    [
        ("The insured's birth date, as shown on the passport, is Jan 04, 1931.", "Jan 04, 1931"),
        ("Date of birth of the claimant .......... 20/02/2009", "20/02/2009"),
        ("What is your date of birth?\n16 April 2006", "16 April 2006"),
        ("> can you confirm your DOB?\nsure, JULY 14, 1936", "JULY 14, 1936"),
        ("surname;given name;date of birth;phone\nKroll;Gabriella;October 08, 1959;+34 941 852 711",
         "October 08, 1959"),
        ("name,dob,incident\nKroll,1959-10-08,2020-01-02", "1959-10-08"),
    ],
)
def test_birth_date_labels_far_from_the_value_and_birth_date_columns(redactor, text, dob):
    assert ("DATE_OF_BIRTH", dob) in _found(redactor, text)


@pytest.mark.parametrize(
    ("text", "birth_dates"),
    [
        ("DOB: 1975-06-01 05:15:20.635929", []),  # a time of day makes it a time stamp
        ("Birthday party on 07 March 2015 cancelled because of the storm.", []),
        ("Date of birth unknown, but the accident was on 2020-06-13.", []),
        ("What is your DOB? The accident was on 2020-06-13.", []),
        ("name,dob,incident\nKroll,1959-10-08,2020-01-02", ["1959-10-08"]),  # the incident column stays
        ("I was born in Oslo, but the accident was on March 04, 2024.", []),
    ],
)
def test_dates_without_a_birth_cue_of_their_own_stay(redactor, text, birth_dates):
    found = _found(redactor, text)
    assert [v for t, v in found if t == "DATE_OF_BIRTH"] == birth_dates
    assert not [v for _, v in found if v.startswith(("2020", "2015", "07 March", "March 04"))]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("surname;given name;date of birth;phone\nKirály;Maria Liz;12/08/2009;03 24 49 36 75", "Maria Liz"),
        ("Enzo da Paz,0289018352,Morgan & Finch LLP", "Enzo da Paz"),
        ("JASMINE COOPER,+49(0) 139352658,SUMMIT RIDGE CAPITAL", "JASMINE COOPER"),
        ("[10:42] Julia: ok, sending the photos now", "Julia"),
        ("@Pedro Miguel can you check this?", "Pedro Miguel"),
        ("Regarding your call, Heather: the claim is approved.", "Heather"),
        ("Photos by Vedhika Kapadia.", "Vedhika Kapadia"),
        ("Blom, Audrey - Biomedical scientist", "Blom, Audrey"),  # round 8: the surname too
        ("Did you hear from Sandra?", "Sandra"),  # NER reads a place after "from"
        ("We are waiting for Dominic Pop to sign.", "Dominic Pop"),
    ],
)
def test_names_a_layout_points_at(redactor, text, name):
    assert ("PERSON", name) in _found(redactor, text)


@pytest.mark.parametrize(
    "text", ["Deadline: March 28, 2015", "Notes: the roof leaks.", "Sales;Marketing;Support", "apples, pears, plums",
             "Send it to claims@example.com please"],
)
def test_layout_rules_leave_labels_and_lists_alone(redactor, text):
    assert [v for t, v in _found(redactor, text) if t == "PERSON"] == []


def test_names_in_another_script_in_a_lower_case_english_line(redactor):
    text = "maybe it's under баранова ульяна вениаминовна"
    assert ("PERSON", "баранова ульяна вениаминовна") in _found(redactor, text)
    assert _found(redactor, "я живу в москве и работаю в банке") == []  # a Russian text is not a list of names


def test_a_place_after_a_person_cue_stays_a_place(redactor):
    assert ("LOCATION", "Paris") in _found(redactor, "I heard from Paris that the office closed.")


def test_a_job_after_a_spaced_dash_is_no_part_of_the_name(redactor):
    assert not [v for _, v in _found(redactor, "Blom, Audrey - Biomedical scientist") if "Biomedical" in v]


def test_round_four_probe_scores_hold(redactor):
    """Floors a little under today's figures on the round-4 frames only."""
    records = [r for r in load_dataset(PROBES) if r["frame"] >= ROUND4_FROM]
    result = score(lambda t: [(e.type, e.start, e.end) for e in redactor.analyze(t)], records, "warden")
    assert result.leaks == 0
    assert result.recall_of("DATE_OF_BIRTH") >= 0.98
    assert result.recall_of("PERSON") >= 0.92
    assert result.kept_by_kind["DATE"] == result.negatives_by_kind["DATE"]
    assert result.kept_by_kind["ORGANIZATION"] >= 0.87 * result.negatives_by_kind["ORGANIZATION"]


def test_the_scorer_can_leave_the_held_out_split_out():
    assert "independent-heldout" not in select_sets(dev=True, heldout=False, probes=True)
    assert select_sets(dev=True, heldout=False, probes=True) == ["own", "independent-dev", "probes"]
    assert "independent-heldout" in select_sets(dev=False, heldout=True, probes=False)
