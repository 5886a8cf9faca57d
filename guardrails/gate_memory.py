"""What the gate remembers of the effects it relays, and the state it hands the policy from that memory.

Every fact here is the gate's own (GateStore): totals paid and held per claim, today's purchase spend, who owns a
reservation, how many messages went to a recipient, how many calls a run, a business key and a principal made.
The caller never supplies them. One function per moment of a call: before judging (`hold`, `serial_key`), while judging (`policy_state`),
after the tool answered (`remember`) or refused (`release`).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from guardrails.contracts import Principal, ToolCallRequest
from guardrails.gate_store import GateStore
from guardrails.money import MoneyError, parse_amount
from guardrails.records import RunFacts

SEND_WINDOW_S = 7 * 24 * 3600.0
"""`state.recipient_sends_7d` counts the messages relayed to the same recipient in this window."""


Pseudonym = Callable[[str], str]
"""recipient -> a keyed digest of it (the vault's `digest`): the store counts recipients, never holds them."""


def rate_scopes(request: ToolCallRequest, principal: Principal, business_key: str | None) -> dict[str, str]:
    """What one call counts toward, by `input.state` counter. A person: per person (`calls_last_minute`). An agent:
    per run (a run cannot loop a tool), per business key of its run (many runs cannot hammer one claim), and per
    agent principal across every run of the fleet (the fleet limit, sized in data.json for the fleet's size).
    A per-graph limit alone would cap the whole fleet; a per-run limit alone would let many runs hammer one key."""
    if not principal.id.startswith("agent:"):
        return {"calls_last_minute": principal.id}
    scopes = {"calls_last_minute": f"{principal.id}|{request.run.id}", "fleet_calls_last_minute": principal.id}
    if business_key:
        scopes["key_calls_last_minute"] = f"key|{principal.id}|{business_key}"
    return scopes


def policy_state(store: GateStore, request: ToolCallRequest, args: dict[str, Any], principal: Principal, key: str,
                 money: dict[str, Any], count_call: bool, pseudonym: Pseudonym,
                 business_key: str | None = None) -> dict[str, Any]:
    """`input.state` for this call (counting it toward the rate limits when `count_call`). `business_key`: the
    key of the run's stored event (a claim id), as the gate read it (guardrails/records.py), never the caller's."""
    claim_id = args.get("claim_id") if request.tool == "payments.issue" else None
    currency = (money.get("money") or {}).get("currency")
    scopes = rate_scopes(request, principal, business_key)
    counts = dict.fromkeys(("calls_last_minute", "key_calls_last_minute", "fleet_calls_last_minute"), 0)
    if count_call:
        counts |= dict(zip(scopes, store.count_calls(list(scopes.values()), request.tool)))
    claim_ok = isinstance(claim_id, str)
    extra: dict[str, Any] = {}
    if request.tool == "purchasing.order" and currency:  # today's spend, from the gate's store only
        extra["supplier_day_spend_minor"], extra["day_spend_minor"] = store.spend_today(
            str(args.get("supplier_id")), currency, excluding=key)
    elif request.tool == "provisioning.release":  # who reserved it, as the gate recorded at reserve
        extra["reservation"] = store.reservation_owner(str(args.get("reservation_id")))
    elif request.tool == "notifications.send" and isinstance(args.get("to"), str):  # frequency caps
        extra["recipient_sends_7d"] = store.sends_since(pseudonym(args["to"]), time.time() - SEND_WINDOW_S)
    return extra | {
        "claim_paid_minor": store.claim_paid_minor(claim_id, currency, excluding=key) if claim_ok and currency else 0,
        "claim_currencies": store.claim_currencies(claim_id, excluding=key) if claim_ok else [],
        "claim_fraud_band": store.fraud_band(claim_id) if claim_ok else "unscored",
        **counts,
        "principal_reserved_total": store.principal_reserved_total(principal.id)
        if request.tool == "provisioning.reserve" else 0,
    }


def serial_key(request: ToolCallRequest | None) -> str | None:
    """Calls with the same key are judged one at a time in a process: payments of one claim, and every order
    (the day's spend is shared by all of them)."""
    if request is None:
        return None
    if request.tool == "purchasing.order":
        return "purchasing.order"
    claim_id = request.args.get("claim_id") if request.tool == "payments.issue" else None
    return claim_id if isinstance(claim_id, str) else None


def hold(store: GateStore, request: ToolCallRequest | None, key: str) -> bool:
    """Count a payment toward its claim (an order toward today's spend) before it is judged; True when this call
    placed the hold (and so releases it unless allowed)."""
    if request is not None and request.tool == "purchasing.order":
        try:
            price = parse_amount(request.args.get("unit_price"), request.args.get("currency"))
        except MoneyError:
            return False
        quantity = request.args.get("quantity")
        if type(quantity) is not int or quantity < 1:
            return False
        return store.hold_spend(key, str(request.args.get("supplier_id")), price.amount_minor * quantity, price.currency)
    if request is None or request.tool != "payments.issue":
        return False
    claim_id = request.args.get("claim_id")
    if not isinstance(claim_id, str):
        return False
    try:
        money = parse_amount(request.args.get("amount"), request.args.get("currency"))
    except MoneyError:
        return False  # the policy denies it: nothing to hold
    return store.hold_payment(key, claim_id, money.amount_minor, money.currency)


def release(store: GateStore, request: ToolCallRequest, key: str) -> None:
    """The call was denied, or the tool refused it outright: its hold no longer counts."""
    if request.tool == "payments.issue":
        store.release_payment(key)
    elif request.tool == "purchasing.order":
        store.release_spend(key)


def remember(store: GateStore, request: ToolCallRequest, args: dict[str, Any], money: dict[str, Any] | None,
             result: Any, key: str, facts: RunFacts | None, principal: Principal | None, pseudonym: Pseudonym) -> None:
    """Book what the tool did, with the real arguments the gate judged."""
    if request.tool == "payments.issue" and money:
        store.record_payment(key, str(args.get("claim_id")), money["amount_minor"], money["currency"])
    elif request.tool == "scoring.fraud_risk" and isinstance(result, dict) and result.get("band"):
        # Only a score of the claim's own run sets its band (and only upwards): a staff rescore, or a run
        # scoring another claim, informs its caller and nothing else.
        # (An in-process caller with no bus, such as a unit test's LocalToolGateway, is trusted as it stands.)
        if (facts is None and principal is None) or (facts is not None and facts.key == args.get("claim_id")):
            store.record_fraud(str(args.get("claim_id")), str(result["band"]), float(result.get("score", 0.0)))
    elif request.tool == "purchasing.order" and money:
        total = money["amount_minor"] * int(args.get("quantity", 0))
        store.record_spend(key, str(args.get("supplier_id")), total, money["currency"])
    elif request.tool == "provisioning.reserve":
        reservation = result.get("reservation_id") if isinstance(result, dict) else None
        store.record_reservation(key, (principal or request.principal).id, int(args.get("quantity", 0)),
                                 reservation if isinstance(reservation, str) else None)
    elif request.tool == "provisioning.release":
        store.record_release(str(args.get("reservation_id")))
    elif request.tool == "notifications.send" and isinstance(args.get("to"), str):
        store.record_send(key, pseudonym(args["to"]))
