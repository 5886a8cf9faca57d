"""The labelled PII set is reproducible, and on it our redactor beats stock Presidio on recall and non-PII kept."""
from __future__ import annotations

import json

from evals.pii.generate import DATASET, generate
from evals.pii.scorer import format_table, load_dataset, ours_finder, score, stock_finder


def test_dataset_is_large_labelled_and_regenerates_identically():
    records = load_dataset()
    assert len(records) >= 500
    assert [json.dumps(r, ensure_ascii=False) for r in generate()] == DATASET.read_text(encoding="utf-8").splitlines()
    for r in records:
        for span in r["spans"] + r["negatives"]:
            assert 0 <= span["start"] < span["end"] <= len(r["text"])
    kinds = {n["kind"] for r in records for n in r["negatives"]}
    assert {"CLAIM_ID", "AMOUNT", "INCIDENT_DATE", "PRODUCT", "CURRENCY"} <= kinds


def test_metric_definitions_on_a_tiny_set():
    records = [
        {
            "text": "Jo Bloggs paid $5 for CLM-1.",
            "spans": [{"type": "PERSON", "start": 0, "end": 9}],
            "negatives": [{"kind": "AMOUNT", "start": 15, "end": 17}, {"kind": "CLAIM_ID", "start": 22, "end": 27}],
        }
    ]
    perfect = score(lambda t: [("PERSON", 0, 9)], records, "perfect")
    assert (perfect.recall, perfect.precision, perfect.non_pii_kept) == (1.0, 1.0, 1.0)
    sloppy = score(lambda t: [("DATE_TIME", 0, 2), ("PERSON", 15, 17)], records, "sloppy")
    assert sloppy.recall == 0.0 and sloppy.masked_recall == 0.0  # 2 of 9 chars covered is not "found"
    assert sloppy.precision == 0.0 and sloppy.non_pii_kept == 0.5


def test_ours_beats_stock_presidio_on_recall_and_non_pii_kept():
    records = load_dataset()
    ours = score(ours_finder(), records, "warden")
    stock = score(stock_finder(), records, "presidio-stock")
    table = format_table([ours, stock])
    assert ours.recall >= stock.recall, table
    assert ours.masked_recall >= stock.masked_recall, table
    assert ours.non_pii_kept >= stock.non_pii_kept, table
    assert ours.precision >= stock.precision, table
    assert ours.recall_of("PERSON") >= stock.recall_of("PERSON"), table
