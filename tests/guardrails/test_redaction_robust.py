"""Redaction holds on text nobody here wrote: other phrasings, case and Unicode tricks, hostile sizes and shapes."""
from __future__ import annotations

import asyncio
import time

import pytest

from guardrails.recognizers import PatternPass, protected_spans
from guardrails.redaction import Redactor, RedactionRefused
from guardrails.redaction_addresses import find_addresses
from guardrails.redaction_names import (
    find_rare_capitalised,
    find_structured_names,
    names_from_emails,
    propagate,
    truecase,
)
from guardrails.text_normalize import normalize
from redaction_findings import found as _found


@pytest.mark.parametrize(
    ("text", "entity_type", "value"),
    [
        ("Name: Emilie Nielsen\nPhone: 040-031-517", "PERSON", "Emilie Nielsen"),
        ("Name: Emilie Nielsen\nPhone: 040-031-517", "PHONE_NUMBER", "040-031-517"),
        ("Phone:\n(029) 0059-366", "PHONE_NUMBER", "(029) 0059-366"),
        ("You can call +1 485 023 5222 today", "PHONE_NUMBER", "+1 485 023 5222"),
        ("Call 1-800-FLOWERS for a bouquet", "PHONE_NUMBER", "1-800-FLOWERS"),
        ("Please charge my credit card. Number is 4351292212195107249", "CREDIT_CARD", "4351292212195107249"),
        ("card 2491304377840010", "CREDIT_CARD", "2491304377840010"),
        ("cc 213181373253559", "CREDIT_CARD", "213181373253559"),
        ("Amex 3782-822463-10005 on file", "CREDIT_CARD", "3782-822463-10005"),
        ("ship it to 00774 Guerrero Divide, Gordonborough", "LOCATION", "00774 Guerrero Divide, Gordonborough"),
        ("PSC 3538, Box 6140 APO AP 28834", "LOCATION", "PSC 3538, Box 6140 APO AP 28834"),
        ("USNS Brown\nFPO AE 09391", "LOCATION", "USNS Brown\nFPO AE 09391"),
        ("Wohnt in Hauptstraße 12, 10115 Berlin seit Mai", "LOCATION", "Hauptstraße 12, 10115 Berlin"),
        ("Send to 12 rue de la Paix, 75002 Paris please", "LOCATION", "12 rue de la Paix, 75002 Paris"),
        ("Please send it to 10 Downing Street, London SW1A 2AA today.", "LOCATION",
         "10 Downing Street, London SW1A 2AA"),
        ("Hi,\nplease update my address to\n742 Evergreen Terrace\nSpringfield, IL 62704\nThanks", "LOCATION",
         "742 Evergreen Terrace\nSpringfield, IL 62704"),
        ("JOHN SMITH, 12 OAK ST, DENVER CO 80202", "LOCATION", "12 OAK ST, DENVER CO 80202"),
        ("JOHN SMITH, 12 OAK ST, DENVER CO 80202", "PERSON", "JOHN SMITH"),
        ("john smith lives at 12 oak street", "LOCATION", "12 oak street"),
        ("Regards,\nKhasbulat Shishani", "PERSON", "Khasbulat Shishani"),
        ("Dear Miłosław Kozłowski, thank you.", "PERSON", "Miłosław Kozłowski"),
        ("SSN is 123 45 6789", "US_SSN", "123 45 6789"),
        ("renew pol-12345678 soon", "POLICY_NUMBER", "pol-12345678"),
        ("pay acct-0012345 now", "BANK_ACCOUNT", "acct-0012345"),
        ("iban de89370400440532013000 thanks", "IBAN_CODE", "de89370400440532013000"),
        ("mail jo\u200bhn@exa\u200bmple.com now", "EMAIL_ADDRESS", "jo\u200bhn@exa\u200bmple.com"),
        ("mail ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "EMAIL_ADDRESS", "ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
        ("MARIA GONZALEZ LIVES AT 1234 OAK STREET", "LOCATION", "1234 OAK STREET"),
    ],
)
def test_pii_written_elsewhere_is_found_at_original_offsets(redactor, text, entity_type, value):
    assert (entity_type, value) in _found(redactor, text)


def test_upper_case_names_are_found(redactor):
    found = _found(redactor, "CLAIMANT: MARIA GONZALEZ, POLICY POL-12345678")
    assert any(t == "PERSON" and "MARIA GONZALEZ" in v for t, v in found)


@pytest.mark.parametrize(
    "text",
    [
        "Claim CLM-1001 was approved for $850.00 on 2024-03-02 under the water damage clause.",
        "The deductible of EUR 1,200.50 applies to incidents reported after 03/02/2024.",
    ],
)
def test_claim_ids_amounts_incident_dates_and_policy_wording_survive(redactor, text):
    assert redactor.analyze(text) == []


def test_normalised_offsets_index_the_original_text():
    norm = normalize("a\u200bb ｃ")
    assert norm.text == "ab c"
    assert norm.to_original(0, 2) == (0, 3)
    assert norm.to_original(3, 4) == (4, 5)


# Inputs that make a backtracking engine go quadratic or worse, one family per recognizer kept.
PATHOLOGICAL = [
    "a." * 10000 + "@",  # Presidio's email pattern: 61 s at 20,000 characters
    "a" * 20000 + "@" + "b." * 5000,
    "1 " * 10000,  # card / phone / SSN runs
    "1-" * 10000,
    "(1" * 10000,
    "+" + "1 " * 10000,
    "1." * 10000,  # IPv4 / dates
    "1:" * 10000,  # IPv6
    "DE89 " * 4000,  # IBAN
    "12 " + "Oak " * 5000 + "x",  # street addresses
    "12 rue " + "de " * 5000,
    "Mr " + "Aa " * 6000,  # name cues
    "Name: " + "Aa " * 6000,
    "<" + "A" * 20000,  # vault tokens
    "acct-" * 4000,
    "\u200b" * 10000 + "x@y.com",
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=[repr(t[:12]) for t in PATHOLOGICAL])
def test_every_pattern_finishes_pathological_inputs_in_linear_time(text):
    # Everything but spaCy (linear, but ~0.1 ms a token; bounded by the budget test below).
    patterns = PatternPass()
    t0 = time.perf_counter()
    norm = normalize(text).text
    cased = truecase(norm)
    spans = patterns.find(norm)
    list(find_addresses(cased))
    blocked = protected_spans(norm)
    names = list(find_structured_names(cased))
    list(names_from_emails(cased, [s for s in spans if s.type == "EMAIL_ADDRESS"], blocked))
    list(propagate(cased, names, blocked))
    list(find_rare_capitalised(cased, blocked))
    assert time.perf_counter() - t0 < 2.0  # generous: catastrophic backtracking takes minutes, not seconds


def test_pathological_email_input_through_the_whole_redactor_stays_bounded(redactor):
    t0 = time.perf_counter()
    result = redactor.redact_text("a." * 10000 + "@")
    assert result.entities == []
    assert time.perf_counter() - t0 < 10.0  # stock Presidio: about 20 s on this input


@pytest.mark.parametrize("text", ["jo@x.com " * 5000, "Maria Gonzalez, " * 3000, "12 Oak Street, " * 3000])
def test_thousands_of_findings_in_one_text_stay_linear(text):
    # Overlap checks between every pair of spans would be quadratic: seconds here, minutes at the size limit.
    redactor = Redactor(cache_size=0, budget_s=60)
    t0 = time.perf_counter()
    entities = redactor.analyze(text)
    assert len(entities) >= 3000
    assert time.perf_counter() - t0 < 10.0


def test_text_over_the_size_limit_is_refused_not_half_redacted():
    small = Redactor(cache_size=0, max_chars=1000)
    with pytest.raises(RedactionRefused) as info:
        small.redact_text("Maria Gonzalez " * 100)
    assert info.value.reason == "too_large"
    with pytest.raises(RedactionRefused):
        small.redact_args({"body": "x" * 1001})


def test_text_over_the_time_budget_is_refused():
    slow = Redactor(cache_size=0, budget_s=0.0)
    with pytest.raises(RedactionRefused) as info:
        slow.redact_text("Maria Gonzalez called.")
    assert info.value.reason == "over_budget"


def test_bounded_redaction_runs_off_the_event_loop(redactor):
    async def main() -> tuple[str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        result = await redactor.redact_text_bounded("Customer Maria Gonzalez, card 4111 1111 1111 1111. " * 200)
        args, found = await redactor.redact_args_bounded({"body": "Email pat@example.com"})
        task.cancel()
        assert args == {"body": "Email <EMAIL_ADDRESS>"} and found == [("args.body", "EMAIL_ADDRESS")]
        return result.text, ticks

    text, ticks = asyncio.run(main())
    assert "4111" not in text and "Maria" not in text
    assert ticks > 0  # the loop kept running while the worker thread redacted


def test_bounded_redaction_refuses_over_size_before_any_work():
    small = Redactor(cache_size=0, max_chars=10)
    with pytest.raises(RedactionRefused):
        asyncio.run(small.redact_text_bounded("x" * 11))
