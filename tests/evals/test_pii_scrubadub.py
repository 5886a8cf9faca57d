"""The second held-out set: scrubadub's own fake documents, labelled by its known-filth list (never tuned on)."""
from __future__ import annotations

from collections import Counter

import pytest

from evals.pii.scorer import load_dataset, select_sets
from evals.pii.scrubadub_docs import HERE, SCRUBADUB_HELDOUT, label


def test_the_generator_is_vendored_with_its_licence():
    assert "Apache License" in (HERE / "third_party" / "scrubadub" / "LICENSE").read_text(encoding="utf-8")


def test_counts_types_and_offsets_are_as_documented():
    records = load_dataset(SCRUBADUB_HELDOUT)
    types = Counter(s["type"] for r in records for s in r["spans"])
    assert len(records) == 600 and Counter(r["locale"] for r in records) == {"en_US": 400, "en_GB": 200}
    assert sum(types.values()) == 2388 and set(types) == {
        "PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD"}
    assert sum(len(r["negatives"]) for r in records) == 383
    for r in records:
        for span in r["spans"] + r["negatives"] + r["ignore"]:
            assert 0 <= span["start"] < span["end"] <= len(r["text"])
            assert r["text"][span["start"] : span["end"]].strip() == r["text"][span["start"] : span["end"]]


def test_known_values_are_located_in_order_and_typed_by_the_contract():
    text = "Whose quality fine John Smith sell. Call 448-452-7911 now https://a.example/ and @jo 123-45-6789."
    known = [{"match": "John Smith", "filth_type": "name"}, {"match": "448-452-7911", "filth_type": "phone"},
             {"match": "https://a.example/", "filth_type": "url"}, {"match": "@jo", "filth_type": "twitter"},
             {"match": "123-45-6789", "filth_type": "social_security_number"}]
    us = label(text, known, "en_US", "t-1")
    assert [(s["type"], text[s["start"] : s["end"]]) for s in us["spans"]] == [
        ("PERSON", "John Smith"), ("PHONE_NUMBER", "448-452-7911"), ("US_SSN", "123-45-6789")]
    assert [n["kind"] for n in us["negatives"]] == ["URL"] and [i["kind"] for i in us["ignore"]] == ["TWITTER"]
    gb = label(text, known, "en_GB", "t-2")  # en_GB's "SSN" is a National Insurance number: not in the contract
    assert "US_SSN" not in {s["type"] for s in gb["spans"]} and len(gb["ignore"]) == 2


def test_a_value_missing_from_its_document_is_an_error():
    with pytest.raises(ValueError, match="not found"):
        label("nothing here", [{"match": "Jane Doe", "filth_type": "name"}], "en_US", "t-3")


def test_the_scorer_prints_it_with_the_held_out_split_only():
    assert "scrubadub-heldout" in select_sets(dev=False, heldout=True, probes=False)
    assert "scrubadub-heldout" not in select_sets(dev=True, heldout=False, probes=True, external=True)
