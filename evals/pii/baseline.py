"""Presidio's stock configuration (default recognizers, same spaCy model): the baseline we must beat."""
from __future__ import annotations

import os
from functools import lru_cache

# Stock Presidio's email recognizer uses tldextract, which downloads the suffix list unless told not to.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from presidio_analyzer import AnalyzerEngine  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402

from guardrails.nlp import spacy_model_name  # noqa: E402


@lru_cache(maxsize=1)
def stock_analyzer() -> AnalyzerEngine:
    """`AnalyzerEngine()` with its default recognizers and the full en_core_web_sm pipeline (not the default lg)."""
    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model_name()}]}
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def stock_analyze(text: str, score_threshold: float | None = None) -> list[tuple[str, int, int]]:
    """(type, start, end) for every finding of the stock analyzer, as it is configured out of the box."""
    return [(r.entity_type, r.start, r.end) for r in stock_analyzer().analyze(text, language="en", score_threshold=score_threshold)]


def stock_analyze_scored(text: str) -> list[tuple[str, int, int, float]]:
    """(type, start, end, score) for every finding of the stock analyzer, out of the box."""
    return [(r.entity_type, r.start, r.end, r.score) for r in stock_analyzer().analyze(text, language="en")]
