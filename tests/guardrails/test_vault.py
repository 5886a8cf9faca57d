"""The vault hands out stable per-run tokens, keeps values encrypted at rest and never leaks across runs."""
from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from warden.settings import Settings
from guardrails.vault import TokenConflict, UnresolvableToken, Vault, VaultKeyError


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    v = Vault(tmp_path / "vault.sqlite3", Fernet.generate_key())
    yield v
    v.close()


def test_same_value_same_token_numbered_per_type(vault):
    run = vault.for_run("run-1")
    assert run.tokenize("PERSON", "Maria Gonzalez") == "<PERSON_1>"
    assert run.tokenize("PERSON", "Jo Bloggs") == "<PERSON_2>"
    assert run.tokenize("EMAIL_ADDRESS", "pat@example.com") == "<EMAIL_ADDRESS_1>"
    assert run.tokenize("PERSON", "Maria Gonzalez") == "<PERSON_1>"
    # A fresh handle on the same run (another actor, a restart) sees the same mapping.
    assert vault.for_run("run-1").tokenize("PERSON", "Jo Bloggs") == "<PERSON_2>"


def test_only_a_whole_value_that_is_one_token_resolves(vault):
    run = vault.for_run("run-1")
    person = run.tokenize("PERSON", "Maria Gonzalez")
    email = run.tokenize("EMAIL_ADDRESS", "pat@example.com")
    dob = run.tokenize("DATE_OF_BIRTH", "1979-03-14")
    assert run.resolve(person) == "Maria Gonzalez"
    assert run.resolve("<PERSON_9>") is None
    obj = {"to": email, "items": [person, 3, {"note": f"hi {person}"}], "amount": 850.0,
           "exfil": f"{dob}@northwind.example", email: "keys are never resolved"}
    assert vault.for_run("run-1").resolve_obj(obj) == {
        "to": "pat@example.com",
        "items": ["Maria Gonzalez", 3, {"note": f"hi {person}"}],  # a token inside text stays a token
        "amount": 850.0,
        "exfil": f"{dob}@northwind.example",  # a document asking for replies to <DATE_OF_BIRTH_1>@... gets nothing
        email: "keys are never resolved",
    }


def test_a_whole_value_token_that_does_not_resolve_is_refused_not_compared_to_itself(vault, tmp_path: Path):
    run = vault.for_run("run-1")
    with pytest.raises(UnresolvableToken):
        run.resolve_obj({"payee_account": "<BANK_ACCOUNT_1>"})  # forged: never issued in this run
    token = run.tokenize("BANK_ACCOUNT", "ACCT-4410327")
    rotated = Vault(tmp_path / "other.sqlite3", Fernet.generate_key()).for_run("run-1")
    with pytest.raises(UnresolvableToken):
        rotated.resolve_value(token)  # another data folder or another key: unknown, so refused


def test_tokens_of_one_run_do_not_resolve_in_another(vault):
    token = vault.for_run("run-A").tokenize("PERSON", "Maria Gonzalez")
    other = vault.for_run("run-B")
    assert other.resolve(token) is None
    with pytest.raises(UnresolvableToken):
        other.resolve_value(token)
    assert other.tokenize("PERSON", "Jo Bloggs") == "<PERSON_1>"
    assert vault.for_run("run-A").resolve("<PERSON_1>") == "Maria Gonzalez"


def test_registered_tokens_keep_their_first_value(vault):
    run = vault.for_run("run-claims_triage-7")
    run.register("<BANK_ACCOUNT_1>", "BANK_ACCOUNT", "ACCT-4410327")
    run.register("<BANK_ACCOUNT_1>", "BANK_ACCOUNT", "ACCT-4410327")  # the same registration again: fine
    with pytest.raises(TokenConflict):
        run.register("<BANK_ACCOUNT_1>", "BANK_ACCOUNT", "ACCT-9000001")  # a compromised runtime re-pointing it
    with pytest.raises(TokenConflict):
        run.register("<PERSON_1>", "BANK_ACCOUNT", "ACCT-1")  # the token names another type
    assert vault.for_run("run-claims_triage-7").resolve("<BANK_ACCOUNT_1>") == "ACCT-4410327"
    assert vault.for_run("run-claims_triage-7").tokenize("BANK_ACCOUNT", "ACCT-5") == "<BANK_ACCOUNT_2>"


def test_values_are_encrypted_at_rest(tmp_path: Path):
    db = tmp_path / "vault.sqlite3"
    vault = Vault(db, Fernet.generate_key())
    run = vault.for_run("run-1")
    for value in ["Maria Gonzalez", "maria.gonzalez@example.com", "ACCT-778123"]:
        run.tokenize("X", value)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("vault.sqlite3"))
    vault.close()
    assert b"<X_3>" in raw, "the rows must be in the bytes we searched"
    for value in [b"Maria Gonzalez", b"maria.gonzalez@example.com", b"ACCT-778123", b"778123"]:
        assert value not in raw


def test_wrong_key_cannot_resolve_and_bad_key_is_rejected(tmp_path: Path):
    db = tmp_path / "vault.sqlite3"
    token = Vault(db, Fernet.generate_key()).for_run("r").tokenize("PERSON", "Maria Gonzalez")
    assert Vault(db, Fernet.generate_key()).for_run("r").resolve(token) is None
    with pytest.raises(VaultKeyError, match="Fernet key"):
        Vault(db, b"not-a-key")


def test_from_settings_generates_a_private_key_once(settings: Settings):
    first = Vault.from_settings(settings)
    token = first.for_run("r").tokenize("PERSON", "Maria Gonzalez")
    key_file = settings.data_dir / "vault.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    second = Vault.from_settings(settings)
    assert key_file.read_bytes() == key
    assert second.for_run("r").resolve(token) == "Maria Gonzalez"


def test_from_settings_uses_the_configured_key(tmp_path: Path):
    key = Fernet.generate_key().decode()
    settings = Settings(data_dir=tmp_path / "w", vault_key=key)
    token = Vault.from_settings(settings).for_run("r").tokenize("PERSON", "Jo")
    assert not (tmp_path / "w" / "vault.key").exists()
    assert Vault(tmp_path / "w" / "vault.sqlite3", key.encode()).for_run("r").resolve(token) == "Jo"


async def test_concurrent_asyncio_callers_agree(vault):
    values = [f"person-{i % 10}" for i in range(60)]
    tokens = await asyncio.gather(*(asyncio.to_thread(vault.for_run("r").tokenize, "PERSON", v) for v in values))
    mapping = dict(zip(values, tokens))
    assert len(set(mapping.values())) == 10
    assert all(mapping[v] == t for v, t in zip(values, tokens))


_WORKER = """
import json, sys
from pathlib import Path
from guardrails.vault import Vault
vault = Vault(Path(sys.argv[1]), sys.argv[2].encode())
run = vault.for_run("shared")
values = [f"value-{i}" for i in range(30)]
if sys.argv[3] == "reverse":
    values.reverse()
print(json.dumps({v: run.tokenize("PERSON", v) for v in values}))
"""


def test_two_processes_share_one_consistent_mapping(tmp_path: Path):
    db, key = tmp_path / "vault.sqlite3", Fernet.generate_key().decode()
    Vault(db, key.encode()).close()  # create the schema before the race
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(db), key, order], stdout=subprocess.PIPE, text=True)
        for order in ("forward", "reverse")
    ]
    outs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1]
    assert len(set(outs[0].values())) == 30
