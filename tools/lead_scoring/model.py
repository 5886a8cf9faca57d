"""The lead-propensity model at scoring time: coefficients in a JSON artefact anyone can read, no pickle.

`load()` reads `model_v1.json`; when it is missing (a trimmed install) the model is trained again from the seeded
set, which gives the same coefficients (tools/lead_scoring/train.py).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from tools.lead_scoring.dataset import FEATURES

MODEL_NAME = "lead-logreg-v1"
PACKAGE_DIR = Path(__file__).parent
ARTIFACT_PATH = PACKAGE_DIR / "model_v1.json"
BANDS = ((0.4, "low"), (0.7, "medium"))
"""Below 0.4 low, below 0.7 medium, else high: the graph follows up high leads, nurtures medium ones."""


@dataclass(frozen=True)
class LeadModel:
    """Standardise, then a logistic regression: score = sigmoid(bias + sum(w * (x - mean) / scale))."""

    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    bias: float
    version: str

    def score(self, features: dict[str, float]) -> float:
        """A missing feature counts as its training mean (no evidence either way); unknown names are ignored."""
        z = self.bias
        for name in FEATURES:
            value = float(features.get(name, self.means[name]))
            z += self.weights[name] * (value - self.means[name]) / self.scales[name]
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def band_for(score: float) -> str:
    for limit, band in BANDS:
        if score < limit:
            return band
    return "high"


def from_document(document: dict, digest: str) -> LeadModel:
    return LeadModel(weights=dict(document["weights"]), means=dict(document["means"]), scales=dict(document["scales"]),
                     bias=float(document["bias"]), version=f"{MODEL_NAME}+sha256:{digest[:12]}")


def load(path: Path = ARTIFACT_PATH) -> LeadModel:
    """The shipped model, or one trained now from the seeded set when the artefact is not installed."""
    if not path.exists():
        from tools.lead_scoring.train import fit

        document = fit()["model"]
    else:
        document = json.loads(path.read_bytes())
    if set(document.get("weights", {})) != set(FEATURES):
        raise ValueError(f"{path.name}: the model's features are not {', '.join(FEATURES)}")
    # The digest of the canonical form: the same coefficients give the same version, shipped or retrained.
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return from_document(document, hashlib.sha256(canonical).hexdigest())
