"""Probe sentences written for this project in generic frames, to develop against without the held-out split.

Frames a PII filter meets in mail, chat and forms (salutations, signatures, headers, lists, reported speech,
vocatives, lower and upper case), filled by Faker with names of many cultures, dates of birth phrased many ways,
and hard negatives (organisations, job titles, dates that are not birth dates, amounts, claim ids, products).
None of the frames comes from presidio-evaluator's templates. `python -m evals.pii.probes` rewrites
`probes_dev.jsonl` deterministically (seed below, pinned Faker); `--misses` scores Warden on it and prints misses.
"""
from __future__ import annotations

import datetime
import json
import random
import re
from pathlib import Path
from typing import Sequence

from evals.pii.independent import NAME_LOCALES
from evals.pii.probe_frames import FRAMES_ROUND4, NEGATIVES_ROUND4, TYPES_ROUND4, round4_values

SEED = 4242
PROBES = Path(__file__).with_name("probes_dev.jsonl")
SLOT = re.compile(r"\{(\w+)\}")

# {name} full name, {first} given name, {last} surname, {dob} a birth date, negatives: {org} {job} {date}
# {amount} {claim} {product}.
FRAMES = [
    "Hi {first},\nthanks for the update on the claim.",
    "Dear {name},\nyour documents arrived today.",
    "Best regards,\n{name}",
    "Kind regards\n{name}\n{job}",
    "Thanks,\n{first}",
    "From: {name}\nTo: claims desk\nSubject: water damage",
    "{name} wrote:\n> the receipts match the claim",
    "Attendees: {name}, {name} and {name}.",
    "I spoke to {first} yesterday and {first} confirmed the repair.",
    "{name} is the new contact for {org}.",
    "Please forward this to {name} before Friday.",
    "Can {first} sign the form for me?",
    "{first} and I went to the garage together.",
    "My neighbour {name} saw the accident.",
    "Ask {first} whether the receipts match the claim.",
    "The form was signed by {name} on {date}.",
    "{last} said the roof had been leaking for weeks.",
    "According to {name}, the car was parked outside.",
    "Thank you {first}!",
    "Good morning {first}, the adjuster will call you.",
    "{name}\n{job}\n{org}",
    "cc: {name}; {name}",
    "We met {name} at the office of {org}.",
    "{name} ({job}) approved the payment of {amount}.",
    "Sorry {first}, the claim {claim} is still open.",
    "Is {first} available on {date}?",
    "Contact person: {name}",
    "I am writing on behalf of my mother, {name}.",
    "{first} {last} called about claim {claim}.",
    "Tell {first} that the {product} was delivered.",
    "Reviewed by {last}, {first}",
    "Driver: {name}. Passenger: {name}.",
    "{name} and {name} both live at the property.",
    "Yes, {first}, we received the photos.",
    "Witness statement from {name} attached.",
    "the policyholder {name} reported the theft on {date}.",
    "{name} was born on {dob}.",
    "DOB: {dob}",
    "Date of birth: {dob}",
    "Patient {name}, date of birth {dob}, was admitted.",
    "My birthday is {dob}.",
    "{name} (b. {dob})",
    "born {dob} in a small town",
    "Birth date {dob}; policy start {date}.",
    "I was born on the {dob} and I am insured since {date}.",
    "D.O.B. {dob}",
    "Name: {name}\nDOB: {dob}\nEmployer: {org}",
    "He was born {dob}.",
    "{dob} is my date of birth.",
    "{org} approved the claim {claim} on {date}.",
    "I work as a {job} at {org}.",
    "The {product} broke on {date}; the refund of {amount} is pending.",
    "Claim {claim}: payment of {amount} scheduled for {date}.",
    "{org} and {org} share the same office.",
    "Our {job} reviewed the claim on {date}.",
    "THE {product} WAS STOLEN ON {date}",
    "the receipts match the claim and the {product} was replaced.",
    "Meeting with {org} on {date} about the {product}.",
]
PRODUCTS = ["MacBook Air", "Galaxy S21", "Kindle Paperwhite", "Dyson V11", "PlayStation 5", "Model 3", "ThinkPad X1",
            "Nespresso Vertuo", "Apple Watch", "Bosch dishwasher"]
TYPES = {"name": "PERSON", "first": "PERSON", "last": "PERSON", "dob": "DATE_OF_BIRTH", **TYPES_ROUND4}
NEGATIVES = {"org": "ORGANIZATION", "job": "JOB", "date": "DATE", "amount": "AMOUNT", "claim": "CLAIM_ID",
             "product": "PRODUCT", **NEGATIVES_ROUND4}
ROUND4_FROM = len(FRAMES)  # frames from this index on were added in round 4 (evals/pii/probe_frames.py)


def _date(rng: random.Random, lo: int, hi: int) -> str:
    d = datetime.date(lo, 1, 1) + datetime.timedelta(days=rng.randrange((hi - lo) * 365))
    style = rng.randrange(6)
    return [d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%B %d, %Y"), d.strftime("%d %B %Y"),
            d.strftime("%m/%d/%Y"), d.strftime("%b %d, %Y")][style]


def probes(seed: int = SEED, per_frame: int = 12) -> list[dict]:
    from faker import Faker

    names = Faker(NAME_LOCALES)
    names.seed_instance(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed + 1)
    rng = random.Random(seed + 2)
    more = round4_values(seed + 3)
    out = []
    for f, frame in enumerate(FRAMES + FRAMES_ROUND4):
        for k in range(per_frame):
            text, spans, negatives, pos = "", [], [], 0
            for m in SLOT.finditer(frame):
                slot = m.group(1)
                value = {"name": names.name, "first": names.first_name, "last": names.last_name,
                         "dob": lambda: _date(rng, 1930, 2010), "date": lambda: _date(rng, 2015, 2026),
                         "org": fake.company, "job": fake.job,
                         "amount": lambda: f"${rng.randint(50, 20000):,}.{rng.randint(0, 99):02d}",
                         "claim": lambda: f"CLM-{rng.randint(1000, 99999)}",
                         "product": lambda: rng.choice(PRODUCTS), **more}[slot]()
                text += frame[pos : m.start()]
                start = len(text)
                text += value
                pos = m.end()
                if slot in TYPES:
                    spans.append({"type": TYPES[slot], "start": start, "end": len(text)})
                else:
                    negatives.append({"kind": NEGATIVES[slot], "start": start, "end": len(text)})
            text += frame[pos:]
            case = k % 6
            if case == 4:
                text = text.lower()
            elif case == 5:
                text = text.upper()
            out.append({"id": f"probe-{f:02d}-{k:02d}", "frame": f, "text": text, "spans": spans,
                        "negatives": negatives, "ignore": []})
    return out


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    records = probes()
    with PROBES.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} probes to {PROBES}")
    if args.misses:
        from evals.pii.dev_pool import print_misses
        from evals.pii.scorer import format_table, ours_finder, score

        finder = ours_finder()
        round4 = [r for r in records if r["frame"] >= ROUND4_FROM]
        print(format_table([score(finder, records, "warden"), score(finder, round4, "round-4")]))
        print_misses(records, finder)


if __name__ == "__main__":
    main()
