"""The default policy pack, rule by rule: each rule's allowed side and denied side, through the real regopy engine.

CASES is also used by test_policy_engines.py to check that OPA decides the same. The inputs are built in
policy_inputs.py; the engine's own behaviour (data switches, reload, inputs that fail closed) is in
test_policy_regopy_engine.py.
"""
from __future__ import annotations

from typing import Any

import pytest

from guardrails.policy import RegopyEngine
from policy_inputs import (DELETED, as_principal, make_input, notify, order, paid, pay, pay_with, release, reserve,
                           set_at)

# (name, input, decision, a substring of one reason or None, approval role or None)
CASES: list[tuple[str, dict[str, Any], str, str | None, str | None]] = [
    # payments.issue
    ("payment within auto limit", make_input(), "allow", None, None),
    ("payment by staff user provenance", pay_with(set_at("provenance.payee_account", "user")), "allow", None, None),
    ("payment above auto limit needs adjuster", pay(amount=5000.0), "require_approval", "auto-approval limit of 1000.00 USD", "adjuster"),
    ("payment exactly at auto limit", pay(amount=1000), "allow", None, None),
    ("payment at auto limit, trailing zeros", pay(amount="1000.000"), "allow", None, None),
    ("payment a cent above auto limit", pay(amount=1000.01), "require_approval", "auto-approval limit of 1000.00 USD", "adjuster"),
    ("payment a fraction of a cent above auto limit", pay(amount=1000.0000001), "deny", "more decimals than the currency allows", None),
    ("payment at hard limit needs adjuster", pay(amount=25000), "require_approval", "needs an adjuster", "adjuster"),
    ("payment above hard limit", pay(amount=25000.01), "deny", "hard limit of 25000.00 USD per payment", None),
    ("payment a fraction of a cent above hard limit", pay(amount=25000.0000001), "deny", "more decimals than the currency allows", None),
    ("zero payment", pay(amount=0), "deny", "positive number", None),
    ("negative payment", pay(amount=-10.0), "deny", "positive number", None),
    ("negative zero payment", pay(amount=-0.0), "deny", "amount is negative zero", None),
    ("decimal string amount", pay(amount="850.50"), "allow", None, None),
    ("text amount", pay(amount="850 USD"), "deny", "not an exact amount: amount is not a number", None),
    ("bool amount", pay(amount=True), "deny", "not an exact amount: amount is not a number", None),
    ("amount beyond any limit", pay(amount=2**70), "deny", "not an exact amount: amount is out of range", None),
    ("currency not allowed", pay(currency="JPY"), "deny", "currency must be one of EUR, GBP, USD", None),
    ("lower-case currency", pay(currency="usd"), "deny", "currency must be one of", None),
    ("unknown currency", pay(currency="XBT"), "deny", "not an exact amount: currency is not a known ISO 4217 code", None),
    ("a million in an unknown currency on a high-risk claim",
     pay_with(lambda d: (d["args"].update(amount=1_000_000, currency="ZZZ", payee_account="ACCT-1"), d["state"].update(claim_fraud_band="high"))),
     "deny", "currency must be one of", None),
    ("currency EUR", pay(currency="EUR"), "allow", None, None),
    ("EUR above its own auto limit", pay(amount=950, currency="EUR"), "require_approval", "auto-approval limit of 900.00 EUR", "adjuster"),
    ("GBP 1000 is above the GBP auto limit", pay(amount=1000, currency="GBP"), "require_approval", "auto-approval limit of 800.00 GBP", "adjuster"),
    ("GBP above its own hard limit", pay(amount=20000.01, currency="GBP"), "deny", "hard limit of 20000.00 GBP", None),
    ("JPY fraction refused by the gate", pay(amount=10.5, currency="JPY"), "deny", "more decimals than the currency allows", None),
    ("no money from the gate", pay_with(lambda d: d.pop("money"), gate_reads_money=False), "deny", "the gate did not read the amount", None),
    ("money error text is never echoed",
     pay_with(lambda d: (d.pop("money"), d.update(money_error='ACCT-99999"}')), gate_reads_money=False),
     "deny", "not an exact amount: the gate did not read the amount", None),
    ("money read in another currency", pay_with(set_at("money.currency", "EUR"), gate_reads_money=False),
     "deny", "not read in the payment's currency", None),
    ("money with the wrong decimals", pay_with(lambda d: d["money"].update(exponent=3, amount_minor=850000), gate_reads_money=False),
     "deny", "not read in the payment's currency", None),
    ("money that is not a number", pay_with(set_at("money.amount_minor", "85000"), gate_reads_money=False), "deny", "positive number", None),
    ("payee not on file", pay(payee_account="ACCT-99999"), "deny", "payee is not the account on file for claim CLM-1001", None),
    ("look-alike payee (Cyrillic A)", pay(payee_account="\u0410CCT-77812"), "deny", "payee is not the account on file", None),
    ("look-alike payee (fullwidth digit)", pay(payee_account="ACCT-7781\uff12"), "deny", "payee is not the account on file", None),
    ("payee with trailing space", pay(payee_account="ACCT-77812 "), "deny", "payee is not the account on file", None),
    ("payee from a document", pay_with(set_at("provenance.payee_account", "document")), "deny", "came from the document", None),
    ("payee from the model", pay_with(set_at("provenance.payee_account", "model")), "deny", "came from the model", None),
    ("payee provenance missing means model", pay_with(set_at("provenance.payee_account", DELETED)), "deny", "came from the model", None),
    ("no claim context", pay_with(set_at("context", {})), "deny", "no claim on file", None),
    ("payment for another claim", pay(claim_id="CLM-2002"), "deny", "not for claim CLM-1001", None),
    ("split payment over claim total", paid(2_490_000), "deny",
     "claim CLM-1001 would be paid 25750.00 USD in total, above the limit of 25000.00 USD per claim", None),
    ("split payment up to claim total", paid(2_490_000, amount=100.0), "allow", None, None),
    ("split payment a cent over claim total", paid(2_490_000, amount=100.01), "deny", "would be paid 25000.01 USD in total", None),
    ("claim total formatted with its leading zero", paid(2_499_999, amount=0.06), "deny", "would be paid 25000.05 USD in total", None),
    ("EUR claim total", paid(2_200_000, ["EUR"], amount=600, currency="EUR"), "deny", "above the limit of 22500.00 EUR per claim", None),
    ("claim paid in USD, payment in GBP", paid(0, ["USD"], amount=100, currency="GBP"), "deny",
     "claim CLM-1001 is paid in USD; a payment in GBP cannot be held to the claim total", None),
    ("claim paid in a currency the pack does not know", paid(0, ["XBT"]), "deny", "is paid in another currency", None),
    ("claim paid in the same currency", paid(50_000, ["USD"]), "allow", None, None),
    ("claim currencies not a list", paid(0, "USD"), "deny", "currencies already paid on the claim are unknown", None),  # type: ignore[arg-type]
    ("claim currencies missing count as none", pay_with(set_at("state.claim_currencies", DELETED)), "allow", None, None),
    ("medium fraud band needs an adjuster", pay_with(set_at("state.claim_fraud_band", "medium")), "require_approval", "medium fraud risk", "adjuster"),
    ("high fraud band is never paid", pay_with(set_at("state.claim_fraud_band", "high")), "deny", "high fraud risk", None),
    ("unscored claim needs an adjuster", pay_with(set_at("state.claim_fraud_band", "unscored")), "require_approval", "no fraud score on record", "adjuster"),
    ("missing fraud band counts as unscored", pay_with(set_at("state.claim_fraud_band", DELETED)), "require_approval", "no fraud score on record", "adjuster"),
    ("unknown fraud band counts as unscored", pay_with(set_at("state.claim_fraud_band", "LOW ")), "require_approval", "no fraud score on record", "adjuster"),
    ("unscored and above the auto limit: one adjuster, two reasons", pay_with(lambda d: (set_at("state.claim_fraud_band", "unscored")(d), set_at("args.amount", 5000.0)(d))), "require_approval", "no fraud score on record", "adjuster"),
    ("paid total not a number", pay_with(set_at("state.claim_paid_minor", "lots")), "deny", "already paid on the claim is unknown", None),
    # principals and roles
    ("principal without id", as_principal(make_input(), id="", roles=["agent"]), "deny", "principal has no id", None),
    ("principal id missing", as_principal(make_input(), roles=["agent"]), "deny", "principal has no id", None),
    ("principal without roles", as_principal(make_input(), id="agent:x", roles=[]), "deny", "principal has no roles", None),
    ("principal with unknown role", as_principal(make_input(), id="agent:x", roles=["superuser"]), "deny", "no known role", None),
    ("staff may not pay", as_principal(make_input(), id="user:sam", roles=["staff"]), "deny", "role staff does not grant payments.issue", None),
    ("adjuster may pay", as_principal(make_input(), id="user:ann", roles=["adjuster"]), "allow", None, None),
    ("staff may read", as_principal(make_input("documents.search", {"query": "hail damage", "top_k": 3}), id="user:sam", roles=["staff"]),
     "allow", None, None),
    ("staff may update tickets", as_principal(make_input("tickets.update", {"ticket_id": "T-1", "status": "resolved", "comment": ""}),
                                              id="user:sam", roles=["staff"]), "allow", None, None),
    ("operator may not pay", as_principal(make_input(), id="user:op", roles=["operator"]), "deny", "does not grant payments.issue", None),
    # tools
    ("unknown tool", make_input("payments.refund", {"claim_id": "CLM-1001"}), "deny", "unknown tool payments.refund", None),
    ("tool the gate did not recognise", make_input(known_tool=False), "deny", "unknown tool payments.issue", None),
    ("odd tool name is not echoed", make_input("pay\nments", {}), "deny", "unknown tool (unnamed)", None),
    ("read-only tool", make_input("scoring.fraud_risk", {"claim_id": "CLM-1001", "claim_type": "auto", "amount": 850.0,
                                                        "days_since_policy_start": 300, "prior_claims": 0, "days_to_report": 2}),
     "allow", None, None),
    # rate limit
    ("below rate limit", pay_with(set_at("state.calls_last_minute", 59)), "allow", None, None),
    ("at rate limit", pay_with(set_at("state.calls_last_minute", 60)), "deny", "at most 60 calls per minute to payments.issue", None),
    ("below the key's rate limit", pay_with(set_at("state.key_calls_last_minute", 19)), "allow", None, None),
    ("at the key's rate limit", pay_with(set_at("state.key_calls_last_minute", 20)), "deny",
     "at most 20 calls per minute to payments.issue on one business key", None),
    ("below the fleet limit", pay_with(set_at("state.fleet_calls_last_minute", 3599)), "allow", None, None),
    ("at the fleet limit (3 runtimes x 1200)", pay_with(set_at("state.fleet_calls_last_minute", 3600)), "deny",
     "fleet rate limit: at most 3600 calls per minute to payments.issue", None),
    # notifications.send
    ("email to claimant on file", notify("email", "pat@example.com"), "allow", None, None),
    ("email to claimant, other case", notify("email", "Pat@Example.com"), "allow", None, None),
    ("email to internal mailbox", notify("email", "claims-team@northwind.example"), "allow", None, None),
    ("email to a stranger", notify("email", "mallory@evil.com"), "deny", "claimant's address on file", None),
    ("email to a look-alike internal domain", notify("email", "x@northwind.example.evil.com"), "deny", "mailbox at northwind.example", None),
    ("email to an internal subdomain", notify("email", "x@mail.northwind.example"), "deny", "mailbox at northwind.example", None),
    ("email with a foreign domain as local part", notify("email", "evil.com@northwind.example"), "deny", "mailbox at northwind.example", None),
    ("email with two @", notify("email", "evil@evil.com@northwind.example"), "deny", "mailbox at northwind.example", None),
    ("email to internal domain spelled as local part", notify("email", "northwind.example@evil.com"), "deny", "claimant's address", None),
    ("two recipients (comma)", notify("email", "pat@example.com,mallory@evil.com"), "deny", "exactly one recipient", None),
    ("two recipients (semicolon)", notify("email", "pat@example.com;mallory@evil.com"), "deny", "exactly one recipient", None),
    ("recipient header injection", notify("email", "pat@example.com\r\nBcc: mallory@evil.com"), "deny", "exactly one recipient", None),
    ("recipient with display name", notify("email", "Pat <pat@example.com>"), "deny", "exactly one recipient", None),
    ("subject header injection", notify("email", "pat@example.com", subject="Hi\r\nBcc: mallory@evil.com"), "deny", "subject must be one line", None),
    ("encoded subject injection", notify("email", "pat@example.com", subject="Hi%0d%0aBcc: x@evil.com"), "deny", "subject must be one line", None),
    ("sms to claimant phone", notify("sms", "+1 415 555 0100"), "allow", None, None),
    ("sms to claimant phone, compact", notify("sms", "+14155550100"), "allow", None, None),
    ("sms to another phone", notify("sms", "+1 415 555 0199"), "deny", "phone number on file", None),
    ("sms to two phones", notify("sms", "+14155550100,+14155550199"), "deny", "exactly one recipient", None),
    ("sms without a phone on file", notify("sms", "+14155550100", claimant_phone=None), "deny", "phone number on file", None),
    ("webhook allow-listed", notify("webhook", "https://hooks.northwind.example/claims/CLM-1001"), "allow", None, None),
    ("webhook over http", notify("webhook", "http://hooks.northwind.example/claims"), "deny", "webhooks go only to URLs under", None),
    ("webhook to another host", notify("webhook", "https://hooks.evil.com/x"), "deny", "webhooks go only to", None),
    ("webhook host suffix trick", notify("webhook", "https://hooks.northwind.example.evil.com/x"), "deny", "webhooks go only to", None),
    ("webhook userinfo trick", notify("webhook", "https://hooks.northwind.example/@evil.com/"), "deny", "webhooks go only to", None),
    ("webhook dot-segments", notify("webhook", "https://hooks.northwind.example/../../evil"), "deny", "webhooks go only to", None),
    ("webhook encoded dot-segments", notify("webhook", "https://hooks.northwind.example/%2e%2e/evil"), "deny", "webhooks go only to", None),
    ("staff channel by agent", notify("staff", "claims-team"), "allow", None, None),
    ("staff channel by staff", notify("staff", "claims-team", roles=["staff"]), "allow", None, None),
    ("email by staff", notify("email", "pat@example.com", roles=["staff"]), "deny", "role staff may not use the email channel", None),
    ("staff channel to a list", notify("staff", "claims-team fraud-team"), "deny", "exactly one recipient", None),
    ("subject in any script", notify("email", "pat@example.com", subject="Straße – Ünïcödé 日本語 €50 ½ 👍"), "allow", None, None),
    ("subject with a tab", notify("email", "pat@example.com", subject="Hi\tthere"), "deny", "subject must be one line", None),
    ("subject with NEL (U+0085)", notify("email", "pat@example.com", subject="Hi\u0085Bcc: x@evil.com"), "deny", "subject must be one line", None),
    ("subject with a line separator (U+2028)", notify("email", "pat@example.com", subject="Hi\u2028Bcc: x@evil.com"), "deny", "subject must be one line", None),
    ("subject with a paragraph separator (U+2029)", notify("email", "pat@example.com", subject="Hi\u2029Bcc"), "deny", "subject must be one line", None),
    ("subject with a vertical tab", notify("email", "pat@example.com", subject="Hi\x0bBcc"), "deny", "subject must be one line", None),
    ("subject with a form feed", notify("email", "pat@example.com", subject="Hi\x0cBcc"), "deny", "subject must be one line", None),
    ("subject with a C1 control", notify("email", "pat@example.com", subject="Hi\x9bBcc"), "deny", "subject must be one line", None),
    ("subject with DEL", notify("email", "pat@example.com", subject="Hi\x7f"), "deny", "subject must be one line", None),
    ("subject with encoded NEL", notify("email", "pat@example.com", subject="Hi%C2%85Bcc"), "deny", "subject must be one line", None),
    ("subject with encoded line separator", notify("email", "pat@example.com", subject="Hi%e2%80%a8Bcc"), "deny", "subject must be one line", None),
    ("subject with a character that shares a byte with U+2028", notify("email", "pat@example.com", subject="Hi \u2010 \u20a8 \u0128"), "allow", None, None),
    ("subject by staff with a line separator", notify("staff", "claims-team", subject="Hi\u2028x", roles=["staff"]), "deny", "subject must be one line", None),
    ("recipient with NEL", notify("email", "pat@example.com\u0085Bcc: x@evil.com"), "deny", "exactly one recipient", None),
    ("recipient with a line separator", notify("email", "pat@example.com\u2028"), "deny", "exactly one recipient", None),
    ("recipient with a no-break space", notify("email", "pat@example.com\u00a0x@evil.com"), "deny", "exactly one recipient", None),
    ("sms with a line separator", notify("sms", "+1 415 555 0100\u2028"), "deny", "exactly one recipient", None),
    ("webhook with a line separator", notify("webhook", "https://hooks.northwind.example/claims\u2028x"), "deny", "webhooks go only to", None),
    # provisioning.reserve
    ("reserve within quota", reserve(8), "allow", None, None),
    ("reserve up to quota", reserve(6, reserved=10), "allow", None, None),
    ("reserve beyond quota needs operator", reserve(8, reserved=10), "require_approval", "automatic quota of 16", "operator"),
    ("reserve large needs operator", reserve(200), "require_approval", "needs an operator", "operator"),
    ("reserve beyond maximum", reserve(257), "deny", "maximum of 256 units", None),
    ("reserve zero", reserve(0), "deny", "positive whole number", None),
    ("reserve negative", reserve(-4), "deny", "positive whole number", None),
    ("reserve fraction", reserve(2.5), "deny", "positive whole number", None),
    ("reserve by staff", reserve(2, roles=["staff"]), "deny", "does not grant provisioning.reserve", None),
    ("reserve beyond the total maximum", reserve(10, reserved=250), "deny", "maximum of 256 units in total", None),
    # provisioning.release: the owner is what the gate recorded at reserve
    ("release own reservation", release(make_input()["principal"]["id"]), "allow", None, None),
    ("release another principal's reservation", release("agent:someone_else"), "deny", "belongs to another principal", None),
    ("release a reservation the gate never saw", release(None), "deny", "not on the gate's record", None),
    ("operator releases any reservation", release("agent:someone_else", roles=["operator"]), "allow", None, None),
    # purchasing.order: exact totals, per-supplier and per-day spend from the gate's store
    ("order within the limits", order(), "allow", None, None),
    ("order over the supplier's daily limit needs a buyer", order(supplier_spent=490000, day_spent=490000),
     "require_approval", "spend with the supplier to 6150.00 USD", "buyer"),
    ("order over the daily limit needs a buyer", order(day_spent=1499000), "require_approval", "above the automatic limit of 15000.00 USD per day", "buyer"),
    ("order over the hard limit per order", order(quantity=4001), "deny", "hard limit of 50000.00 USD per order", None),
    ("order over the hard daily limit", order(day_spent=9999000), "deny", "hard limit of 100000.00 USD per day", None),
    ("order with a price finer than a cent", order(unit_price="12.505"), "deny", "more decimals than the currency allows", None),
    ("order in an unknown currency", order(currency="GBP"), "deny", "order currency must be one of EUR, USD", None),
    ("order of zero units", order(quantity=0), "deny", "positive whole number", None),
    ("order of a fractional quantity", order(quantity=2.5), "deny", "positive whole number", None),
    ("order by staff", order(roles=["staff"]), "deny", "does not grant purchasing.order", None),
]




