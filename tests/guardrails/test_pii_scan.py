"""`warden pii scan`: known raw PII is found in any store and any common encoding; the vault's ciphertext is not."""
from __future__ import annotations

import gzip
import io
import json
import sqlite3
from pathlib import Path

import pytest

from guardrails import pii_scan
from guardrails.pii_scan import KnownValue, claim_values, load_values, run_scan, sample_values, scan

EMAIL = "marcus.delgado@example.com"  # CLM-1001's claimant, one of the default sample values
ZOE = KnownValue("PERSON", "Zoë Ångström")


def run(root: Path, *args, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_scan(root, *args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_a_clean_folder_exits_0(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text("claim CLM-1001 paid to <BANK_ACCOUNT_1> for <PERSON_1>\n")
    code, out, _ = run(tmp_path)
    assert code == 0 and "no known PII values in 1 files" in out


def test_a_raw_email_in_a_log_is_found_and_never_printed_in_full(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "gate.log").write_text(f"notify {EMAIL.upper()} now\n")
    code, out, _ = run(tmp_path)
    assert code == 1
    assert "logs/gate.log: EMAIL_ADDRESS ma*** (bytes at 7, utf-8" in out
    assert EMAIL not in out.lower() and "delgado" not in out.lower()
    assert "1 findings in 1 files" in out


def test_a_bad_folder_or_values_file_exits_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = run(tmp_path / "missing")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "not a data folder" in err
    bad = tmp_path / "values.jsonl"
    bad.write_text('{"value": \n')
    code, _, err = run(tmp_path, bad)
    assert code == 2 and "line 1" in err


def test_values_file_forms(tmp_path: Path) -> None:
    values = tmp_path / "values.jsonl"
    values.write_text('{"type": "IBAN_CODE", "value": "GB82WEST12345698765432"}\n"Zoë Ångström"\nplain line value\nab\n'
                      + json.dumps({"claimant": {"name": "Ann Example"}, "policy_number": "POL-99990000"}) + "\n")
    got = load_values(values)
    assert KnownValue("IBAN_CODE", "GB82WEST12345698765432") in got
    assert KnownValue("VALUE", "Zoë Ångström") in got and KnownValue("VALUE", "plain line value") in got
    assert KnownValue("POLICY_NUMBER", "POL-99990000") in got and KnownValue("PERSON", "Ann Example") in got
    assert not any(v.value == "ab" for v in got)  # too short to mean anything


def test_json_escaped_and_utf16_copies_are_found(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text(json.dumps({"name": ZOE.value}, ensure_ascii=True))
    (tmp_path / "win.txt").write_bytes(ZOE.value.upper().encode("utf-16-le"))
    found = {(f.path.name, f.encoding) for f in scan(tmp_path, [ZOE]).findings}
    assert found == {("state.json", "json-escaped"), ("win.txt", "utf-16-le")}


def test_sqlite_cells_and_an_uncheckpointed_wal_are_searched(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, raw BLOB)")
    conn.execute("INSERT INTO notes (body, raw) VALUES (?, ?)", ("x" * 9000 + EMAIL + "y" * 9000, EMAIL.encode()))
    conn.commit()
    try:
        findings = scan(tmp_path, [KnownValue("EMAIL_ADDRESS", EMAIL)]).findings
    finally:
        conn.close()
    places = {(f.path.name, f.where.split(" at ")[0]) for f in findings}
    assert ("ledger.db", "sqlite notes.body") in places and ("ledger.db", "sqlite notes.raw") in places
    assert ("ledger.db-wal", "bytes") in places  # the live WAL, before any checkpoint


def test_gzipped_logs_are_decompressed(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "old.log.gz", "wt") as f:
        f.write("x" * 1000 + f" mail {EMAIL}\n")
    [finding] = scan(tmp_path, [KnownValue("EMAIL_ADDRESS", EMAIL)]).findings
    assert finding.where.startswith("gzip")


def test_a_value_across_a_chunk_boundary_is_found_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pii_scan, "_CHUNK", 64)
    (tmp_path / "blob.bin").write_bytes(b"\0" * 50 + EMAIL.encode() + b"\0" * 200 + EMAIL.encode())
    [finding] = scan(tmp_path, [KnownValue("EMAIL_ADDRESS", EMAIL)]).findings
    assert finding.count == 2 and finding.where == "bytes at 50"


def test_surnames_count_only_as_capitalised_whole_words(tmp_path: Path) -> None:
    values = claim_values({"claimant": {"name": "Marcus Delgado"}})
    assert KnownValue("PERSON", "Delgado", whole_word=True) in values
    (tmp_path / "a.txt").write_text("the Delgadoville office; delgado; ")
    assert scan(tmp_path, values).findings == []
    (tmp_path / "b.txt").write_text("Dear Mr. Delgado,")
    [finding] = scan(tmp_path, values).findings
    assert finding.path.name == "b.txt" and finding.value.value == "Delgado"


def test_sample_values_cover_every_claimant_field() -> None:
    values = {(v.type, v.value) for v in sample_values()}
    for expected in [("PERSON", "Marcus Delgado"), ("EMAIL_ADDRESS", EMAIL), ("PHONE_NUMBER", "+1 217 555 0101"),
                     ("PHONE_NUMBER", "2175550101"), ("LOCATION", "88 Birch Lane, Springfield, IL 62704"),
                     ("LOCATION", "88 Birch Lane"), ("DATE_OF_BIRTH", "1979-03-14"), ("DATE_OF_BIRTH", "03/14/1979"),
                     ("POLICY_NUMBER", "POL-20418836"), ("BANK_ACCOUNT", "ACCT-4410327")]:
        assert expected in values
    assert not any(t == "PERSON" and v in ("Lee", "Park", "Marcus") for t, v in values)


def test_the_vault_passes_because_its_values_are_ciphertext(tmp_path: Path) -> None:
    from warden.settings import Settings
    from guardrails.vault import Vault

    vault = Vault.from_settings(Settings(data_dir=tmp_path, vault_key=None))
    run_vault = vault.for_run("run-1")
    for value in sample_values()[:40]:
        run_vault.tokenize(value.type, value.value)
    vault.close()
    code, out, _ = run(tmp_path)
    assert code == 0, out
