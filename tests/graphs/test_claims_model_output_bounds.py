"""A hostile or broken model cannot crash the claims actor with what it answers: its output is bounded in size and
depth before it is parsed, and anything refused falls back to the deterministic extractor."""
from __future__ import annotations

import json

from graphs.claims.extraction import extract_fields
from serving.scripted import ScriptedModel

DOCUMENT = "Rear-ended on November 2, 2026; towing $180.00 plus repairs $670.00, total claimed $850.00."


async def test_deeply_nested_or_huge_model_output_falls_back_instead_of_crashing() -> None:
    for answer in ("{" + '"a":' * 1 + "[" * 100_000 + "]" * 100_000 + "}",
                   json.dumps({"amount": 850.0, "note": "x" * 10_000}),
                   '{"amount": ' + "[" * 50 + "1" + "]" * 50 + "}"):
        result = await extract_fields(ScriptedModel([answer]), DOCUMENT, claim_type_hint="auto")
        assert result.model_error and ("too" in result.model_error)
        assert result.fields.amount == 850.0 and result.sources["amount"] == "fallback"
