"""The independent PII set: presidio-evaluator's own sentence templates and value formats over Faker, not ours.

Source: the `presidio-evaluator` package 0.3.2 on PyPI (MIT, Copyright (c) Presidio contributors). Vendored
under `evals/pii/third_party/presidio_evaluator/` with its LICENSE: `templates.txt` (its 209 sentence templates,
unchanged), `nationalities.csv`, and every tenth row of `companies_and_organizations.csv`. The value formats of
its Faker providers (`AddressProviderNew`, `PhoneNumberProviderNew`, `AgeProvider`, `IpAddressProvider`) are
copied below. Not used: its FakeNameGenerator.com identities (CC BY-SA, so names come from Faker's own locales,
several cultures) and its heavy runtime dependencies (pandas, transformers), which is why the package is not
imported. As in its generator, 5% of sentences are lower-cased (`lower_case_ratio=0.05`).

Split: templates, not sentences, are split (seeded, stratified by the rarest PII type a template holds), so the
held-out split's sentence shapes were never seen while tuning; only `independent_dev.jsonl` may be inspected.
`python -m evals.pii.independent` rewrites both files; with the pinned Faker the output is byte for byte the same.
"""
from __future__ import annotations

import csv
import datetime
import random
import re
from collections import OrderedDict
from pathlib import Path

from evals.pii.jsonl import write_records

SEED = 20261130
DEV_COUNT = 900
HELDOUT_COUNT = 1600
LOWER_CASE_RATIO = 0.05
HERE = Path(__file__).parent
VENDORED = HERE / "third_party" / "presidio_evaluator"
DEV = HERE / "independent_dev.jsonl"
HELDOUT = HERE / "independent_heldout.jsonl"
NAME_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "da_DK", "nl_NL", "pt_BR", "tr_TR",
                "en_IN", "ru_RU", "sv_SE", "cs_CZ", "fi_FI", "hu_HU", "ro_RO", "en_IE", "no_NO"]

# Template slot -> our contract type; "~KIND" marks a hard negative that must survive; "" is not scored.
LABELS = {
    **dict.fromkeys(
        "person name name_female name_male first_name first_name_male first_name_female first_name_nonbinary "
        "last_name last_name_male last_name_female".split(), "PERSON"),
    **dict.fromkeys("address street_name building_number secondary_address city postcode zipcode".split(), "LOCATION"),
    "credit_card_number": "CREDIT_CARD", "phone_number": "PHONE_NUMBER", "iban": "IBAN_CODE",
    "email": "EMAIL_ADDRESS", "ssn": "US_SSN", "ip_address": "IP_ADDRESS", "date_of_birth": "DATE_OF_BIRTH",
    **dict.fromkeys("date_time year day_of_week".split(), "~DATE"),
    "age": "~AGE", "organization": "~ORGANIZATION", "job": "~JOB", "url": "~URL",
    **dict.fromkeys("country state state_abbr nationality nation_woman nation_man nation_plural prefix prefix_male "
                    "prefix_female us_driver_license".split(), ""),
}
# Rarest first: a template is stratified by the first of these it holds.
STRATA = ["US_SSN", "IP_ADDRESS", "DATE_OF_BIRTH", "IBAN_CODE", "EMAIL_ADDRESS", "CREDIT_CARD", "PHONE_NUMBER",
          "LOCATION", "PERSON"]

