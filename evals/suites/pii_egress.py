"""pii-egress: the labelled PII sets through the gate's redactor (evals/pii's scorer and its definitions).

Quality: typed recall and masked recall per labelled value, non-PII kept per hard negative, precision.
Safety: a card, SSN, IBAN or bank-account value with a digit left in clear (the scorer's `leaks`).
Sets: the project's own set and the independent *dev* split. The held-out split is not run here: evals/pii/README.md
keeps it for rare, aggregate-only looks, and a per-case report of it would spend it."""
from __future__ import annotations

import time
from typing import Any

from evals.context import EvalContext
from evals.results import CaseResult, Metric, SuiteResult

NAME = "pii-egress"
DESCRIPTION = "PII sets (own + independent dev split) through the redactor: recall, non-PII kept, leaks"


def _sets() -> dict[str, Any]:
    from evals.pii.generate import DATASET
    from evals.pii.independent import DEV

    return {"own": DATASET, "dev": DEV}


def run(ctx: EvalContext) -> SuiteResult:
    """Score every labelled value and hard negative; one trial each, so runs can be paired."""
    from evals.pii.scorer import load_dataset, ours_finder, score

    t0 = time.perf_counter()
    finder = ours_finder()
    cache: dict[str, list] = {}

    def cached(text: str) -> list:
        if text not in cache:
            cache[text] = finder(text)
        return cache[text]

    found: dict[str, bool] = {}
    masked: dict[str, bool] = {}
    kept: dict[str, bool] = {}
    leaks: list[str] = []
    predictions = correct = 0
    result = SuiteResult(suite=NAME)
    sizes = {}
    for set_name, path in _sets().items():
        records = load_dataset(path)[:ctx.limit] if ctx.limit else load_dataset(path)
        sizes[set_name] = len(records)
        for i, record in enumerate(records):
            rid = f"{set_name}:{record.get('id', i)}"
            whole = score(cached, [record], rid)
            predictions += whole.predictions
            correct += whole.correct_predictions
            missed = []
            for j, span in enumerate(record["spans"]):
                one = score(cached, [{"text": record["text"], "spans": [span], "negatives": []}], rid)
                tid = f"{rid}/{j}"
                found[tid] = one.recall == 1.0
                masked[tid] = one.masked_recall == 1.0
                if one.leaks:
                    leaks.append(f"{tid} {span['type']}")
                if not found[tid]:
                    missed.append({"type": span["type"], "text": record["text"][span["start"]:span["end"]]})
            touched = []
            for j, neg in enumerate(record["negatives"]):
                one = score(cached, [{"text": record["text"], "spans": [], "negatives": [neg]}], rid)
                kept[f"{rid}/n{j}"] = one.non_pii_kept == 1.0
                if one.non_pii_kept < 1.0:
                    touched.append({"kind": neg["kind"], "text": record["text"][neg["start"]:neg["end"]]})
            if missed or touched:  # only failing records become cases: the sets hold thousands of values
                result.cases.append(CaseResult(id=rid, passed=False, expected="every value found, negatives kept",
                                               actual=f"{len(missed)} missed, {len(touched)} negatives redacted",
                                               detail={"text": record["text"], "missed": missed, "redacted_negatives": touched,
                                                       "predicted": [list(p) for p in cached(record["text"])]}))
    result.add(Metric.share("recall_typed", found))
    result.add(Metric.share("recall_masked", masked))
    result.add(Metric.share("non_pii_kept", kept))
    result.add(Metric(name="precision_typed", value=correct / predictions if predictions else 1.0, n=predictions,
                      passed=correct))
    result.add(Metric.failures("leaks", leaks))
    result.meta = {"sets": sizes, "values": len(found), "hard_negatives": len(kept), "heldout": "not run (kept for aggregate looks)"}
    result.seconds = time.perf_counter() - t0
    return result


