"""The fraud model: a real trained artefact that loads, ranks risk sensibly, explains itself and stays fast."""
from __future__ import annotations

import json
import re
import time

import joblib
import pytest

from tools.client import call_tool
from tools.fraud import dataset, model as fraud_model
from tools.fraud.model import FraudModel, ModelLoadError, file_sha256, load_or_retrain
from tools.fraud.train import MODEL_CARD_PATH
from tools.schemas import FraudRiskArgs, FraudRiskResult

HIGH_RISK = dict(claim_id="CLM-HI", claim_type="travel", amount=9500.0, days_since_policy_start=6, prior_claims=4,
                 days_to_report=75, has_police_report=False, has_receipts=False, payee_matches_record=False)
LOW_RISK = dict(claim_id="CLM-LO", claim_type="health", amount=900.0, days_since_policy_start=1500, prior_claims=0,
                days_to_report=2, has_police_report=False, has_receipts=True, payee_matches_record=True)


@pytest.fixture(scope="module")
def model() -> FraudModel:
    return FraudModel.load()


def test_shipped_artifact_loads_with_a_versioned_name(model: FraudModel) -> None:
    digest = file_sha256(fraud_model.ARTIFACT_PATH)
    assert model.version == f"fraud-gbm-v1+sha256:{digest[:12]}"
    assert json.loads(fraud_model.METRICS_PATH.read_text())["artifact_sha256"] == digest


def test_high_risk_claim_scores_higher_than_low_risk_claim(model: FraudModel) -> None:
    high, low = model.score(FraudRiskArgs(**HIGH_RISK)), model.score(FraudRiskArgs(**LOW_RISK))
    assert high.score > low.score + 0.5
    assert (high.band, low.band) == ("high", "low")
    assert high.top_factors and all(f.feature in dataset.FEATURES for f in high.top_factors)
    assert high.top_factors[0].contribution > 0  # the strongest factor pushes a risky claim up


def test_payee_mismatch_is_named_as_a_factor(model: FraudModel) -> None:
    mismatch = model.score(FraudRiskArgs(**{**LOW_RISK, "payee_matches_record": False, "has_receipts": False}))
    assert "payee_matches_record" in [f.feature for f in mismatch.top_factors]


def test_scoring_one_claim_takes_under_5_ms(model: FraudModel) -> None:
    args = FraudRiskArgs(**HIGH_RISK)
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        model.score(args)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.005


def test_dataset_regenerates_byte_for_byte_and_matches_recorded_sha256() -> None:
    data = dataset.to_csv(dataset.generate())
    assert dataset.sha256_of(data) == dataset.recorded_sha256() == dataset.sha256_of(dataset.DATASET_PATH.read_bytes())


def test_model_card_shows_the_metrics_in_metrics_json() -> None:
    metrics = json.loads(fraud_model.METRICS_PATH.read_text())
    block = MODEL_CARD_PATH.read_text().split("<!-- metrics:start -->")[1].split("<!-- metrics:end -->")[0]
    table = dict(re.findall(r"^\| ([\w.]+) \| ([\d.]+) \|$", block, re.M))
    assert {"roc_auc", "precision_at_0.3", "recall_at_0.3"} <= table.keys()
    for key, shown in table.items():
        assert float(shown) == pytest.approx(float(metrics[key])), key
    assert metrics["roc_auc"] > 0.75  # the model learned the signal the generator put in


def test_an_artifact_from_another_sklearn_version_is_refused(tmp_path) -> None:
    bundle = joblib.load(fraud_model.ARTIFACT_PATH)
    bundle["sklearn_version"] = "0.24.2"
    joblib.dump(bundle, tmp_path / "old.joblib")
    with pytest.raises(ModelLoadError, match="0.24.2"):
        FraudModel.load(tmp_path / "old.joblib")


def test_unloadable_artifact_is_retrained_deterministically_into_data_dir(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "model_v1.joblib"
    broken.write_bytes(b"not a pickle")
    monkeypatch.setattr(fraud_model, "ARTIFACT_PATH", broken)
    retrained = load_or_retrain(tmp_path / "data")
    local = list((tmp_path / "data" / "fraud").glob("model_v1-sklearn*.joblib"))
    assert len(local) == 1
    shipped = FraudModel.load(fraud_model.PACKAGE_DIR / "model_v1.joblib")
    for claim in (HIGH_RISK, LOW_RISK):  # same data, same seeds, same library: the same model
        assert retrained.score(FraudRiskArgs(**claim)).score == shipped.score(FraudRiskArgs(**claim)).score


async def test_fraud_risk_is_served_over_nats(tool_services, gate_nc, signer) -> None:
    reply = await call_tool(gate_nc, "scoring.fraud_risk", HIGH_RISK, idempotency_key="", run_id="run-1", timeout_s=5,
                            signer=signer)
    result = FraudRiskResult.model_validate(reply)
    assert result.band == "high" and result.model_version.startswith("fraud-gbm-v1+sha256:")
