"""The gate's proof: a tool acts only on the exact call the gate signed, once per decision, until it expires."""
from __future__ import annotations

import base64
import json
import stat
import time

import pytest

from tools.gate_proof import (GateSigner, GateVerifier, ProofRejected, decode_key, encode_args, encode_key,
                              generate_signing_key, load_or_create_signing_key, public_key_from_private)

TOOL = "payments.issue"
ARGS = {"claim_id": "CLM-1001", "amount": 850.0, "currency": "USD", "payee_account": "ACCT-77812"}
BODY = encode_args(ARGS)
KEY = "run-1:4:0:payments.issue"


def rejected(verifier: GateVerifier, header, tool=TOOL, body=BODY, key=KEY, now=None) -> ProofRejected:
    with pytest.raises(ProofRejected) as exc:
        verifier.verify(header, tool, body, key, now=now)
    return exc.value


def test_a_proof_the_gate_signed_verifies_with_its_public_key(signer, verifier) -> None:
    claims = verifier.verify(signer.sign(TOOL, BODY, KEY), TOOL, BODY, KEY)
    assert (claims.tool, claims.key) == (TOOL, KEY)
    assert len(claims.decision_id) == 32 and claims.exp > time.time()


def test_a_dict_is_signed_and_checked_as_the_bytes_the_client_sends(signer, verifier) -> None:
    verifier.verify(signer.sign(TOOL, ARGS, KEY), TOOL, BODY, KEY)
    verifier.verify(signer.sign(TOOL, BODY, KEY), TOOL, ARGS, KEY)


def test_each_proof_is_a_new_decision(signer, verifier) -> None:
    first = verifier.verify(signer.sign(TOOL, BODY, KEY), TOOL, BODY, KEY)
    second = verifier.verify(signer.sign(TOOL, BODY, KEY), TOOL, BODY, KEY)
    assert first.decision_id != second.decision_id


@pytest.mark.parametrize("header", [None, "", "no-dot", "a.b.c", "!!!.???", "e30.e30", "x" * 5000])
def test_a_missing_or_malformed_proof_is_401(verifier, header) -> None:
    exc = rejected(verifier, header)
    assert exc.code == 401 and exc.reason in ("missing", "malformed", "bad_signature")


def test_a_proof_signed_by_another_key_is_401(verifier) -> None:
    forger = GateSigner(generate_signing_key()[0])
    exc = rejected(verifier, forger.sign(TOOL, BODY, KEY))
    assert (exc.code, exc.reason) == (401, "bad_signature")


