"""The NER trainer's labels: gold names and places cut at line breaks, organisation and date negatives as ORG and
DATE, the stock model's other entities kept (rehearsal), its unconfirmed names and places taken out."""
from __future__ import annotations

import pytest

from evals.pii.ner_finetune import gold_entities, make_example
from guardrails.nlp import load_ner_pipeline


def test_gold_spans_are_cut_at_line_breaks_and_typed_for_ner() -> None:
    text = "Send it to 12 Oak Street\n Springfield please, Maria Lopez of Acme Corp."
    def at(value: str) -> dict:
        return {"start": text.index(value), "end": text.index(value) + len(value)}

    record = {"text": text, "spans": [{"type": "LOCATION", **at("12 Oak Street\n Springfield")},
                                      {"type": "PERSON", **at("Maria Lopez")}],
              "negatives": [{"kind": "ORGANIZATION", **at("Acme Corp.")}, {"kind": "AGE", "start": 0, "end": 4}]}
    ents, protected = gold_entities(record)
    assert [(text[a:b], label) for a, b, label in ents] == [
        ("12 Oak Street", "FAC"), ("Springfield", "GPE"), ("Maria Lopez", "PERSON"), ("Acme Corp.", "ORG")]
    assert (0, 4) in protected  # an age is no entity, and no base guess may claim it


@pytest.fixture(scope="module")
def stock():
    return load_ner_pipeline(stock=True)


def test_unconfirmed_names_are_removed_and_other_entities_rehearsed(stock) -> None:
    text = "Yesterday Google said that Barack Obama visited Paris."
    base = [(e.text, e.label_) for e in stock(text).ents]
    assert ("Barack Obama", "PERSON") in base and ("Google", "ORG") in base
    # a set that labels every person: Obama is labelled, so he stays; nothing else is a person or a place
    record = {"text": text, "spans": [{"type": "PERSON", "start": 27, "end": 39}], "negatives": [], "ignore": []}
    example = make_example(stock, stock, record)
    assert example is not None
    gold = [(s.text, s.label_) for s in example.reference.ents]
    assert ("Barack Obama", "PERSON") in gold and ("Google", "ORG") in gold
    assert ("Paris", "GPE") not in gold  # the stock guess is unconfirmed: these sets label every place
