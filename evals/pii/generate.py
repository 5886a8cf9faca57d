"""Generates the labelled PII set (`evals/pii/dataset.jsonl`): claims and service sentences with char-offset spans.

Seeded and deterministic: `python -m evals.pii.generate` rewrites the same file byte for byte. Every record has
`spans` (PII that must be redacted, typed as in CONTRACTS.md) and `negatives` (hard negatives that must survive:
claim ids, amounts, incident dates, products, currencies, company names, version strings that look like IPs).
"""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Callable

from evals.pii.jsonl import write_records

SEED = 20240501
COUNT = 600
DATASET = Path(__file__).with_name("dataset.jsonl")

FIRST = """Maria James Aisha Wei Carlos Olivia Liam Sofia Noah Priya Mateo Hannah Ethan Fatima Lucas Chloe Daniel
Mei Omar Emma Diego Grace Ravi Laura Kevin Sarah Thomas Elena Samuel Nadia Brian Julia Marcus Anna Victor
Rachel Jamal Ingrid Pedro Helen Tyler Monica Andre Keiko Patrick Rosa Henry Amelia Yusuf Claire""".split()
LAST = """Gonzalez Smith Khan Chen Rodriguez Johnson Patel Müller Nguyen Okafor Williams Brown Garcia Kowalski
Anderson Martin Silva Thompson Nakamura Haddad Fischer Rossi Murphy Kim Schmidt Lopez Novak Walker Reyes Clark
Hughes Bennett Jensen Moreau Ivanova Tanaka Dubois Larsen Romero Campbell""".split()
CITIES = """Springfield Chicago Boston Seattle Denver Austin Atlanta Portland Phoenix Miami Dallas Houston
Philadelphia Baltimore Nashville Sacramento Pittsburgh Cleveland Detroit Minneapolis London Paris Berlin Madrid
Toronto Dublin Chicago Brooklyn Oakland Tampa""".split()
STREETS = "Oak Maple Pine Cedar Elm Main Washington Lake Hill Park Sunset Highland Jefferson Lincoln River Church".split()
SUFFIXES = "Street Avenue Road Lane Drive Boulevard Court Way Place St Ave Rd Blvd".split()
DOMAINS = "example.com mail.example.org inbox.example.net example.co.uk".split()
AREA = "212 415 312 617 206 303 512 404 213 646 718 503 702 919".split()
PRODUCTS = """iPhone 14 Pro|Galaxy S23|ThinkPad X1 Carbon|Dyson V15|Honda Civic|Toyota Camry|MacBook Air|Pixel 8|
Bosch dishwasher|Samsung refrigerator|Ford F-150|Kindle Paperwhite|PlayStation 5|Canon EOS R6""".replace("\n", "").split("|")
COMPANIES = "Northwind Insurance|Contoso Repairs|Fabrikam Logistics|Acme Glass|Tailspin Towing".split("|")
MONTHS = "January February March April May June July August September October November December".split()


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _date(rng: random.Random, start_year: int, end_year: int) -> str:
    y, m, d = rng.randint(start_year, end_year), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}", f"{MONTHS[m - 1]} {d}, {y}", f"{d} {MONTHS[m - 1]} {y}"]
    )


