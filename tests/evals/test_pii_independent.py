"""The independent PII set: someone else's templates, big enough, split by template, regenerable from its seed."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from evals.pii.independent import DEV, HELDOUT, VENDORED, generate, split_templates, templates
from evals.pii.scorer import load_dataset


def test_templates_are_presidio_evaluators_vendored_with_its_licence():
    assert "MIT License" in (VENDORED / "LICENSE").read_text(encoding="utf-8")
    assert len(templates()) >= 200


def test_held_out_split_is_large_enough_and_covers_nine_types():
    records = load_dataset(HELDOUT)
    types = Counter(s["type"] for r in records for s in r["spans"])
    assert len(records) >= 1000
    assert sum(types.values()) >= 1500
    assert len(types) >= 9, types
    for r in records:
        for span in r["spans"] + r["negatives"] + r["ignore"]:
            assert 0 <= span["start"] < span["end"] <= len(r["text"])


def test_dev_and_held_out_never_share_a_template():
    dev, held = split_templates()
    assert not set(dev) & set(held)
    assert {r["template_id"] for r in load_dataset(DEV)} <= set(dev)
    assert {r["template_id"] for r in load_dataset(HELDOUT)} <= set(held)


@pytest.mark.parametrize(("split", "path"), [("dev", DEV), ("heldout", HELDOUT)])
def test_the_shipped_files_regenerate_identically_from_the_seed(split, path):
    pytest.importorskip("faker")
    lines = [json.dumps(r, ensure_ascii=False) for r in generate(split)]
    assert lines == path.read_text(encoding="utf-8").splitlines()
