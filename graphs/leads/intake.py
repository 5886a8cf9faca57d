"""The new-lead event as the CRM publishes it, and its tokenization before anything enters graph state."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graphs.intake import escape_tokens, tokenize_fields
from graphs.leads.record import valid_timezone

_CONTACT_PII = {"name": "PERSON", "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER"}


class Contact(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)


class Consent(BaseModel):
    """What the lead agreed to be contacted by, as the CRM recorded it (absent: no consent)."""

    model_config = ConfigDict(extra="ignore")
    email: bool = False


class LeadEvent(BaseModel):
    """`events.leads.created`: the CRM's record of a new lead plus the lead's own (untrusted) message."""

    model_config = ConfigDict(extra="ignore")
    lead_id: str = Field(pattern=r"^LEAD-[0-9A-Za-z-]{1,40}$")
    company: str = Field(max_length=200)
    contact: Contact
    employees: int = Field(ge=1, le=10_000_000)
    budget_usd: float = Field(ge=0, le=1e9)
    site_visits: int = Field(default=0, ge=0, le=100_000)
    demo_requested: bool = False
    source: Literal["web", "referral", "event", "outbound"] = "web"
    message: str = Field(default="", max_length=10_000)
    consent: Consent = Field(default_factory=Consent)
    timezone: str | None = Field(default=None, max_length=64)
    """The lead's IANA time zone (quiet hours are the lead's local hours)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and valid_timezone(value) is None:
            raise ValueError(f"unknown time zone {value[:64]!r}")
        return value


def prepare_lead(run_id: str, payload: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    """Validate the lead and tokenize its contact and message PII before anything enters graph state."""
    event = LeadEvent.model_validate({k: v for k, v in payload.items() if not k.startswith("_")})
    run_vault = vault.for_run(run_id)
    contact, count = tokenize_fields(event.contact.model_dump(), _CONTACT_PII, run_vault)
    record = event.model_dump(exclude={"contact", "message"})
    record["contact"] = contact
    message = redactor.redact_text(escape_tokens(event.message), vault=run_vault) if event.message else None
    return {"run_id": run_id, "lead": record, "message": message.text if message else "",
            "intake_redactions": count + (len(message.entities) if message else 0), "reasons": [], "calls": []}
