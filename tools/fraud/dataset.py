"""The synthetic claims dataset the fraud model is trained on: seeded, so anyone can regenerate it byte for byte.

The label comes from a latent risk that mirrors what claims handlers look for (a claim soon after the
policy starts, a payee that differs from the account on file, no receipts, late reporting, an amount
well above what is usual for the claim type), plus noise, so the model has real signal but is not perfect.
Run `python -m tools.fraud.dataset` to (re)write `data/claims_v1.csv` and its manifest `data/claims_v1.json`
(row count, seed, fraud rate, sha256), which training checks the CSV against.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
DATASET_PATH = DATA_DIR / "claims_v1.csv"
MANIFEST_PATH = DATA_DIR / "claims_v1.json"
SEED = 20240601
ROWS = 6000

CLAIM_TYPES = ("auto", "home", "health", "travel")
FEATURES = ("claim_type", "amount", "days_since_policy_start", "prior_claims", "days_to_report",
            "has_police_report", "has_receipts", "payee_matches_record")
COLUMNS = (*FEATURES, "is_fraud")

_TYPE_SHARE = (0.40, 0.25, 0.25, 0.10)
_TYPICAL_AMOUNT = {"auto": 3000.0, "home": 8000.0, "health": 2000.0, "travel": 1200.0}
_TYPE_RISK = {"auto": 0.2, "home": 0.4, "health": 0.0, "travel": 0.8}
_POLICE_REPORT_RATE = {"auto": 0.55, "home": 0.40, "health": 0.02, "travel": 0.30}
_INTERCEPT = -3.0
_NOISE_SD = 0.5


def latent_risk(types: np.ndarray, amount_ratio: np.ndarray, days_since_start: np.ndarray, prior_claims: np.ndarray,
                days_to_report: np.ndarray, police_report_counts: np.ndarray, has_receipts: np.ndarray,
                payee_matches: np.ndarray) -> np.ndarray:
    """The log-odds of fraud before noise: what the model is meant to recover."""
    return (_INTERCEPT
            + np.array([_TYPE_RISK[CLAIM_TYPES[t]] for t in types])
            + 1.0 * np.log(amount_ratio)
            + 2.5 * np.exp(-days_since_start / 45.0)
            + 0.5 * np.minimum(prior_claims, 6)
            + 0.9 * np.log1p(days_to_report / 14.0)
            - 1.0 * police_report_counts
            - 1.3 * has_receipts
            + 2.8 * ~payee_matches)


def generate(rows: int = ROWS, seed: int = SEED) -> list[dict[str, object]]:
    """Synthetic claims with a fraud label drawn from a noisy latent risk."""
    rng = np.random.default_rng(seed)
    types = rng.choice(len(CLAIM_TYPES), size=rows, p=_TYPE_SHARE)
    typical = np.array([_TYPICAL_AMOUNT[CLAIM_TYPES[t]] for t in types])
    amount = np.round(typical * rng.lognormal(0.0, 0.8, size=rows), 2)
    days_since_start = np.minimum(rng.exponential(700.0, size=rows).astype(int), 36500)
    prior_claims = np.minimum(rng.poisson(0.6, size=rows), 1000)
    days_to_report = np.minimum(rng.exponential(9.0, size=rows).astype(int), 3650)
    police_rate = np.array([_POLICE_REPORT_RATE[CLAIM_TYPES[t]] for t in types])
    has_police_report = rng.random(rows) < police_rate
    has_receipts = rng.random(rows) < 0.72
    payee_matches = rng.random(rows) < 0.93

    logit = latent_risk(types, amount / typical, days_since_start, prior_claims, days_to_report,
                        has_police_report & (police_rate > 0.1), has_receipts, payee_matches)
    logit = logit + rng.normal(0.0, _NOISE_SD, size=rows)
    is_fraud = rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))

    return [{"claim_type": CLAIM_TYPES[types[i]], "amount": float(amount[i]),
             "days_since_policy_start": int(days_since_start[i]), "prior_claims": int(prior_claims[i]),
             "days_to_report": int(days_to_report[i]), "has_police_report": int(has_police_report[i]),
             "has_receipts": int(has_receipts[i]), "payee_matches_record": int(payee_matches[i]),
             "is_fraud": int(is_fraud[i])} for i in range(rows)]


def to_csv(rows: list[dict[str, object]]) -> bytes:
    """The CSV bytes (LF line endings, fixed column order) whose sha256 identifies the dataset."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recorded_sha256() -> str:
    """The sha256 committed in the dataset's manifest."""
    return json.loads(MANIFEST_PATH.read_text())["sha256"]


def load_csv(path: Path = DATASET_PATH) -> list[dict[str, str]]:
    """The dataset's rows, regenerated from the seed when the CSV is not shipped (a wheel install)."""
    data = path.read_bytes() if path.exists() else to_csv(generate())
    if sha256_of(data) != recorded_sha256():
        raise ValueError(f"{path.name} does not match its recorded sha256: regenerate with python -m tools.fraud.dataset")
    return list(csv.DictReader(io.StringIO(data.decode())))


def main() -> None:
    rows = generate()
    data = to_csv(rows)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATASET_PATH.write_bytes(data)
    digest = sha256_of(data)
    rate = round(sum(int(r["is_fraud"]) for r in rows) / len(rows), 4)
    manifest = {"file": DATASET_PATH.name, "rows": len(rows), "seed": SEED, "columns": list(COLUMNS),
                "label": "is_fraud", "fraud_rate": rate, "sha256": digest,
                "generator": "python -m tools.fraud.dataset"}
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {DATASET_PATH} ({len(rows)} rows, fraud rate {rate}, sha256 {digest})")

if __name__ == "__main__":
    main()
