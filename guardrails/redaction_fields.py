"""Schema awareness for redaction: which argument names hold identifiers, and which hold one whole entity.

An `amount` or a `claim_id` never names a person, so such fields skip NER; a `claimant_name` or `address` is one
entity of a known type whatever it looks like.
"""
from __future__ import annotations

from guardrails.recognizers import DATE_FULL, Span, compile_re2

TOKEN = compile_re2(r"^<[A-Z][A-Z_]*(?:_\d+)?>$")

# Schema awareness: fields whose values are identifiers, amounts, codes or addresses never need NER.
_STRUCTURED_FIELDS = frozenset(
    """email to from cc bcc recipient sender amount currency channel account payee_account claim_id ticket_id
    reservation_id resource quantity status id phone mobile ip ip_address policy_number iban card ssn
    url webhook claim_type tool graph step""".split()
)
_STRUCTURED_SUFFIXES = ("_id", "_email", "_phone", "_account", "_amount", "_currency", "_ip", "_url", "_at", "_ts")
# Fields whose whole value is one entity of a known type, whatever it looks like.
_WHOLE_VALUE_FIELDS = {
    **dict.fromkeys(
        "name full_name first_name last_name claimant_name payee_name customer_name insured_name contact_name".split(),
        "PERSON",
    ),
    **dict.fromkeys("address street street_address home_address mailing_address city".split(), "LOCATION"),
    **dict.fromkeys("dob date_of_birth birth_date birthdate".split(), "DATE_OF_BIRTH"),
}


def field_kind(field: str | None) -> str:
    """'free' (full analysis), 'structured' (patterns only) or the entity type of a whole-value field."""
    if not field:
        return "free"
    name = field.rsplit(".", 1)[-1].split("[", 1)[0].lower()
    if name in _WHOLE_VALUE_FIELDS:
        return _WHOLE_VALUE_FIELDS[name]
    if name in _STRUCTURED_FIELDS or name.endswith(_STRUCTURED_SUFFIXES):
        return "structured"
    return "free"


def whole_value(text: str, entity: str) -> Span | None:
    """The whole (stripped) value as one entity, unless it is empty, a vault token, or a DOB that is no date."""
    stripped = text.strip()
    if not stripped or TOKEN.fullmatch(stripped):
        return None
    if entity == "DATE_OF_BIRTH" and not DATE_FULL.search(stripped):
        return None
    start = text.index(stripped)
    return Span(entity, start, start + len(stripped), 0.95)
