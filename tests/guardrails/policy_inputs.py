"""Policy inputs for the rule tests: the sample payment, and builders for the other tools and for changed fields.

Shared by the policy tests (test_policy_rules.py, test_policy_regopy_engine.py and the engine comparisons).
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from guardrails.money import money_fields
from guardrails.policy_samples import SAMPLE_PAYMENT_INPUT

BASE: dict[str, Any] = SAMPLE_PAYMENT_INPUT


def make_input(tool: str | None = None, args: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """The canonical payment input, with another tool/args and top-level fields replaced."""
    doc = copy.deepcopy(BASE)
    if args is not None:
        doc["args"] = copy.deepcopy(args)
    if tool:
        doc["tool"] = tool
        doc["provenance"] = {k: "model" for k in doc["args"]}
    doc.update(copy.deepcopy(top))
    return read_money(doc) if "money" not in top else doc


def read_money(doc: dict[str, Any]) -> dict[str, Any]:
    """What the gate adds for a payment: `money` read exactly from the arguments, or `money_error`."""
    doc.pop("money", None)
    doc.pop("money_error", None)
    if doc.get("tool") == "payments.issue":
        doc.update(money_fields(doc.get("args")))
    return doc


def pay(**args: Any) -> dict[str, Any]:
    return make_input(args={**BASE["args"], **args})


def pay_with(mutate: Callable[[dict[str, Any]], None], *, gate_reads_money: bool = True) -> dict[str, Any]:
    """The sample payment changed by `mutate`; the gate's `money` is read again from the changed arguments
    unless `gate_reads_money` is False (to test the policy against a money field the gate did not write)."""
    doc = make_input()
    mutate(doc)
    return read_money(doc) if gate_reads_money else doc


def paid(minor: int, currencies: list[str] | None = None, **args: Any) -> dict[str, Any]:
    """A payment on a claim that already has `minor` units paid or held in its currency."""
    doc = pay(**args)
    doc["state"].update(claim_paid_minor=minor, claim_currencies=["USD"] if currencies is None else currencies)
    return doc


def notify(channel: str, to: str, subject: str = "Your claim", roles: list[str] | None = None, **ctx: Any) -> dict[str, Any]:
    doc = make_input("notifications.send", {"channel": channel, "to": to, "subject": subject, "body": "Update on your claim."})
    if roles is not None:
        doc["principal"]["roles"] = roles
    doc["context"]["claim"].update(ctx)
    return doc


def reserve(quantity: Any, reserved: int = 0, roles: list[str] | None = None) -> dict[str, Any]:
    doc = make_input("provisioning.reserve", {"resource": "gpu-a100", "quantity": quantity, "reason": "forecast"})
    doc["state"]["principal_reserved_total"] = reserved
    if roles is not None:
        doc["principal"]["roles"] = roles
    return doc


def order(quantity: Any = 100, unit_price: Any = "12.50", currency: str = "USD", supplier_spent: int = 0,
          day_spent: int = 0, roles: list[str] | None = None) -> dict[str, Any]:
    """A purchase order with the gate's exact unit price and today's spend from its store."""
    doc = make_input("purchasing.order", {"order_id": "PO-INV-1001", "sku": "SKU-1001", "supplier_id": "SUP-ACME",
                                          "quantity": quantity, "unit_price": unit_price, "currency": currency})
    doc["context"] = {"inventory": {"sku": "SKU-1001", "supplier_id": "SUP-ACME"}}
    doc["state"].update(supplier_day_spend_minor=supplier_spent, day_spend_minor=day_spent)
    doc.update(money_fields({"amount": unit_price, "currency": currency}))
    if roles is not None:
        doc["principal"]["roles"] = roles
    return doc


def release(owner: str | None, roles: list[str] | None = None) -> dict[str, Any]:
    """A release; `owner` is who the gate recorded as reserving it (None: the gate never saw the reservation)."""
    doc = make_input("provisioning.release", {"reservation_id": "RES-CHECKOUT-0900"})
    doc["state"]["reservation"] = None if owner is None else {"principal": owner, "released": False}
    if roles is not None:
        doc["principal"]["roles"] = roles
    return doc


def as_principal(doc: dict[str, Any], **principal: Any) -> dict[str, Any]:
    doc["principal"] = principal
    return doc


def set_at(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to one dotted field of an input (`DELETED` removes it), for `pay_with`."""
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[part]
        if value is DELETED:
            node.pop(last, None)
        else:
            node[last] = value
    return mutate


DELETED = object()
