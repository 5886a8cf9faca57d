"""Sealed events: routing fields readable, the rest encrypted and bound to them; tampering never opens."""
from __future__ import annotations

import base64
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from guardrails.event_seal import (SealedEventError, is_sealed, load_or_create_event_key, open_event,
                                   seal_event)

CLAIM = {"claim_id": "CLM-1001", "policy_number": "POL-20418836",
         "claimant": {"name": "Marcus Delgado", "email": "marcus.delgado@example.com"},
         "payee_account_on_file": "ACCT-4410327", "document": "Zoë Ångström wrote to me"}
KEY = base64.urlsafe_b64encode(os.urandom(32))


def test_only_the_clear_fields_stay_readable_and_the_event_opens_back() -> None:
    sealed = seal_event(CLAIM, KEY, clear=["claim_id"])
    assert sealed["claim_id"] == "CLM-1001" and sealed["sealed_v"] == 1 and is_sealed(sealed)
    assert set(sealed) == {"claim_id", "sealed", "sealed_v", "sealed_kid"}
    wire = json.dumps(sealed)
    # Long enough that random base64 cannot contain them by chance (a two-letter probe once did).
    for value in ("Marcus", "marcus.delgado", "ACCT-4410327", "POL-20418836", "wrote to me", "Zo\\u00eb"):
        assert value not in wire
    assert open_event(json.loads(wire), KEY) == CLAIM


def test_sealing_twice_gives_different_ciphertexts() -> None:
    assert seal_event(CLAIM, KEY, ["claim_id"])["sealed"] != seal_event(CLAIM, KEY, ["claim_id"])["sealed"]


def test_a_sealed_body_cannot_move_to_another_claim() -> None:
    sealed = seal_event(CLAIM, KEY, ["claim_id"])
    with pytest.raises(SealedEventError, match="authentication"):
        open_event({**sealed, "claim_id": "CLM-9999"}, KEY)


def test_adding_a_clear_field_breaks_the_seal() -> None:
    sealed = seal_event(CLAIM, KEY, ["claim_id"])
    with pytest.raises(SealedEventError, match="authentication"):
        open_event({**sealed, "payee_account_on_file": "ACCT-9000001"}, KEY)


def test_a_flipped_ciphertext_byte_is_refused() -> None:
    sealed = seal_event(CLAIM, KEY, ["claim_id"])
    raw = bytearray(base64.urlsafe_b64decode(sealed["sealed"]))
    raw[-20] ^= 1
    with pytest.raises(SealedEventError, match="authentication"):
        open_event({**sealed, "sealed": base64.urlsafe_b64encode(bytes(raw)).decode()}, KEY)
    with pytest.raises(SealedEventError, match="not a valid ciphertext"):
        open_event({**sealed, "sealed": "not base64 at all!"}, KEY)


def test_another_key_is_named_as_such() -> None:
    sealed = seal_event(CLAIM, KEY, ["claim_id"])
    with pytest.raises(SealedEventError, match="another key"):
        open_event(sealed, base64.urlsafe_b64encode(os.urandom(32)))
    without_kid = {k: v for k, v in sealed.items() if k != "sealed_kid"}  # the key id is authenticated too
    with pytest.raises(SealedEventError):
        open_event(without_kid, KEY)


def test_plain_events_are_refused_unless_allowed() -> None:
    with pytest.raises(SealedEventError, match="not sealed"):
        open_event(CLAIM, KEY)
    assert open_event(CLAIM, KEY, allow_plain=True) == CLAIM


def test_unknown_versions_short_keys_and_double_sealing_are_refused() -> None:
    sealed = seal_event(CLAIM, KEY, ["claim_id"])
    with pytest.raises(SealedEventError, match="version"):
        open_event({**sealed, "sealed_v": 2}, KEY)
    with pytest.raises(SealedEventError, match="32 bytes"):
        seal_event(CLAIM, b"short", ["claim_id"])
    with pytest.raises(SealedEventError, match="reserved"):
        seal_event(sealed, KEY, ["claim_id"])


def test_the_vault_fernet_key_works_as_event_key() -> None:
    from cryptography.fernet import Fernet

    vault_key = Fernet.generate_key()
    assert open_event(seal_event(CLAIM, vault_key, ["claim_id"]), vault_key) == CLAIM


def test_the_key_file_is_private_and_created_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "events.key"
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_or_create_event_key(path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and len(base64.urlsafe_b64decode(keys[0])) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["events.key"]  # no temporary file left behind
    path.chmod(0o644)
    with pytest.raises(SealedEventError, match="chmod 600"):
        load_or_create_event_key(path)
