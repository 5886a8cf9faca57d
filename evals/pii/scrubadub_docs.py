"""A second independent PII set, never tuned on: scrubadub's own fake documents, PII dropped anywhere in prose.

The first independent set (presidio-evaluator's templates) has been printed after every tuning round, so it is
no longer a clean estimate. This file was generated after round 10's last rule and scored once before any rule
looked at scrubadub's text (the clean estimate, in evals/pii/README.md). Round 11 then developed rules on documents
of other seeds (90,000 and up), never on these 600; only this file's aggregate table is printed.

Source: `scrubadub` 2.0.1 on PyPI (Apache License 2.0, Copyright LeapBeyond), `scrubadub.comparison
.make_fake_document`: its own benchmark generator. For each paragraph it writes one to ten Faker sentences and
inserts one PII value (its `Filth.generate`) at a random space or full stop; no cue word announces the value, so
names, addresses and numbers must be found by their shape alone. Its known-filth list labels each value; the
labels here map its filth types to the contract's:

- name -> PERSON; address and postalcode -> LOCATION; email, phone, social_security_number (en_US),
  credit_card -> theirs;
- url -> a hard negative (kept); twitter handles and en_GB's "social security number" (a National Insurance
  number, not in the contract) -> `ignore`.

scrubadub's defaults plus `CreditCardFilth` (a documented `additional_filth_types`), locales en_US and en_GB (the two
it generates addresses for), one document of one paragraph per record, seed = record number + `SEED`.

scrubadub needs pandas, scikit-learn, textblob and dateparser, none of which Warden uses, so it is not a
dependency: the records are generated once, by hand, in a throwaway environment, and committed
(`scrubadub_heldout.jsonl`, with the package's LICENSE under `third_party/scrubadub/`):

    pip install --target /tmp/scd --no-deps scrubadub==2.0.1 python-stdnum textblob==0.15.3 dateparser catalogue \
        pytz regex tzlocal nltk
    mkdir -p /tmp/scstub && printf 'DataFrame = Series = MultiIndex = object\\n' > /tmp/scstub/pandas.py
    PYTHONPATH=/tmp/scd:/tmp/scstub python -m evals.pii.scrubadub_docs

(`comparison.py` imports pandas for its report helpers only; the generator never touches it.) Faker is the
version pinned in the `dev` extra, so the same command writes the same file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.pii.jsonl import write_records

SEED = 31_000
COUNT = 600
GB_EVERY = 3  # every third record is en_GB
HERE = Path(__file__).parent
SCRUBADUB_HELDOUT = HERE / "scrubadub_heldout.jsonl"
PII_TYPES = {"name": "PERSON", "address": "LOCATION", "postalcode": "LOCATION", "email": "EMAIL_ADDRESS",
             "phone": "PHONE_NUMBER", "credit_card": "CREDIT_CARD"}
NEGATIVE_KINDS = {"url": "URL"}


def label(text: str, known: list[dict[str, str]], locale: str, record_id: str) -> dict[str, Any]:
    """One record in the scorer's format: each known value located in order, typed by the contract."""
    spans, negatives, ignore = [], [], []
    at = 0
    for item in known:
        start = text.find(item["match"].strip(), at)
        if start < 0:
            raise ValueError(f"{record_id}: {item['match']!r} not found in the document")
        end = start + len(item["match"].strip())
        at = end
        kind = item["filth_type"]
        if kind == "social_security_number" and locale == "en_US":
            spans.append({"type": "US_SSN", "start": start, "end": end})
        elif kind in PII_TYPES:
            spans.append({"type": PII_TYPES[kind], "start": start, "end": end})
        elif kind in NEGATIVE_KINDS:
            negatives.append({"kind": NEGATIVE_KINDS[kind], "start": start, "end": end})
        else:
            ignore.append({"kind": kind.upper(), "start": start, "end": end})
    return {"id": record_id, "locale": locale, "text": text, "spans": spans, "negatives": negatives,
            "ignore": ignore}


def generate(count: int = COUNT) -> list[dict[str, Any]]:
    """The labelled records; needs scrubadub importable (see the module docstring)."""
    from faker import Faker
    from scrubadub import comparison, filth

    records = []
    for i in range(count):
        locale = "en_GB" if i % GB_EVERY == GB_EVERY - 1 else "en_US"
        text, known = comparison.make_fake_document(
            paragraphs=1, locale=locale, seed=SEED + i, faker=Faker(locale=locale),
            additional_filth_types=[filth.CreditCardFilth])
        records.append(label(text, known, locale, f"scrub-{i + 1:04d}"))
    return records


def main() -> None:
    records = generate()
    write_records(SCRUBADUB_HELDOUT, records)
    values = sum(len(r["spans"]) for r in records)
    print(f"wrote {len(records)} records, {values} PII values to {SCRUBADUB_HELDOUT}")


if __name__ == "__main__":
    main()
