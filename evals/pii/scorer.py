"""Scores a PII finder on the labelled set: recall per type, precision, and how much non-PII survives.

Definitions (per span, character offsets):
- recall: a labelled PII span counts as found when predictions *of the same type* cover at least half of it;
- masked: the same, with predictions of any type (what a reader of the redacted text would see);
- precision: share of predictions that overlap a labelled span of the same type;
- non-PII kept: share of hard negatives (claim ids, amounts, incident dates, ...) no prediction touches;
- leaks: labelled card, SSN, IBAN and bank-account values with any digit left in clear.
Spans a set marks `ignore` (countries, titles: neither PII we must find nor text we must keep) count for nothing.

`python -m evals.pii.scorer` prints, for our redactor and stock Presidio (same spaCy model, same run), the
project's own set and the two held-out sets: the independent held-out split (evals/pii/independent.py) and
scrubadub's fake documents (evals/pii/scrubadub_docs.py, never tuned on); `--dev` adds the independent
dev split, the only independent split anyone may look at while tuning. `--no-heldout` leaves the held-out sets
out (for development: its aggregate is printed once per round, by whoever merges) and `--probes` adds the
project's probe sentences (evals/pii/probes.py); `--external` adds the external dev set (evals/pii/external_dev.py:
labelled text from three other projects' packages).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from evals.pii.external_dev import EXTERNAL
from evals.pii.generate import DATASET
from evals.pii.independent import DEV, HELDOUT
from evals.pii.probes import PROBES
from evals.pii.scrubadub_docs import SCRUBADUB_HELDOUT

Prediction = tuple[str, int, int]  # (type, start, end)
Finder = Callable[[str], list[Prediction]]
# Stock Presidio names a bank account differently; count it as the same type.
STOCK_TYPE_MAP = {"US_BANK_NUMBER": "BANK_ACCOUNT"}
COVERAGE = 0.5
LEAK_TYPES = ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "BANK_ACCOUNT")


@dataclass
class Score:
    """One finder's results on the labelled set."""

    name: str
    found: Counter = field(default_factory=Counter)
    masked: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    predictions: int = 0
    correct_predictions: int = 0
    negatives: int = 0
    negatives_kept: int = 0
    negatives_by_kind: Counter = field(default_factory=Counter)
    kept_by_kind: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    texts: int = 0
    leaks: int = 0

    @property
    def recall(self) -> float:
        return _ratio(sum(self.found.values()), sum(self.total.values()))

    @property
    def masked_recall(self) -> float:
        return _ratio(sum(self.masked.values()), sum(self.total.values()))

    @property
    def precision(self) -> float:
        return _ratio(self.correct_predictions, self.predictions)

    @property
    def non_pii_kept(self) -> float:
        return _ratio(self.negatives_kept, self.negatives)

    def recall_of(self, entity_type: str) -> float:
        return _ratio(self.found[entity_type], self.total[entity_type])


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def load_dataset(path: Path = DATASET) -> list[dict]:
    """The labelled records: {"id", "text", "spans": [{type,start,end}], "negatives": [{kind,start,end}]}."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _covered(start: int, end: int, predictions: Iterable[Prediction]) -> int:
    chars = set()
    for _, s, e in predictions:
        chars.update(range(max(s, start), min(e, end)))
    return len(chars)


def _digit_in_clear(text: str, start: int, end: int, predictions: Iterable[Prediction]) -> bool:
    return any(text[i].isdigit() and not any(s <= i < e for _, s, e in predictions) for i in range(start, end))


def score(finder: Finder, records: Sequence[dict], name: str) -> Score:
    """Runs `finder` over every record and tallies the metrics."""
    result = Score(name=name)
    for record in records:
        text = record["text"]
        t0 = time.perf_counter()
        predicted = [(STOCK_TYPE_MAP.get(t, t), s, e) for t, s, e in finder(text)]
        result.seconds += time.perf_counter() - t0
        result.texts += 1
        for span in record["spans"]:
            start, end, kind = span["start"], span["end"], span["type"]
            need = COVERAGE * (end - start)
            result.total[kind] += 1
            if _covered(start, end, [p for p in predicted if p[0] == kind]) >= need:
                result.found[kind] += 1
            covered = _covered(start, end, predicted)
            if covered >= need:
                result.masked[kind] += 1
            if kind in LEAK_TYPES and _digit_in_clear(text, start, end, predicted):
                result.leaks += 1
        ignore = record.get("ignore", [])
        for t, s, e in predicted:
            if any(g["start"] < e and s < g["end"] for g in ignore) and not any(
                g["start"] < e and s < g["end"] for g in record["spans"]
            ):
                continue
            result.predictions += 1
            if any(g["type"] == t and g["start"] < e and s < g["end"] for g in record["spans"]):
                result.correct_predictions += 1
        for neg in record["negatives"]:
            result.negatives += 1
            result.negatives_by_kind[neg["kind"]] += 1
            if not any(s < neg["end"] and neg["start"] < e for _, s, e in predicted):
                result.negatives_kept += 1
                result.kept_by_kind[neg["kind"]] += 1
    return result


def ours_finder() -> Finder:
    """Our redactor, uncached, one text at a time (as the gate calls it)."""
    from guardrails.redaction import Redactor

    redactor = Redactor(cache_size=0)
    return lambda text: [(e.type, e.start, e.end) for e in redactor.analyze(text)]


def stock_finder(score_threshold: float | None = None) -> Finder:
    """Stock Presidio; `score_threshold=None` is its out-of-the-box behaviour (every finding, however weak)."""
    from evals.pii.baseline import stock_analyze

    return lambda text: stock_analyze(text, score_threshold)


def score_both(records: Sequence[dict]) -> list[Score]:
    """Warden and stock Presidio (out of the box, and at a 0.4 threshold: one analysis, filtered) on `records`."""
    from evals.pii.baseline import stock_analyze_scored

    ours = score(ours_finder(), records, "warden")
    cache: dict[str, list[tuple[str, int, int, float]]] = {}

    def stock_scored(text: str) -> list[tuple[str, int, int, float]]:
        if text not in cache:
            cache[text] = stock_analyze_scored(text)
        return cache[text]

    stock = score(lambda t: [(k, s, e) for k, s, e, _ in stock_scored(t)], records, "presidio-stock")
    at04 = score(lambda t: [(k, s, e) for k, s, e, sc in stock_scored(t) if sc >= 0.4], records, "stock@0.4")
    at04.seconds = stock.seconds  # the filtered column re-used stock's analysis
    return [ours, stock, at04]


def format_table(scores: Sequence[Score]) -> str:
    """A plain-text table: one column per finder, one row per metric and per PII type."""
    types = sorted({t for s in scores for t in s.total})
    rows: list[tuple[str, list[str]]] = [
        ("recall (typed)", [f"{s.recall:.3f}" for s in scores]),
        ("masked (any type)", [f"{s.masked_recall:.3f}" for s in scores]),
        ("precision (typed)", [f"{s.precision:.3f}" for s in scores]),
        ("non-PII kept", [f"{s.non_pii_kept:.3f}" for s in scores]),
        ("ms per text", [f"{1000 * s.seconds / max(1, s.texts):.2f}" for s in scores]),
        ("leaks (card/SSN/IBAN/acct)", [str(s.leaks) for s in scores]),
    ]
    rows += [(f"  recall {t} (n={scores[0].total[t]})", [f"{s.recall_of(t):.3f}" for s in scores]) for t in types]
    kinds = sorted({k for s in scores for k in s.negatives_by_kind})
    rows += [
        (f"  kept {k} (n={scores[0].negatives_by_kind[k]})",
         [f"{_ratio(s.kept_by_kind[k], s.negatives_by_kind[k]):.3f}" for s in scores])
        for k in kinds
    ]
    width = max(len(r[0]) for r in rows) + 2
    col = max(12, *(len(s.name) + 2 for s in scores))
    lines = ["metric".ljust(width) + "".join(s.name.rjust(col) for s in scores)]
    lines += [label.ljust(width) + "".join(v.rjust(col) for v in values) for label, values in rows]
    return "\n".join(lines)


SETS = {"own": DATASET, "independent-dev": DEV, "independent-heldout": HELDOUT,
        "scrubadub-heldout": SCRUBADUB_HELDOUT, "probes": PROBES, "external": EXTERNAL}


def report(name: str, path: Path) -> str:
    """The header line and table for one labelled set."""
    records = load_dataset(path)
    scores = score_both(records)
    head = (f"== {name} ({path.name}): {len(records)} sentences, {sum(scores[0].total.values())} PII spans, "
            f"{scores[0].negatives} hard negatives")
    return head + "\n" + format_table(scores)


def select_sets(*, dev: bool, heldout: bool, probes: bool, external: bool = False) -> list[str]:
    """The sets to print, in order; the held-out sets (never tuned on) only when asked for."""
    held_out = ["independent-heldout", "scrubadub-heldout"] if heldout else []
    return ["own"] + held_out + (["independent-dev"] if dev else []) + (["probes"] if probes else []) + (
        ["external"] if external else [])


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dev", action="store_true", help="also score the independent dev split")
    parser.add_argument("--no-heldout", action="store_true", help="leave the held-out sets out (development runs)")
    parser.add_argument("--probes", action="store_true", help="also score the probe sentences (dev material)")
    parser.add_argument("--external", action="store_true", help="also score the external dev set (dev material)")
    args = parser.parse_args(argv)
    names = select_sets(dev=args.dev, heldout=not args.no_heldout, probes=args.probes, external=args.external)
    for name in names:
        print(report(name, SETS[name]), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
