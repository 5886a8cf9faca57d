"""The vault behaves the same in SQLite and Postgres, and a token registered or minted through one gate
resolves through another (same key), never across runs, and is never handed out twice."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet

from guardrails.vault import TokenConflict, UnresolvableToken
from guardrails.vault_pg import PgVault


def test_a_token_from_one_gate_resolves_at_another_in_its_run_only(backend) -> None:
    one, two = backend.open_vault(), backend.open_vault()
    run = one.for_run("run-1")
    token = run.tokenize("EMAIL_ADDRESS", "pat@example.com")
    assert token == "<EMAIL_ADDRESS_1>" and run.tokenize("EMAIL_ADDRESS", "pat@example.com") == token
    assert two.for_run("run-1").resolve(token) == "pat@example.com"
    assert two.for_run("run-2").resolve(token) is None
    with pytest.raises(UnresolvableToken):
        two.for_run("run-2").resolve_value(token)
    two.for_run("run-3").register("<PERSON_1>", "PERSON", "Pat Doe")  # the runtime's intake, through gate two
    assert one.for_run("run-3").resolve_obj({"to": ["<PERSON_1>"]}) == {"to": ["Pat Doe"]}
    with pytest.raises(TokenConflict, match="another value"):
        one.for_run("run-3").register("<PERSON_1>", "PERSON", "Someone Else")
    with pytest.raises(TokenConflict, match="already has the token"):
        one.for_run("run-3").register("<PERSON_2>", "PERSON", "Pat Doe")


def test_gates_minting_at_once_never_share_a_token(backend) -> None:
    vaults = [backend.open_vault(), backend.open_vault()]
    start = threading.Barrier(16, timeout=60)

    def mint(i: int) -> str:
        start.wait()
        return vaults[i % 2].for_run("run-9").tokenize("PERSON", f"Person {i % 8}")

    with ThreadPoolExecutor(16) as pool:
        tokens = list(pool.map(mint, range(16)))
    assert sorted(set(tokens)) == sorted(f"<PERSON_{n}>" for n in range(1, 9))  # 8 values, 8 tokens
    assert all(tokens[i] == tokens[i + 8] for i in range(8))  # the same value got the same token everywhere
    assert {vaults[0].for_run("run-9").resolve(t) for t in tokens} == {f"Person {n}" for n in range(8)}


def test_another_key_cannot_read_the_shared_table(backend) -> None:
    if backend.name != "postgres":
        pytest.skip("the SQLite vault's key checks live in tests/guardrails")
    backend.open_vault().for_run("run-1").tokenize("US_SSN", "123-45-6789")
    stranger = PgVault(backend.open_vault().pool, Fernet.generate_key())
    assert stranger.for_run("run-1").resolve("<US_SSN_1>") is None
