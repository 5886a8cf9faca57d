"""The fraud-risk model at scoring time: load the artefact once, score a claim, explain the score.

Explanations are "what if this feature were typical": the score minus the score with that one
feature replaced by its training median (the most common type for `claim_type`). All variants are
scored in one batch, so explaining costs about as much as scoring.
"""
from __future__ import annotations

import hashlib
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

from tools.fraud.dataset import CLAIM_TYPES, FEATURES
from tools.schemas import FraudFactor, FraudRiskArgs, FraudRiskResult

log = logging.getLogger(__name__)

MODEL_NAME = "fraud-gbm-v1"
PACKAGE_DIR = Path(__file__).parent
ARTIFACT_PATH = PACKAGE_DIR / "model_v1.joblib"
METRICS_PATH = PACKAGE_DIR / "metrics_v1.json"
COLUMNS = (*(f"claim_type={t}" for t in CLAIM_TYPES), *FEATURES[1:])
"""Model input columns: claim_type one-hot, then the numeric and boolean features in schema order."""
TOP_FACTORS = 3
BANDS = ((0.3, "low"), (0.7, "medium"))


class ModelLoadError(RuntimeError):
    """The artefact cannot be used with the installed libraries."""


def encode(claims: list[dict[str, Any]]) -> np.ndarray:
    """Feature rows (dicts with the FraudRiskArgs fields) as the model's input matrix."""
    out = np.zeros((len(claims), len(COLUMNS)), dtype=np.float64)
    for i, c in enumerate(claims):
        out[i, CLAIM_TYPES.index(c["claim_type"])] = 1.0
        for j, name in enumerate(FEATURES[1:], start=len(CLAIM_TYPES)):
            out[i, j] = float(c[name])
    return out


def band_for(score: float) -> str:
    for limit, band in BANDS:
        if score < limit:
            return band
    return "high"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class FraudModel:
    """A loaded artefact: the classifier, the reference (typical) claim, and the version string."""

    classifier: Any
    reference: dict[str, Any]
    version: str

    @classmethod
    def load(cls, path: Path = ARTIFACT_PATH) -> "FraudModel":
        """Load and smoke-test an artefact; a pickle from another scikit-learn version is refused, not trusted."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", sklearn.exceptions.InconsistentVersionWarning)
                bundle = joblib.load(path)
            if bundle.get("sklearn_version") != sklearn.__version__:
                raise ModelLoadError(f"trained with scikit-learn {bundle.get('sklearn_version')}, "
                                     f"running {sklearn.__version__}")
            model = cls(bundle["classifier"], bundle["reference"], f"{MODEL_NAME}+sha256:{file_sha256(path)[:12]}")
            model.score(FraudRiskArgs(claim_id="smoke", claim_type="auto", amount=1.0, days_since_policy_start=1,
                                      prior_claims=0, days_to_report=0))
            return model
        except ModelLoadError:
            raise
        except Exception as exc:  # unpickling across versions fails in many ways; all mean "retrain"
            raise ModelLoadError(f"cannot load {path.name}: {type(exc).__name__}: {exc}") from exc

    def score(self, args: FraudRiskArgs) -> FraudRiskResult:
        """Probability of fraud, its band, and the features that moved it most."""
        claim = args.model_dump(include=set(FEATURES))
        variants = [claim] + [{**claim, name: self.reference[name]} for name in FEATURES]
        probs = self.classifier.predict_proba(encode(variants))[:, 1]
        score = float(probs[0])
        deltas = [(name, score - float(p)) for name, p in zip(FEATURES, probs[1:])]
        deltas.sort(key=lambda d: abs(d[1]), reverse=True)
        factors = [FraudFactor(feature=n, contribution=round(d, 4)) for n, d in deltas[:TOP_FACTORS] if abs(d) >= 1e-4]
        return FraudRiskResult(score=round(min(max(score, 0.0), 1.0), 4), band=band_for(score),
                               top_factors=factors, model_version=self.version)


def load_or_retrain(data_dir: Path) -> FraudModel:
    """The shipped artefact, or one retrained from the committed dataset when the shipped one cannot load here."""
    try:
        return FraudModel.load(ARTIFACT_PATH)
    except ModelLoadError as exc:
        reason = str(exc)
    local = data_dir / "fraud" / f"model_v1-sklearn{sklearn.__version__}.joblib"
    if local.exists():
        try:
            model = FraudModel.load(local)
            log.warning("shipped fraud model unusable (%s); using the local retrain %s", reason, local)
            return model
        except ModelLoadError:
            pass
    from tools.fraud.train import train  # training code is only needed on this path

    log.warning("shipped fraud model unusable (%s); retraining deterministically into %s", reason, local)
    train(local, metrics_path=local.with_suffix(".metrics.json"))
    return FraudModel.load(local)
