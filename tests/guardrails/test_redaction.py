"""Redaction finds every contract PII type at the right offsets and leaves claim ids, amounts and dates alone."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from guardrails.redaction import Entity, RedactInputError, Redactor, redact_jsonl
from guardrails.vault import Vault
from redaction_findings import found as _found


@pytest.mark.parametrize(
    ("text", "entity_type", "value"),
    [
        ("Customer Maria Gonzalez called about her claim.", "PERSON", "Maria Gonzalez"),
        ("Please write to maria.gonzalez@example.com today.", "EMAIL_ADDRESS", "maria.gonzalez@example.com"),
        ("Call me back on +1 415 555 0142 after lunch.", "PHONE_NUMBER", "+1 415 555 0142"),
        ("Call me back on (212) 836-4410 after lunch.", "PHONE_NUMBER", "(212) 836-4410"),
        ("The card 4111 1111 1111 1111 was charged twice.", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("Her SSN is 536-22-1234 per the form.", "US_SSN", "536-22-1234"),
        ("Wire it to DE89 3704 0044 0532 0130 00 please.", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ("Login came from 10.0.0.12 last night.", "IP_ADDRESS", "10.0.0.12"),
        ("Login came from 2001:db8:85a3::8a2e last night.", "IP_ADDRESS", "2001:db8:85a3::8a2e"),
        ("She lives at 1234 Oak Street with her sister.", "LOCATION", "1234 Oak Street"),
        ("The claimant moved to Chicago last year.", "LOCATION", "Chicago"),
        ("The insured was born on 1985-07-14 in a small town.", "DATE_OF_BIRTH", "1985-07-14"),
        ("DOB: March 3, 1979. Thanks.", "DATE_OF_BIRTH", "March 3, 1979"),
        ("Renewal for POL-12345678 is due.", "POLICY_NUMBER", "POL-12345678"),
        ("Pay out to ACCT-77812 as agreed.", "BANK_ACCOUNT", "ACCT-77812"),
        ("Pay out to ACCT-123456789012 as agreed.", "BANK_ACCOUNT", "ACCT-123456789012"),
    ],
)
def test_each_contract_entity_type_is_found_with_exact_offsets(redactor, text, entity_type, value):
    assert (entity_type, value) in _found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Claim CLM-1001 was approved for $850.00 on 2024-03-02.",
        "Refund 850 USD for CLM-2002; the incident happened on March 3, 2024.",
        "Paid EUR 1,200.50 in currency EUR for ticket TKT-55120 on 03/02/2024.",
        "The Pixel 8 and the Galaxy S23 were both damaged on 12 June 2023.",
    ],
)
def test_claim_ids_amounts_incident_dates_and_products_survive(redactor, text):
    redacted = redactor.redact_text(text)
    assert redacted.entities == []
    assert redacted.text == text


def test_ip_address_is_not_mistaken_for_a_date(redactor):
    text = "Upload from 192.168.10.24 on 2024-03-02 for claim CLM-1001."
    assert _found(redactor, text) == [("IP_ADDRESS", "192.168.10.24")]


def test_incident_date_next_to_a_birth_date_survives(redactor):
    text = "DOB: 12/25/1974. Incident date: September 28, 2024. Claim CLM-83121."
    assert _found(redactor, text) == [("DATE_OF_BIRTH", "12/25/1974")]


def test_street_address_and_its_city_are_one_location(redactor):
    text = "Send the check to 1234 Oak Street, Springfield by Friday."
    assert _found(redactor, text) == [("LOCATION", "1234 Oak Street, Springfield")]


def test_redact_text_replaces_with_type_placeholders(redactor):
    text = "Customer Maria Gonzalez (maria.gonzalez@example.com) asked about CLM-1001."
    redacted = redactor.redact_text(text)
    assert redacted.text == "Customer <PERSON> (<EMAIL_ADDRESS>) asked about CLM-1001."
    assert [e.type for e in redacted.entities] == ["PERSON", "EMAIL_ADDRESS"]
    assert all(isinstance(e, Entity) for e in redacted.entities)
    assert text[redacted.entities[1].start : redacted.entities[1].end] == "maria.gonzalez@example.com"


def test_redact_text_with_a_vault_uses_stable_tokens(redactor, tmp_path: Path):
    vault = Vault(tmp_path / "vault.sqlite3", Fernet.generate_key())
    run = vault.for_run("run-1")
    first = redactor.redact_text("Email pat@example.com or jo@example.com.", vault=run)
    again = redactor.redact_text("Reply to jo@example.com.", vault=run)
    assert first.text == "Email <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_2>."
    assert again.text == "Reply to <EMAIL_ADDRESS_2>."
    assert (run.resolve("<EMAIL_ADDRESS_1>"), run.resolve("<EMAIL_ADDRESS_2>")) == ("pat@example.com", "jo@example.com")


def test_redact_args_walks_nested_values_and_reports_paths(redactor):
    args = {
        "channel": "email",
        "to": "pat@example.com",
        "subject": "Your claim CLM-1001",
        "body": "Dear Maria Gonzalez, we paid $850.00 to ACCT-77812.",
        "attachments": [{"note": "Card 4111 1111 1111 1111 on file"}, "<PERSON_1>"],
        "amount": 850.0,
    }
    new_args, redactions = redactor.redact_args(args)
    assert new_args["body"] == "Dear <PERSON>, we paid $850.00 to <BANK_ACCOUNT>."
    assert new_args["to"] == "<EMAIL_ADDRESS>"
    assert new_args["subject"] == "Your claim CLM-1001"
    assert new_args["attachments"] == [{"note": "Card <CREDIT_CARD> on file"}, "<PERSON_1>"]
    assert new_args["amount"] == 850.0 and new_args["channel"] == "email"
    assert redactions == [
        ("args.to", "EMAIL_ADDRESS"),
        ("args.body", "PERSON"),
        ("args.body", "BANK_ACCOUNT"),
        ("args.attachments[0].note", "CREDIT_CARD"),
    ]
    assert args["body"].startswith("Dear Maria"), "the input must not be modified"


def test_redact_args_is_schema_aware_and_honours_exclusions(redactor):
    args = {"claimant_name": "Jo Bloggs", "claim_id": "CLM-1001", "payee_account": "ACCT-77812"}
    new_args, redactions = redactor.redact_args(args, path="context.claim", exclude=["context.claim.payee_account"])
    assert new_args == {"claimant_name": "<PERSON>", "claim_id": "CLM-1001", "payee_account": "ACCT-77812"}
    assert redactions == [("context.claim.claimant_name", "PERSON")]


def test_entities_argument_limits_what_is_found():
    only_email = Redactor(entities=["EMAIL_ADDRESS"])
    text = "Maria Gonzalez, maria@example.com, +1 415 555 0142"
    assert [e.type for e in only_email.analyze(text)] == ["EMAIL_ADDRESS"]
    with pytest.raises(ValueError, match="unsupported entity types"):
        Redactor(entities=["DATE_TIME"])


def test_concurrent_callers_get_the_same_answers(redactor):
    texts = [f"Customer Maria Gonzalez #{i} lives at {i} Oak Street, Boston; call 212-836-{4400 + i}." for i in range(24)]
    expected = [Redactor(cache_size=0).analyze(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(redactor.analyze, texts)) == expected


def test_redact_jsonl_outputs_redacted_text_and_input_offsets():
    lines = [
        json.dumps({"id": 1, "text": "Customer Maria Gonzalez paid $850.00 for CLM-1001."}),
        "",
        json.dumps({"id": "b", "text": "Server 10.0.0.12, policy POL-12345678."}),
    ]
    out = [json.loads(line) for line in redact_jsonl(lines)]
    assert out == [
        {"id": 1, "text": "Customer <PERSON> paid $850.00 for CLM-1001.", "entities": [{"type": "PERSON", "start": 9, "end": 23}]},
        {
            "id": "b",
            "text": "Server <IP_ADDRESS>, policy <POLICY_NUMBER>.",
            "entities": [{"type": "IP_ADDRESS", "start": 7, "end": 16}, {"type": "POLICY_NUMBER", "start": 25, "end": 37}],
        },
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), ('{"id": 3, "text": 5}', '"text"')],
)
def test_redact_jsonl_rejects_malformed_lines_after_yielding_earlier_ones(bad, message):
    lines = [json.dumps({"id": 1, "text": "hello"}), bad]
    produced = []
    with pytest.raises(RedactInputError, match=message) as info:
        for line in redact_jsonl(lines):
            produced.append(line)
    assert info.value.line_no == 2
    assert len(produced) == 1