def _values(rng: random.Random) -> dict[str, Callable[[], str]]:
    """A generator per slot name; each call draws a fresh value."""
    digits = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731

    def phone() -> str:
        a, x, n = rng.choice(AREA), rng.randint(201, 989), digits(4)
        return rng.choice([f"+1 {a} {x} {n}", f"({a}) {x}-{n}", f"{a}-{x}-{n}", f"+1-{a}-{x}-{n}", "+44 20 7946 0958"])

    def card() -> str:
        n = _luhn_complete(rng.choice(["4", "51", "53", "55"]), 16, rng)
        sep = rng.choice([" ", "-", ""])
        return sep.join(n[i : i + 4] for i in range(0, 16, 4))

    def ssn() -> str:
        area = rng.choice([rng.randint(1, 665), rng.randint(667, 899)])
        return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"

    def iban() -> str:
        country, bban = rng.choice([("DE", digits(18)), ("GB", "NWBK" + digits(14)), ("NL", "ABNA" + digits(10))])
        code = _iban(country, bban)
        return " ".join(code[i : i + 4] for i in range(0, len(code), 4)) if rng.random() < 0.5 else code

    def ip() -> str:
        if rng.random() < 0.15:
            return f"2001:db8:{rng.randint(1, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))

    def street() -> str:
        s = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
        return s + (f", Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.2 else "")

    def amount() -> str:
        v = rng.choice([f"{rng.randint(50, 9999)}.{rng.randint(0, 99):02d}", f"{rng.randint(1, 20)},{digits(3)}.00"])
        return rng.choice([f"${v}", f"{v} USD", f"EUR {v}", f"€{v}", f"£{v}"])

    return {
        "person": lambda: f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "first": lambda: rng.choice(FIRST),
        "email": lambda: f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower().replace('ü', 'u')}@{rng.choice(DOMAINS)}",
        "phone": phone,
        "card": card,
        "ssn": ssn,
        "iban": iban,
        "ip": ip,
        "street": street,
        "city": lambda: rng.choice(CITIES),
        "dob": lambda: _date(rng, 1940, 2004),
        "policy": lambda: f"POL-{digits(8)}",
        "account": lambda: f"ACCT-{digits(rng.randint(5, 12))}",
        "claim": lambda: f"CLM-{rng.randint(1000, 99999)}",
        "ticket": lambda: f"TKT-{rng.randint(10000, 99999)}",
        "amount": amount,
        "date": lambda: _date(rng, 2022, 2025),
        "product": lambda: rng.choice(PRODUCTS),
        "currency": lambda: rng.choice(["USD", "EUR", "GBP"]),
        "company": lambda: rng.choice(COMPANIES),
        "version": lambda: f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}",
    }


# Slot name -> label: PII types, or "~KIND" for a hard negative that must survive.
LABELS = {
    "person": "PERSON", "first": "PERSON", "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER",
    "card": "CREDIT_CARD", "ssn": "US_SSN", "iban": "IBAN_CODE", "ip": "IP_ADDRESS", "street": "LOCATION",
    "city": "LOCATION", "dob": "DATE_OF_BIRTH", "policy": "POLICY_NUMBER", "account": "BANK_ACCOUNT",
    "claim": "~CLAIM_ID", "ticket": "~TICKET_ID", "amount": "~AMOUNT", "date": "~INCIDENT_DATE",
    "product": "~PRODUCT", "currency": "~CURRENCY", "company": "~COMPANY", "version": "~VERSION",
}