@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


@pytest.mark.parametrize(("name", "doc", "decision", "reason", "role"), CASES, ids=[c[0] for c in CASES])
def test_rule(engine: RegopyEngine, name: str, doc: dict[str, Any], decision: str, reason: str | None, role: str | None) -> None:
    result = engine.evaluate(doc)
    assert result.decision == decision, result.reasons
    if reason:
        assert any(reason in r for r in result.reasons), result.reasons
    if decision == "allow":
        assert result.reasons == []
    assert result.approval_role == role


def test_reveal_lists_only_what_the_channel_needs(engine: RegopyEngine) -> None:
    assert engine.evaluate(make_input()).reveal == ["payee_account"]
    assert engine.evaluate(notify("email", "pat@example.com")).reveal == ["to"]
    assert engine.evaluate(reserve(2)).reveal == []
    assert engine.evaluate(pay(amount=5000.0)).reveal == ["payee_account"]
    assert engine.evaluate(pay(payee_account="ACCT-1")).reveal == []


def test_reasons_carry_no_raw_pii(engine: RegopyEngine) -> None:
    for doc in (pay(payee_account="ACCT-99999"), notify("email", "mallory@evil.com"), notify("sms", "+1 415 555 0199")):
        text = " ".join(engine.evaluate(doc).reasons)
        assert "ACCT-99999" not in text and "mallory" not in text and "555" not in text