def test_changed_claims_break_the_signature(signer, verifier) -> None:
    payload, sig = signer.sign(TOOL, BODY, KEY).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["exp"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert rejected(verifier, f"{forged}.{sig}").reason == "bad_signature"


def test_tampered_args_are_403(signer, verifier) -> None:
    header = signer.sign(TOOL, BODY, KEY)
    exc = rejected(verifier, header, body=encode_args({**ARGS, "amount": 9000.0}))
    assert (exc.code, exc.reason) == (403, "wrong_args")
    # the same values serialised differently are different bytes: only the bytes the gate sent count
    assert rejected(verifier, header, body=json.dumps(ARGS, indent=1).encode()).reason == "wrong_args"


def test_a_proof_for_another_tool_is_403(signer, verifier) -> None:
    exc = rejected(verifier, signer.sign("scoring.fraud_risk", BODY, KEY))
    assert (exc.code, exc.reason) == (403, "wrong_tool")


def test_a_proof_for_another_idempotency_key_is_403(signer, verifier) -> None:
    exc = rejected(verifier, signer.sign(TOOL, BODY, KEY), key="other-key")
    assert (exc.code, exc.reason) == (403, "wrong_key")
    assert rejected(verifier, signer.sign(TOOL, BODY, KEY), key=None).reason == "wrong_key"


def test_a_call_without_a_key_is_signed_as_the_empty_key(signer, verifier) -> None:
    verifier.verify(signer.sign("scoring.fraud_risk", BODY, None), "scoring.fraud_risk", BODY, "")
    verifier.verify(signer.sign("scoring.fraud_risk", BODY, ""), "scoring.fraud_risk", BODY, None)


def test_an_expired_proof_is_401(signer, verifier) -> None:
    header = signer.sign(TOOL, BODY, KEY, ttl_s=30, now=time.time() - 60)
    exc = rejected(verifier, header)
    assert (exc.code, exc.reason) == (401, "expired")


def test_expiry_allows_a_few_seconds_of_clock_difference(signer, verifier) -> None:
    now = time.time()
    header = signer.sign(TOOL, BODY, KEY, ttl_s=30, now=now)
    verifier.verify(header, TOOL, BODY, KEY, now=now + 32)
    assert rejected(verifier, header, now=now + 40).reason == "expired"


def test_a_proof_claiming_a_long_life_is_refused(signer, verifier) -> None:
    exc = rejected(verifier, signer.sign(TOOL, BODY, KEY, ttl_s=24 * 3600))
    assert (exc.code, exc.reason) == (401, "malformed")


def test_reusing_a_proof_for_the_same_call_is_an_idempotent_retry(signer, verifier) -> None:
    header = signer.sign(TOOL, BODY, KEY)
    first = verifier.verify(header, TOOL, BODY, KEY)
    assert verifier.verify(header, TOOL, BODY, KEY) == first  # the ledger answers it as a duplicate


def test_a_decision_id_already_used_for_another_call_is_refused(signer, verifier) -> None:
    """The signature binds tool, body and key already; should the gate ever sign two calls under one decision id,
    the second is refused as well."""
    first = signer.sign(TOOL, BODY, KEY, decision_id="d-1")
    other_args = encode_args({**ARGS, "amount": 9000.0})
    verifier.verify(first, TOOL, BODY, KEY)
    for header, body, key in ((signer.sign(TOOL, BODY, "another-key", decision_id="d-1"), BODY, "another-key"),
                              (signer.sign(TOOL, other_args, KEY, decision_id="d-1"), other_args, KEY)):
        exc = rejected(verifier, header, body=body, key=key)
        assert (exc.code, exc.reason) == (403, "replayed")
    verifier.verify(first, TOOL, BODY, KEY)  # the original call may still be retried


def test_the_seen_set_forgets_expired_decisions_and_stays_bounded(gate_keys) -> None:
    signer, verifier = GateSigner(gate_keys[0]), GateVerifier(gate_keys[1], max_seen=10)
    now = time.time()
    for i in range(25):
        verifier.verify(signer.sign(TOOL, BODY, f"k{i}", now=now), TOOL, BODY, f"k{i}", now=now)
    assert verifier.seen_count == 10
    later = now + 60
    verifier.verify(signer.sign(TOOL, BODY, "late", now=later), TOOL, BODY, "late", now=later)
    assert verifier.seen_count == 1


def test_keys_are_ed25519_raw_bytes(gate_keys) -> None:
    private, public = gate_keys
    assert len(private) == len(public) == 32
    assert public_key_from_private(private) == public


def test_keys_travel_as_base64_text(gate_keys) -> None:
    private, public = gate_keys
    assert decode_key(encode_key(private)) == private
    assert decode_key(encode_key(public).rstrip("=").encode()) == public  # unpadded, or as bytes, too
    with pytest.raises(ValueError, match="32 bytes"):
        decode_key(encode_key(b"short"))
    with pytest.raises(ValueError, match="base64"):
        decode_key("not base64!")


def test_the_signing_key_is_created_once_and_private(tmp_path) -> None:
    path = tmp_path / "creds" / "gate" / "gate_signing.key"
    key = load_or_create_signing_key(path)
    assert load_or_create_signing_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
    verifier = GateVerifier(public_key_from_private(key))
    verifier.verify(GateSigner(key).sign(TOOL, BODY, KEY), TOOL, BODY, KEY)


def test_a_signing_key_others_can_read_is_refused(tmp_path) -> None:
    path = tmp_path / "gate_signing.key"
    load_or_create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_or_create_signing_key(path)
