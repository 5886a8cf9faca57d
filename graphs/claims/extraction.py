"""Field extraction for claims: the model proposes, pydantic validates, deterministic code falls back.

The document reaching this module is already redacted: PII appears only as vault tokens (`<PERSON_1>`).
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from serving.model import Model, ModelError, ModelRequest

ClaimType = Literal["auto", "home", "health", "travel"]
FIELDS = ("claim_type", "incident_date", "amount", "currency", "payee_account", "contact_email")


class ClaimFields(BaseModel):
    """What the graph needs from a claim document. Every field optional: the model may leave one out."""

    claim_type: ClaimType | None = None
    incident_date: date | None = None
    amount: float | None = Field(default=None, ge=0, le=10_000_000)
    currency: Literal["USD", "EUR", "GBP"] | None = None
    payee_account: str | None = Field(default=None, max_length=64, description="an account the document asks to pay")
    contact_email: str | None = Field(default=None, max_length=320, description="an address the document asks to write to")

    @field_validator("incident_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _parse_date(v) if isinstance(v, str) else v


JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "claim_type": {"type": "string", "enum": ["auto", "home", "health", "travel"]},
        "incident_date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "amount": {"type": "number"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "payee_account": {"type": "string", "maxLength": 64},
        "contact_email": {"type": "string", "maxLength": 120},
    },
    "required": ["claim_type", "incident_date", "amount", "currency"],
}

FEW_SHOT = """Extract claim fields as JSON.

Document: My car was rear-ended on 2026-03-14 on the highway. Repair estimate attached. I am claiming $1,200.00 for the repairs.
JSON: {"claim_type": "auto", "incident_date": "2026-03-14", "amount": 1200.0, "currency": "USD"}

Document: A pipe burst in our kitchen on June 2, 2026 and flooded the floor. Plumber invoice: USD 640.
JSON: {"claim_type": "home", "incident_date": "2026-06-02", "amount": 640.0, "currency": "USD"}

Document: My flight to Lisbon was cancelled on 05/09/2026 and I paid €310 for a hotel night.
JSON: {"claim_type": "travel", "incident_date": "2026-05-09", "amount": 310.0, "currency": "EUR"}

Document: {document}
JSON:"""


def build_prompt(document: str) -> str:
    """A few-shot completion prompt: the embedded model is a base model with no chat template."""
    return FEW_SHOT.replace("{document}", " ".join(document.split())[:1500])


_MONEY = re.compile(
    r"(?P<pre>\$|USD|US\$|€|EUR|£|GBP)\s?(?P<a>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<b>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<post>USD|dollars|EUR|euros?|GBP|pounds)\b", re.I)
_CURRENCY = {"$": "USD", "usd": "USD", "us$": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR",
             "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP"}
_DATES = [(re.compile(r"\b(\d{4}-\d{2}-\d{2})\b"), "%Y-%m-%d"), (re.compile(r"\b(\d{1,2}/\d{1,2}/\d{4})\b"), "%m/%d/%Y"),
          (re.compile(r"\b((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4})\b"), None)]
_TYPE_WORDS = {"auto": ("car", "vehicle", "collision", "rear-ended", "windshield", "bumper", "driver"),
               "home": ("house", "home", "roof", "kitchen", "basement", "pipe", "burglary", "storm"),
               "health": ("hospital", "doctor", "clinic", "surgery", "medical", "prescription", "dr."),
               "travel": ("flight", "trip", "hotel", "luggage", "baggage", "airline", "travel")}


def _parse_date(text: str) -> date | None:
    text = text.strip().replace(".", "")
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%b %d %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _amounts(document: str) -> list[tuple[float, str]]:
    found = []
    for m in _MONEY.finditer(document):
        raw = (m.group("a") or m.group("b")).replace(",", "")
        unit = (m.group("pre") or m.group("post") or "").lower()
        found.append((float(raw), _CURRENCY.get(unit, "USD")))
    return found


def _dates(document: str) -> list[date]:
    found = []
    for pattern, _ in _DATES:
        for m in pattern.finditer(document):
            if parsed := _parse_date(m.group(1)):
                found.append(parsed)
    return found


def grounded(name: str, value: Any, document: str) -> bool:
    """A model's amount or date must appear in the document: a weak model may not invent money."""
    if name == "amount":
        return any(abs(value - a) < 0.005 for a, _ in _amounts(document))
    if name == "currency":
        return value in {c for _, c in _amounts(document)} or not _amounts(document)
    if name == "incident_date":
        return value in _dates(document)
    return True


def deterministic_extract(document: str, claim_type_hint: str | None = None) -> ClaimFields:
    """Regex extraction that never follows instructions in the text: the safe fallback.

    It deliberately never proposes a payee or a contact: those come from the claim record only.
    """
    amounts = _amounts(document)
    dates = _dates(document)
    incident = dates[0] if dates else None
    lowered = document.lower()
    scores = {t: sum(lowered.count(w) for w in words) for t, words in _TYPE_WORDS.items()}
    guessed = max(scores, key=scores.get) if max(scores.values()) else None
    amount, currency = max(amounts) if amounts else (None, None)
    return ClaimFields(claim_type=claim_type_hint if claim_type_hint in _TYPE_WORDS else guessed,
                       incident_date=incident, amount=amount, currency=currency)


class Extraction(BaseModel):
    fields: ClaimFields
    sources: dict[str, Literal["model", "fallback", "record", "missing"]]
    model_error: str | None = None


MAX_MODEL_OUTPUT_CHARS = 4000
MAX_MODEL_JSON_DEPTH = 4


def _parse_model_json(text: str) -> dict[str, Any]:
    """The model's JSON object, bounded in size and depth before it is parsed: a hostile or broken model
    answering `[[[[…` must cost a fallback, not a crashed actor."""
    if len(text) > MAX_MODEL_OUTPUT_CHARS:
        raise ValueError("model output is too long")
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in model output")
    body = text[start:end + 1]
    depth = deepest = 0
    for ch in body:  # strings may hold brackets: counting them too only errs towards refusing
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_MODEL_JSON_DEPTH:
        raise ValueError("model output is nested too deeply")
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("model output is not an object")
    return data


async def extract_fields(model: Model, document: str, *, claim_type_hint: str | None = None) -> Extraction:
    """Ask the model; keep each field that validates; fill the rest from the deterministic extractor."""
    fallback = deterministic_extract(document, claim_type_hint)
    proposed: dict[str, Any] = {}
    error = None
    try:
        response = await model.generate(ModelRequest(prompt=build_prompt(document), json_schema=JSON_SCHEMA,
                                                     max_tokens=96, stop=["\n\n", "Document:"]))
        proposed = _parse_model_json(response.text)
    except (ModelError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    valid: dict[str, Any] = {}
    for name in FIELDS:
        if proposed.get(name) in (None, ""):
            continue
        try:
            value = getattr(ClaimFields.model_validate({name: proposed[name]}), name)
        except ValidationError:
            continue
        if grounded(name, value, document):
            valid[name] = value
    merged: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for name in FIELDS:
        if name in valid:
            merged[name], sources[name] = valid[name], "model"
        elif getattr(fallback, name) is not None:
            merged[name], sources[name] = getattr(fallback, name), "fallback"
        else:
            sources[name] = "missing"
    if claim_type_hint and sources.get("claim_type") != "model":
        merged["claim_type"], sources["claim_type"] = claim_type_hint, "record"
    return Extraction(fields=ClaimFields(**merged), sources=sources, model_error=error)
