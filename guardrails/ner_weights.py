"""Warden's fine-tuned NER weights for en_core_web_sm, shipped in the repository and checked by hash before use.

Trained by `python -m evals.pii.ner_finetune` on dev material only (see its docstring); the stock model's NER is
replaced by these weights, everything else (tokenizer, vocabulary) stays the pinned package's. A file that does not
match the manifest stops the redactor from starting: a tampered model could quietly stop finding names.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

WEIGHTS_DIR = Path(__file__).parent / "ner_pii"
MANIFEST = WEIGHTS_DIR.parent / "ner_pii.sha256.json"


class NerWeightsInvalid(RuntimeError):
    """The shipped NER weights are missing or do not match their manifest."""


def _digests() -> dict[str, str]:
    return {str(p.relative_to(WEIGHTS_DIR)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(WEIGHTS_DIR.rglob("*")) if p.is_file()}


def write_manifest() -> None:
    """Record the sha256 of every weights file (run by the trainer after it writes them)."""
    MANIFEST.write_text(json.dumps(_digests(), indent=1, sort_keys=True) + "\n")


def verified_weights_dir() -> Path:
    """WEIGHTS_DIR once every file in it matches the manifest, and the manifest names no missing file."""
    try:
        expected = json.loads(MANIFEST.read_text())
        actual = _digests()
    except (OSError, ValueError) as exc:
        raise NerWeightsInvalid(f"NER weights unreadable ({exc}); retrain: python -m evals.pii.ner_finetune") from exc
    if actual != expected:
        wrong = sorted(set(expected.items()) ^ set(actual.items()))
        raise NerWeightsInvalid(f"NER weights do not match {MANIFEST.name}: {sorted({n for n, _ in wrong})}")
    return WEIGHTS_DIR
