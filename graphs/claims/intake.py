"""The claim event as it arrives, and its redaction before anything enters graph state or a checkpoint."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.intake import escape_tokens, tokenize_fields

# Which record fields hold which kind of PII: tokenized by type, no NER needed.
_CLAIMANT_PII = {"name": "PERSON", "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "address": "LOCATION",
                 "date_of_birth": "DATE_OF_BIRTH"}


class Claimant(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=400)
    date_of_birth: str | None = Field(default=None, max_length=20)


class ClaimEvent(BaseModel):
    """`events.claims.submitted`: the claims system's record plus the claimant's own (untrusted) document.

    `amount_claimed`, `currency` and `incident_date` are the claim form's fields (the record): the fraud score
    is computed from them, never from what the document (or a model reading it) says."""

    model_config = ConfigDict(extra="ignore")
    claim_id: str = Field(pattern=r"^CLM-[0-9A-Za-z-]{1,40}$")
    policy_number: str = Field(max_length=40)
    claim_type: Literal["auto", "home", "health", "travel"]
    amount_claimed: str | None = Field(default=None, pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
    currency: Literal["USD", "EUR", "GBP"] | None = None
    incident_date: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    claimant: Claimant
    payee_account_on_file: str = Field(max_length=64)
    policy_start: str = Field(max_length=20)
    submitted_at: str = Field(max_length=20)
    prior_claims: int = Field(default=0, ge=0, le=1000)
    attachments: dict[str, bool] = Field(default_factory=dict)
    document: str = Field(default="", max_length=20_000)


def redact_claim(event: ClaimEvent, run_vault: Any, redactor: Any) -> tuple[dict[str, Any], str, int]:
    """Tokenize the record's PII fields and redact the document. Returns (record, document, count)."""
    claimant, count = tokenize_fields(event.claimant.model_dump(), _CLAIMANT_PII, run_vault)
    record = event.model_dump(exclude={"document", "claimant"})
    record["claimant"] = claimant
    record["policy_number"] = run_vault.tokenize("POLICY_NUMBER", event.policy_number)
    record["payee_account_on_file"] = run_vault.tokenize("BANK_ACCOUNT", event.payee_account_on_file)
    document, known = _replace_known(event.model_copy(update={"document": escape_tokens(event.document)}), run_vault)
    redacted = redactor.redact_text(document, vault=run_vault)
    return record, redacted.text, count + 2 + known + len(redacted.entities)


def _replace_known(event: ClaimEvent, run_vault: Any) -> tuple[str, int]:
    """Values the claims system already knows are PII wherever they appear, whatever NER thinks of them."""
    c = event.claimant
    known: list[tuple[str, str]] = [(v, t) for v, t in ((c.name, "PERSON"), (c.email, "EMAIL_ADDRESS"), (c.phone, "PHONE_NUMBER"),
                                    (c.address, "LOCATION"), (c.date_of_birth, "DATE_OF_BIRTH"),
                                    (event.policy_number, "POLICY_NUMBER"), (event.payee_account_on_file, "BANK_ACCOUNT")) if v]
    known += [(part, "PERSON") for part in c.name.split() if len(part) >= 3 and part[0].isupper()]
    text, count = event.document, 0
    for value, entity in sorted(known, key=lambda vt: -len(vt[0])):  # longest first: full name before its parts
        pattern = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
        text, n = pattern.subn(lambda _m, v=value, e=entity: run_vault.tokenize(e, v), text)
        count += n
    return text, count