# presidio-evaluator's AddressProviderNew.address_formats (weights as shipped).
ADDRESS_FORMATS = OrderedDict((
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{state}}", 5.0),
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{state_abbr}}", 5.0),
    ("{{building_number}} {{street_name}} {{secondary_address}} {{city}} {{country}}", 5.0),
    ("{{building_number}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}}", 5.0),
    ("{{building_number}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}} {{postcode}}", 5.0),
    ("{{street_name}} {{street_name}}\n {{secondary_address}}\n {{city}}\n {{country}} {{postcode}}", 5.0),
    ("the corner of {{street_name}} and {{street_name}}", 3.0),
    ("{{first_name}} and {{street_name}}", 3.0),
    ("{{street_address}}, {{city}}, {{country}}", 5.0),
    ("{{street_address}} {{secondary_address}}, {{city}}, {{country}} {{postcode}}", 5.0),
    ("{{street_address}}\n{{city}}, {{state_abbr}} {{postcode}}", 25.0),
    ("{{street_address}}\n{{city}}\n, {{state_abbr}}\n {{postcode}}", 25.0),
    ("{{street_address}}\n{{city}}\n, {{state_abbr}}\n {{country}} {{postcode}}", 25.0),
    ("{{military_apo}}\nAPO {{military_state}} {{postcode}}", 1.0),
    ("{{military_ship}} {{last_name}}\nFPO {{military_state}} {{postcode}}", 1.0),
    ("{{military_dpo}}\nDPO {{military_state}} {{postcode}}", 1.0),
))
# presidio-evaluator's PhoneNumberProviderNew.formats.
PHONE_FORMATS = (
    "##########", "##########", "###-###-####", "###-###-####", "###-#######",
    "07700 ### ###", "07700 ######", "07700######", "(07700) ### ###", "(07700) ######", "(07700)######",
    "+447700 ### ###", "+447700 ######", "+447700######",
    "+91##########", "0##########", "##########",
    "+41 2# ### ## ##", "+41 3# ### ## ##", "+41 4# ### ## ##", "+41 5# ### ## ##", "+41 6# ### ## ##",
    "+41 7# ### ## ##", "+41 8# ### ## ##", "+41 9# ### ## ##", "+41 (0)2# ### ## ##", "+41 (0)3# ### ## ##",
    "+41 (0)4# ### ## ##", "+41 (0)5# ### ## ##", "+41 (0)6# ### ## ##", "+41 (0)7# ### ## ##",
    "+41 (0)8# ### ## ##", "+41 (0)9# ### ## ##", "+46 (0)8 ### ### ##", "+46 (0)## ## ## ##", "+46 (0)### ### ##",
    "(###)###-####", "(###)###-####", "(###)###-####", "(###)###-####", "###.###.####", "###.###.####",
    "###-###-####x###", "###-###-####x####", "(###)###-####x###", "(###)###-####x####", "###.###.####x###",
    "###.###.####x####", "+1-###-###-####", "001-###-###-####", "+1-###-###-####x###",
)
# presidio-evaluator's AgeProvider.formats.
AGE_FORMATS = OrderedDict((("%#", 0.8), ("%", 0.1), ("1.%", 0.02), ("2.%", 0.02), ("100", 0.02), ("101", 0.01),
                           ("104", 0.01), ("0.%", 0.02)))
TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class _Values:
    """One fake value per template slot, drawn from seeded Faker instances."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.names = Faker(NAME_LOCALES)
        self.names.seed_instance(seed + 1)
        self.rng = random.Random(seed + 2)
        with (VENDORED / "nationalities.csv").open(encoding="utf-8-sig") as f:
            self.nations = list(csv.DictReader(f))
        with (VENDORED / "organizations_sample.csv").open(encoding="utf-8") as f:
            self.orgs = [line.strip() for line in f.readlines()[1:] if line.strip()]

    def _address(self) -> str:
        fmt = self.fake.random_element(ADDRESS_FORMATS)
        return self.fake.parse(fmt) if "{{" in fmt else fmt

    def get(self, slot: str) -> str:
        f, n, rng = self.fake, self.names, self.rng
        person = {
            "person": n.name, "name": n.name, "name_female": n.name_female, "name_male": n.name_male,
            "first_name": n.first_name, "first_name_male": n.first_name_male,
            "first_name_female": n.first_name_female, "first_name_nonbinary": n.first_name_nonbinary,
            "last_name": n.last_name, "last_name_male": n.last_name_male, "last_name_female": n.last_name_female,
        }
        if slot in person:
            return str(person[slot]())
        if slot == "address":
            return self._address()
        if slot == "phone_number":
            return f.numerify(rng.choice(PHONE_FORMATS))
        if slot == "credit_card_number":
            return f.credit_card_number()
        if slot == "ip_address":
            return f.ipv4() if rng.random() < 0.8 else f.ipv6()
        if slot == "age":
            return f.numerify(f.random_elements(elements=AGE_FORMATS, length=1, use_weighting=True)[0])
        if slot == "organization":
            return rng.choice(self.orgs)
        if slot in ("nationality", "nation_woman", "nation_man", "nation_plural"):
            row = rng.choice(self.nations)
            return {"nationality": row["nationality"], "nation_woman": row["woman"], "nation_man": row["man"],
                    "nation_plural": row["plural"]}[slot].title()
        if slot == "us_driver_license":
            return f.bothify(rng.choice(["?#######", "#########", "?###-###-##-###-#", "##-###-####"]))
        # Fixed ranges: Faker's defaults are relative to today, which would change the set from day to day.
        if slot == "date_of_birth":
            return str(f.date_between(datetime.date(1910, 1, 1), datetime.date(2024, 12, 31)))
        if slot == "date_time":
            return str(f.date_time_between(datetime.datetime(1970, 1, 1), datetime.datetime(2025, 12, 31)))
        if slot == "year":
            return str(rng.randint(1970, 2025))
        if slot == "day_of_week":
            return f.date_time_between(datetime.datetime(1970, 1, 1), datetime.datetime(2025, 12, 31)).strftime("%A")
        return str(getattr(f, slot)())


def _render(template: str, values: _Values) -> dict:
    text, spans, negatives, ignore = "", [], [], []
    pos = 0
    template = template.replace("<", "{{").replace(">", "}}")
    for m in TOKEN.finditer(template):
        slot = m.group(1).lower()
        text += template[pos : m.start()]
        value = values.get(slot)
        start, end = len(text), len(text) + len(value)
        label = LABELS.get(slot, "")
        if label.startswith("~"):
            negatives.append({"kind": label[1:], "start": start, "end": end})
        elif label:
            spans.append({"type": label, "start": start, "end": end})
        else:
            ignore.append({"kind": slot.upper(), "start": start, "end": end})
        text += value
        pos = m.end()
    text += template[pos:]
    if values.rng.random() < LOWER_CASE_RATIO:
        text = text.lower()
    return {"text": text, "spans": spans, "negatives": negatives, "ignore": ignore}


def templates() -> list[str]:
    return [line.strip() for line in (VENDORED / "templates.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def split_templates(seed: int = SEED) -> tuple[list[int], list[int]]:
    """(dev template ids, held-out template ids): seeded, stratified so both splits hold every PII type."""
    rng = random.Random(seed)
    strata: dict[str, list[int]] = {}
    for i, t in enumerate(templates()):
        types = {LABELS.get(m.group(1).lower(), "") for m in TOKEN.finditer(t.replace("<", "{{").replace(">", "}}"))}
        stratum = next((s for s in STRATA if s in types), "NONE")
        strata.setdefault(stratum, []).append(i)
    dev, held = [], []
    for stratum in sorted(strata):
        ids = strata[stratum]
        rng.shuffle(ids)
        half = len(ids) // 2
        dev += ids[:half]
        held += ids[half:]
    return sorted(dev), sorted(held)


def generate(split: str, seed: int = SEED) -> list[dict]:
    """The labelled records of one split ("dev" or "heldout"), the same for the same seed and Faker version."""
    dev_ids, held_ids = split_templates(seed)
    ids, count = (dev_ids, DEV_COUNT) if split == "dev" else (held_ids, HELDOUT_COUNT)
    all_templates = templates()
    values = _Values(seed + (0 if split == "dev" else 1000))
    rng = random.Random(seed + (7 if split == "dev" else 1007))
    records = []
    for i in range(count):
        tid = rng.choice(ids)
        record = _render(all_templates[tid], values)
        records.append({"id": f"ind-{split}-{i + 1:04d}", "template_id": tid, **record})
    return records


def main() -> None:
    for split, path in (("dev", DEV), ("heldout", HELDOUT)):
        records = generate(split)
        write_records(path, records)
        n_values = sum(len(r["spans"]) for r in records)
        print(f"wrote {len(records)} records, {n_values} PII values to {path}")


if __name__ == "__main__":
    main()
