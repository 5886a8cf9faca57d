"""Amounts become exact integer minor units of a known currency, or a fixed reason why not."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from guardrails.money import (
    CURRENCY_EXPONENTS,
    MONEY_ERRORS,
    NEGATIVE_ZERO,
    NOT_A_NUMBER,
    NOT_FINITE,
    OUT_OF_RANGE,
    TOO_PRECISE,
    UNKNOWN_CURRENCY,
    Money,
    MoneyError,
    money_fields,
    parse_amount,
)
from guardrails.policy import default_policy_dir


@pytest.mark.parametrize(("raw", "currency", "minor"), [
    (1000.00, "USD", 100_000),
    (1000, "USD", 100_000),
    ("1000.5", "USD", 100_050),
    ("1000.000", "USD", 100_000),  # trailing zeros are exact
    (Decimal("1000.10"), "USD", 100_010),
    (Decimal("5E+3"), "USD", 500_000),
    (0.1, "USD", 10),  # the float's shortest repr, not 0.1000000000000000055...
    (850, "EUR", 85_000),
    (10, "JPY", 10),
    ("0.125", "KWD", 125),
    (-5, "USD", -500),  # the policy refuses it; parsing stays exact
    (0, "GBP", 0),
])
def test_exact_amounts(raw: object, currency: str, minor: int) -> None:
    money = parse_amount(raw, currency)
    assert money == Money(amount_minor=minor, currency=currency, exponent=CURRENCY_EXPONENTS[currency])


@pytest.mark.parametrize(("raw", "currency", "reason"), [
    (1000.0000001, "USD", TOO_PRECISE),  # looked like 1000.00 to a float policy, and was auto-paid
    (25000.0000001, "USD", TOO_PRECISE),
    (Decimal("1000.0000000000000000000000001"), "USD", TOO_PRECISE),  # beyond Decimal's 28-digit context
    (Decimal("1E-1000000"), "USD", TOO_PRECISE),
    ("0.001", "USD", TOO_PRECISE),
    (10.123, "JPY", TOO_PRECISE),
    (10.5, "JPY", TOO_PRECISE),
    ("0.0001", "KWD", TOO_PRECISE),
    (float("nan"), "USD", NOT_FINITE),
    (float("inf"), "USD", NOT_FINITE),
    (Decimal("NaN"), "USD", NOT_FINITE),
    (Decimal("sNaN"), "USD", NOT_FINITE),
    (Decimal("-Infinity"), "USD", NOT_FINITE),
    (-0.0, "USD", NEGATIVE_ZERO),
    ("-0.00", "USD", NEGATIVE_ZERO),
    (True, "USD", NOT_A_NUMBER),
    (None, "USD", NOT_A_NUMBER),
    ([1], "USD", NOT_A_NUMBER),
    ("850 USD", "USD", NOT_A_NUMBER),
    (" 850", "USD", NOT_A_NUMBER),
    ("+850", "USD", NOT_A_NUMBER),
    ("1e3", "USD", NOT_A_NUMBER),
    ("NaN", "USD", NOT_A_NUMBER),
    ("1_000", "USD", NOT_A_NUMBER),
    ("٨٥٠", "USD", NOT_A_NUMBER),  # Arabic-Indic digits: Decimal would read them
    ("850.", "USD", NOT_A_NUMBER),
    (1e300, "USD", OUT_OF_RANGE),
    (2**70, "USD", OUT_OF_RANGE),
    (10**400, "USD", OUT_OF_RANGE),
    (Decimal("1E+1000000"), "USD", OUT_OF_RANGE),
    (850, "BTC", UNKNOWN_CURRENCY),
    (850, "usd", UNKNOWN_CURRENCY),
    (850, None, UNKNOWN_CURRENCY),
])
def test_refused_amounts(raw: object, currency: object, reason: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_amount(raw, currency)
    assert caught.value.reason == reason and reason in MONEY_ERRORS


def test_amounts_read_from_json_text_as_decimals_are_exact() -> None:
    """What the gate does with the raw request: a float would have rounded 1000.0000000000000001 to 1000.0."""
    args = json.loads('{"amount": 1000.0000000000000001, "currency": "USD"}', parse_float=Decimal)
    assert money_fields(args) == {"money_error": TOO_PRECISE}
    assert money_fields(json.loads('{"amount": 1000.00, "currency": "USD"}', parse_float=Decimal)) == {
        "money": {"amount_minor": 100_000, "currency": "USD", "exponent": 2}}


def test_money_formats_from_minor_units() -> None:
    assert parse_amount("1000", "USD").format() == "1000.00 USD"
    assert parse_amount(7, "JPY").format() == "7 JPY"
    assert parse_amount("0.05", "KWD").format() == "0.050 KWD"
    assert parse_amount("12.34", "EUR").to_decimal() == Decimal("12.34")


def test_money_is_checked_when_built() -> None:
    with pytest.raises(ValueError):
        Money(amount_minor=1, currency="USD", exponent=3)
    with pytest.raises(ValueError):
        Money(amount_minor=1.5, currency="USD", exponent=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(amount_minor=1, currency="XXX", exponent=2)


def test_every_currency_the_policy_pays_in_is_known_with_its_decimals() -> None:
    limits = json.loads((default_policy_dir() / "data.json").read_text())["payments"]["limits"]
    for code, spec in limits.items():
        assert CURRENCY_EXPONENTS[code] == spec["exponent"]


def test_the_policy_knows_every_money_error() -> None:
    """payments.rego echoes `money_error` only when it is one of these texts."""
    text = (default_policy_dir() / "payments.rego").read_text()
    for reason in MONEY_ERRORS:
        assert f'"{reason}"' in text
