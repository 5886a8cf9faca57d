"""The external dev set: other projects' labelled PII text, vendored with its licences, regenerable byte for byte."""
from __future__ import annotations

import json
from collections import Counter

from evals.pii.external_dev import EXTERNAL, VENDORED, generate
from evals.pii.scorer import load_dataset, select_sets


def test_sources_are_vendored_with_their_licences():
    assert "MIT License" in (VENDORED / "deidgate" / "LICENSE").read_text(encoding="utf-8")
    for name in ("anonlm_pii", "pii_anon"):
        assert "Apache License" in (VENDORED / name / "LICENSE").read_text(encoding="utf-8")


def test_the_shipped_file_regenerates_identically():
    lines = [json.dumps(r, ensure_ascii=False) for r in generate()]
    assert lines == EXTERNAL.read_text(encoding="utf-8").splitlines()


def test_counts_types_and_offsets_are_as_documented():
    records = load_dataset(EXTERNAL)
    sources = Counter(r["source"].split(":")[0] for r in records)
    types = Counter(s["type"] for r in records for s in r["spans"])
    negatives = Counter(n["kind"] for r in records for n in r["negatives"])
    assert sources == {"deidgate-0.1.0": 15, "anonlm-pii-0.1.6": 116, "pii-anon-1.3.0": 600}
    assert sum(types.values()) == 2420 and len(types) == 7
    assert types["PERSON"] == 704 and types["DATE_OF_BIRTH"] == 224
    assert negatives["ORGANIZATION"] == 160 and sum(negatives.values()) == 554
    for r in records:
        for span in r["spans"] + r["negatives"] + r["ignore"]:
            assert 0 <= span["start"] < span["end"] <= len(r["text"])
    # A labelled value is the text the source listed: deidgate's first note names its patient.
    first = records[0]
    assert [first["text"][s["start"] : s["end"]] for s in first["spans"] if s["type"] == "PERSON"] == [
        "Marisol Ferndale-Ostrowski"]


def test_scorer_adds_the_external_set_only_when_asked():
    assert "external" not in select_sets(dev=True, heldout=False, probes=True)
    assert select_sets(dev=False, heldout=False, probes=False, external=True) == ["own", "external"]
