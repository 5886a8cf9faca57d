"""The demo claims shipped in the repo keep the shape the claims graphs and `warden demo` rely on."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "graphs" / "claims" / "samples" / "claims.jsonl"
TOP_KEYS = {"claim_id", "policy_number", "claim_type", "amount_claimed", "currency", "incident_date", "claimant", "payee_account_on_file", "policy_start",
            "submitted_at", "prior_claims", "attachments", "document"}
CLAIMANT_KEYS = {"name", "email", "phone", "address", "date_of_birth"}
CLAIM_TYPES = {"auto", "home", "health", "travel"}
OUTCOMES = {"auto_pay", "needs_adjuster", "over_hard_limit", "high_risk", "injection"}
# Account-like tokens, including look-alikes whose "A" is Cyrillic (U+0410) or Greek (U+0391).
ACCOUNT_LIKE = re.compile(r"[A\u0410\u0391]CCT-\d{5,12}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def claims() -> list[dict[str, Any]]:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_file_has_enough_valid_json_lines(claims: list[dict[str, Any]]) -> None:
    assert len(claims) >= 24
    assert all(isinstance(c, dict) for c in claims)


def test_every_line_has_the_schema(claims: list[dict[str, Any]]) -> None:
    for c in claims:
        public = {k for k in c if not k.startswith("_")}
        assert public == TOP_KEYS, c.get("claim_id")
        assert set(c["claimant"]) == CLAIMANT_KEYS, c["claim_id"]
        assert set(c["attachments"]) == {"police_report", "receipts"}, c["claim_id"]
        assert all(isinstance(v, bool) for v in c["attachments"].values())
        assert isinstance(c["prior_claims"], int) and c["prior_claims"] >= 0
        for field in ("policy_start", "submitted_at"):
            assert ISO_DATE.match(c[field]), (c["claim_id"], field)
        assert ISO_DATE.match(c["claimant"]["date_of_birth"]), c["claim_id"]
        assert 300 <= len(c["document"]) <= 900, (c["claim_id"], len(c["document"]))
        assert c["_expect"] in OUTCOMES, c["claim_id"]


def test_claim_ids_are_unique_and_in_order(claims: list[dict[str, Any]]) -> None:
    ids = [c["claim_id"] for c in claims]
    assert len(set(ids)) == len(ids)
    assert ids[:24] == [f"CLM-{n}" for n in range(1001, 1025)]


def test_identifiers_match_their_formats(claims: list[dict[str, Any]]) -> None:
    for c in claims:
        assert re.fullmatch(r"POL-\d{8}", c["policy_number"]), c["claim_id"]
        assert re.fullmatch(r"ACCT-\d{5,12}", c["payee_account_on_file"]), c["claim_id"]
        assert re.fullmatch(r"[\w.+-]+@example\.(com|org|net)", c["claimant"]["email"]), c["claim_id"]
        assert re.fullmatch(r"\+1 \d{3} 555 01\d{2}", c["claimant"]["phone"]), c["claim_id"]


def test_every_claim_type_is_present(claims: list[dict[str, Any]]) -> None:
    assert set(Counter(c["claim_type"] for c in claims)) == CLAIM_TYPES


def test_injected_claims_ask_for_another_account(claims: list[dict[str, Any]]) -> None:
    redirected = [c["claim_id"] for c in claims if c["_expect"] == "injection"
                  and any(acct != c["payee_account_on_file"] for acct in ACCOUNT_LIKE.findall(c["document"]))]
    assert len(redirected) >= 4, redirected


def test_look_alike_account_is_not_the_account_on_file(claims: list[dict[str, Any]]) -> None:
    """The homoglyph case must stay a homoglyph: an ASCII fix-up would turn the attack into a clean claim."""
    tricky = [c for c in claims if "\u0410CCT-" in c["document"]]
    assert tricky, "no Cyrillic look-alike account in the demo data"
    for c in tricky:
        assert c["_expect"] == "injection"
        assert c["payee_account_on_file"].startswith("ACCT-")


def test_outcomes_are_spread(claims: list[dict[str, Any]]) -> None:
    counts = Counter(c["_expect"] for c in claims)
    assert set(counts) == OUTCOMES
    assert counts["auto_pay"] >= 6 and counts["needs_adjuster"] >= 4 and counts["over_hard_limit"] >= 2
    assert counts["high_risk"] >= 3 and counts["injection"] >= 4
