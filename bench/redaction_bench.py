"""Redaction latency on one 300-character claims note: our redactor against Presidio's stock configuration.

Both run in the same process on the same text, interleaved call by call so machine noise hits both alike.
Ours runs uncached (the content-hash cache would otherwise answer every repeat) and produces redacted text with
the full pipeline (normalisation, RE2 patterns, NER over the whole text, name structure); stock runs
`AnalyzerEngine().analyze` plus `AnonymizerEngine().anonymize`, the stock way to redact. `redact_speedup_x` is
the ratio stock p50 / ours p50 (the issue's target: at least 2). `python -m bench.redaction_bench` prints JSON.
"""
from __future__ import annotations

import json
import os
import statistics
import time

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from presidio_anonymizer import AnonymizerEngine  # noqa: E402

from evals.pii.baseline import stock_analyzer  # noqa: E402
from guardrails.redaction import Redactor  # noqa: E402

# A name NER must find (no cue word), an email, a phone, a street address and city, a policy number,
# and what must survive: a claim id, an amount, an incident date.
TEXT_300C = (
    "Maria Gonzalez phoned on 2024-03-02 about water damage under claim CLM-1001 and policy POL-12345678. "
    "She asks that the approved $850.00 be sent to 1234 Oak Street, Springfield, and that updates go to "
    "maria.gonzalez@example.com or +1 415 555 0142. Adjuster Tom Becker will review the photos by Monday."
)
WARMUP = 20


def _ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def bench_redaction(n: int = 200) -> dict:
    """p50 latencies (ms) of ours and stock Presidio on TEXT_300C, and the speed-up."""
    ours = Redactor(cache_size=0)
    cached = Redactor()
    analyzer, anonymizer = stock_analyzer(), AnonymizerEngine()

    def run_ours() -> None:
        ours.redact_text(TEXT_300C)

    def run_stock() -> None:
        anonymizer.anonymize(TEXT_300C, analyzer.analyze(TEXT_300C, language="en"))

    def run_cached() -> None:
        cached.redact_text(TEXT_300C)

    for _ in range(WARMUP):
        run_ours(), run_stock(), run_cached()
    ours_ms, stock_ms, cached_ms = [], [], []
    for _ in range(n):
        ours_ms.append(_ms(run_ours))
        stock_ms.append(_ms(run_stock))
        cached_ms.append(_ms(run_cached))
    p50_ours, p50_stock = statistics.median(ours_ms), statistics.median(stock_ms)
    return {
        "redact_300c_p50_ms": round(p50_ours, 3),
        "redact_300c_p99_ms": round(statistics.quantiles(ours_ms, n=100)[98], 3),
        "presidio_default_300c_p50_ms": round(p50_stock, 3),
        "redact_speedup_x": round(p50_stock / p50_ours, 2),
        "redact_300c_over_presidio_ratio": round(p50_ours / p50_stock, 3),
        "redact_300c_cached_p50_ms": round(statistics.median(cached_ms), 4),
    }


if __name__ == "__main__":
    print(json.dumps(bench_redaction(), indent=2))
