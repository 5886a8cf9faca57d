"""Money as the policy sees it: an exact integer number of minor units of a known currency.

Amounts arrive as JSON numbers or decimal strings. Floats cannot hold most decimal fractions, and a policy that
compares floats rounds (1000.0000001 looked like 1000.00, an automatic payment). So the gate turns the amount
into `Money` here, with `Decimal` arithmetic and no rounding: an amount with more decimals than its currency
has (10.123 USD, 10.5 JPY), a number that is not finite, a bool or a currency this table does not know is
refused with a short, fixed reason (`MoneyError.reason`, one of `MONEY_ERRORS`) that the policy may echo.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

CURRENCY_EXPONENTS: dict[str, int] = {
    # the currencies the shipped policy data pays in
    "USD": 2, "EUR": 2, "GBP": 2,
    # common ISO 4217 currencies, so a payment in one is judged (and refused by policy) rather than unreadable
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "HKD": 2, "HUF": 2, "ILS": 2,
    "INR": 2, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "ZAR": 2,
    "CLP": 0, "ISK": 0, "JPY": 0, "KRW": 0, "VND": 0,
    "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}
"""Minor-unit exponent per ISO 4217 code: 2 means cents (1.00 USD = 100 minor units)."""

MAX_MINOR = 2**53 - 1
"""Largest amount in minor units: exact as a JSON number for every consumer (OPA, rego-cpp, JavaScript)."""

_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,30})(?:\.[0-9]{1,30})?")
"""A decimal string as JSON writes a number, without exponent, sign '+', spaces or non-ASCII digits."""

NOT_A_NUMBER = "amount is not a number"
NOT_FINITE = "amount is not a finite number"
TOO_PRECISE = "amount has more decimals than the currency allows"
NEGATIVE_ZERO = "amount is negative zero"
OUT_OF_RANGE = "amount is out of range"
UNKNOWN_CURRENCY = "currency is not a known ISO 4217 code"

MONEY_ERRORS: tuple[str, ...] = (NOT_A_NUMBER, NOT_FINITE, TOO_PRECISE, NEGATIVE_ZERO, OUT_OF_RANGE, UNKNOWN_CURRENCY)
"""Every reason `parse_amount` gives: the gate passes one as `input.money_error`; payments.rego knows them all."""


class MoneyError(ValueError):
    """The amount cannot be judged as money; `reason` is one of `MONEY_ERRORS` (never the input itself)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Money(BaseModel):
    """An exact amount: `amount_minor` minor units of `currency` (10**-exponent of the major unit)."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    amount_minor: int
    currency: str
    exponent: int

    @model_validator(mode="after")
    def _known(self) -> Money:
        if CURRENCY_EXPONENTS.get(self.currency) != self.exponent:
            raise ValueError(f"{self.currency} does not have {self.exponent} decimals")
        if abs(self.amount_minor) > MAX_MINOR:
            raise ValueError(OUT_OF_RANGE)
        return self

    def to_decimal(self) -> Decimal:
        """The amount in major units, exactly (Decimal('1000.00') for 100000 USD cents)."""
        return Decimal(self.amount_minor).scaleb(-self.exponent)

    def format(self) -> str:
        """'1000.00 USD': every decimal the currency has, no grouping, then the code."""
        return f"{self.to_decimal():.{self.exponent}f} {self.currency}"

    def as_input(self) -> dict[str, Any]:
        """The policy input form: `input.money`."""
        return {"amount_minor": self.amount_minor, "currency": self.currency, "exponent": self.exponent}


def parse_amount(raw: Any, currency: Any) -> Money:
    """The exact Money for a JSON amount (int, float, Decimal or decimal string) in `currency`; MoneyError otherwise.

    Pass the amount as the request's JSON had it: `Decimal` from `json.loads(..., parse_float=Decimal)` is exact;
    a float is read through its shortest repr (1000.0000001 stays 1000.0000001 and is refused for USD).
    Trailing zeros are fine (1000.000 USD is 100000 cents): only a non-zero digit beyond the currency's
    decimals makes the amount inexact. Negative amounts are returned as such (the policy refuses them).
    """
    if not isinstance(currency, str) or currency not in CURRENCY_EXPONENTS:
        raise MoneyError(UNKNOWN_CURRENCY)
    exponent = CURRENCY_EXPONENTS[currency]
    value = _to_decimal(raw)
    if not value.is_finite():
        raise MoneyError(NOT_FINITE)
    if value.is_zero() and value.is_signed():
        raise MoneyError(NEGATIVE_ZERO)
    # Integer arithmetic on the digits: Decimal.scaleb and normalize would round to the context's 28 digits.
    sign, digits, exp = value.as_tuple()
    text = "".join(map(str, digits))
    significant = text.rstrip("0") or "0"
    exp = 0 if significant == "0" else exp + len(text) - len(significant)
    shift = exp + exponent
    if shift < 0:
        raise MoneyError(TOO_PRECISE)
    if len(significant) + shift > len(str(MAX_MINOR)):
        raise MoneyError(OUT_OF_RANGE)
    amount_minor = int(significant) * 10**shift * (-1 if sign else 1)
    if abs(amount_minor) > MAX_MINOR:
        raise MoneyError(OUT_OF_RANGE)
    return Money(amount_minor=amount_minor, currency=currency, exponent=exponent)


def _to_decimal(raw: Any) -> Decimal:
    kind = type(raw)
    if kind is int:
        if abs(raw) > 10**30:  # also keeps Decimal(int) clear of Python's int-to-text digit limit
            raise MoneyError(OUT_OF_RANGE)
        return Decimal(raw)
    if kind is float:
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise MoneyError(NOT_FINITE)
        return Decimal(repr(raw))
    if kind is Decimal:
        if raw.is_nan():
            raise MoneyError(NOT_FINITE)
        return raw
    if kind is str:
        if not _DECIMAL_TEXT.fullmatch(raw):
            raise MoneyError(NOT_A_NUMBER)
        return Decimal(raw)
    raise MoneyError(NOT_A_NUMBER)  # bool, None, lists, objects, int/str subclasses


def money_fields(args: Any) -> dict[str, Any]:
    """What the gate adds to a `payments.issue` policy input: `{"money": {...}}` or `{"money_error": reason}`."""
    if not isinstance(args, dict):
        return {"money_error": NOT_A_NUMBER}
    try:
        return {"money": parse_amount(args.get("amount"), args.get("currency")).as_input()}
    except MoneyError as exc:
        return {"money_error": exc.reason}