def test_all_deny_reasons_are_collected(engine: RegopyEngine) -> None:
    doc = pay(amount=30000.0, payee_account="ACCT-1")
    doc["provenance"]["payee_account"] = "document"
    reasons = engine.evaluate(doc).reasons
    assert len(reasons) == 4 and reasons == sorted(reasons)
    assert any("hard limit of 25000.00 USD" in r for r in reasons) and any("30000.00 USD in total" in r for r in reasons)


# -- approvals ---------------------------------------------------------------------------------------

def test_granted_approval_of_the_required_role_allows(engine: RegopyEngine) -> None:
    doc = pay(amount=5000.0)
    doc["approval"] = {"granted": True, "role": "adjuster", "by": "user:ann"}
    assert engine.evaluate(doc).decision == "allow"


def test_admin_approval_counts_for_any_role(engine: RegopyEngine) -> None:
    doc = reserve(40)
    doc["approval"] = {"granted": True, "role": "admin", "by": "user:root"}
    assert engine.evaluate(doc).decision == "allow"


def test_approval_with_the_wrong_role_stays_pending(engine: RegopyEngine) -> None:
    doc = pay(amount=5000.0)
    doc["approval"] = {"granted": True, "role": "operator", "by": "user:op"}
    result = engine.evaluate(doc)
    assert (result.decision, result.approval_role) == ("require_approval", "adjuster")


def test_approval_not_granted_stays_pending(engine: RegopyEngine) -> None:
    doc = pay(amount=5000.0)
    doc["approval"] = {"granted": False, "role": None, "error": "approval is denied"}
    assert engine.evaluate(doc).decision == "require_approval"


def test_approval_never_overrides_a_deny(engine: RegopyEngine) -> None:
    doc = pay(amount=30000.0)
    doc["approval"] = {"granted": True, "role": "admin", "by": "user:root"}
    assert engine.evaluate(doc).decision == "deny"
