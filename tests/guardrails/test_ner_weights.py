"""The fine-tuned NER weights are used only when every file matches the shipped manifest: a swapped or truncated
weights file stops the redactor from starting instead of quietly finding fewer names."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guardrails import ner_weights
from guardrails.nlp import NerPass


@pytest.fixture
def weights_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "ner_pii"
    shutil.copytree(ner_weights.WEIGHTS_DIR, target)
    shutil.copy(ner_weights.MANIFEST, tmp_path / ner_weights.MANIFEST.name)
    monkeypatch.setattr(ner_weights, "WEIGHTS_DIR", target)
    monkeypatch.setattr(ner_weights, "MANIFEST", tmp_path / ner_weights.MANIFEST.name)
    return target


def test_the_shipped_weights_match_their_manifest() -> None:
    assert ner_weights.verified_weights_dir() == ner_weights.WEIGHTS_DIR
    assert (ner_weights.WEIGHTS_DIR / "model").stat().st_size > 100_000


def test_one_changed_byte_stops_the_redactor_from_starting(weights_copy: Path) -> None:
    assert ner_weights.verified_weights_dir() == weights_copy
    model = weights_copy / "model"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 1
    model.write_bytes(bytes(data))
    with pytest.raises(ner_weights.NerWeightsInvalid, match="model"):
        NerPass()


def test_a_missing_or_added_file_is_refused(weights_copy: Path) -> None:
    (weights_copy / "extra").write_text("{}")
    with pytest.raises(ner_weights.NerWeightsInvalid, match="extra"):
        ner_weights.verified_weights_dir()
    (weights_copy / "extra").unlink()
    (weights_copy / "moves").unlink()
    with pytest.raises(ner_weights.NerWeightsInvalid, match="moves"):
        ner_weights.verified_weights_dir()


def test_a_missing_manifest_is_refused(weights_copy: Path) -> None:
    ner_weights.MANIFEST.unlink()
    with pytest.raises(ner_weights.NerWeightsInvalid, match="retrain"):
        ner_weights.verified_weights_dir()