TEMPLATES = [
    "Customer {person} called about claim {claim} under policy {policy}.",
    "Please send the settlement of {amount} for claim {claim} to {email}.",
    "{person} reported water damage on {date}; the adjuster approved {amount}.",
    "Claimant {person} lives at {street}, {city} and can be reached at {phone}.",
    "Refund {amount} to account {account} for claim {claim} filed on {date}.",
    "The insured, {person}, was born on {dob} and holds policy {policy}.",
    "DOB: {dob}. Incident date: {date}. Claim {claim}.",
    "Login from {ip} on {date} was flagged for claim {claim}.",
    "Server {ip} logged the upload of photos for {claim} at firmware {version}.",
    "Card {card} was charged {amount} for the rental car after the accident on {date}.",
    "SSN {ssn} belongs to {person}, policy {policy}.",
    "Wire {amount} to IBAN {iban} (beneficiary {person}) for claim {claim}.",
    "Hi {first}, your claim {claim} for the damaged {product} is approved: {amount} will be paid on {date}.",
    "Ticket {ticket}: {person} says the {product} stopped working on {date}.",
    "Email {email} or call {phone} to confirm the pickup of the {product}.",
    "Payment of {amount} in {currency} scheduled for {date} to {account}.",
    "The tow truck from {company} took the {product} from {street} to the body shop.",
    "{company} quoted {amount} for the repair of the {product}; claim {claim}.",
    "Adjuster notes: spoke with {person} ({phone}), storm damage at {street}, {city}.",
    "Policyholder {person}, date of birth {dob}, requested a callback at {phone}.",
    "Your policy {policy} renews on {date}; premium {amount} {currency}.",
    "Fraud check: device IP {ip}, app version {version}, claim {claim}, amount {amount}.",
    "Send the check for {amount} to {person} at {street}, {city}.",
    "{first} called from {phone} about the {product} claim {claim}.",
    "Contact {email} regarding ticket {ticket}, opened {date}.",
    "Verified identity of {person}: SSN {ssn}, born {dob}.",
    "Payout {amount} approved for {claim}; payee account {account}, IBAN {iban}.",
    "The claimant moved from {city} to {city} in {date}.",
    "Replacement {product} ordered for {person}; delivery to {street}, {city} on {date}.",
    "Charge of {amount} on card {card} disputed by {person}.",
    "Reset requested from {ip} for user {email}.",
    "On {date} the customer reported the theft of a {product} worth {amount}.",
    "Claim {claim} was reopened on {date} after {company} sent a revised estimate of {amount}.",
    "Incident on {date} at {street}; police report attached to {claim}.",
    "{person} disputes the deductible of {amount} on policy {policy}.",
    "Please update the mailing address for {person} to {street}, {city}.",
    "Callback for {first} {phone} re: ticket {ticket}.",
    "app {version} crashed on the {product} during upload for {claim}",
    "customer emailed {email} about the refund of {amount} on {date}",
    "Birthday {dob}, phone {phone}, email {email}, policy {policy}.",
    "Rental from {date} to {date} cost {amount}; claim {claim} covers {currency} 500 per week.",
    "Transfer to {account} failed on {date}; retry with IBAN {iban}.",
    "{person} from {city} filed claim {claim} for {amount}.",
    "Spoke to {person} today; photos of the {product} will follow by {date}.",
    "{person} and {person} co-own the car insured under {policy}.",
    "The body shop in {city} estimated {amount} (ticket {ticket}).",
    "Caller gave {ssn} as their social security number and {dob} as date of birth.",
    "Meeting with {company} at the {city} office on {date} about {claim}.",
    "Invoice {ticket} from {company}: {amount} {currency}, due {date}.",
    "Assigned to adjuster {person}; claimant reachable via {email}.",
    "Portal {version} logged {ip} for the session of {email}.",
    "IBAN {iban} and card {card} were both provided by the claimant.",
    "please call {first} back at {phone} about {claim}",
]


def _render(template: str, values: dict[str, Callable[[], str]]) -> dict:
    text, spans, negatives = "", [], []
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", template):
        text += template[pos : m.start()]
        value = values[m.group(1)]()
        label = LABELS[m.group(1)]
        start, end = len(text), len(text) + len(value)
        if label.startswith("~"):
            negatives.append({"kind": label[1:], "start": start, "end": end})
        else:
            spans.append({"type": label, "start": start, "end": end})
        text += value
        pos = m.end()
    text += template[pos:]
    return {"text": text, "spans": spans, "negatives": negatives}


def generate(count: int = COUNT, seed: int = SEED) -> list[dict]:
    """`count` labelled records, the same for the same seed."""
    rng = random.Random(seed)
    values = _values(rng)
    records = []
    for i in range(count):
        record = _render(TEMPLATES[i % len(TEMPLATES)], values)
        records.append({"id": f"pii-{i + 1:04d}", **record})
    return records


def main() -> None:
    records = generate()
    write_records(DATASET, records)
    print(f"wrote {len(records)} records to {DATASET}")


if __name__ == "__main__":
    main()
